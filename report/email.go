package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/crmdigest/crmdigest/charts"
	"github.com/crmdigest/crmdigest/internal/crmlink"
	"github.com/crmdigest/crmdigest/kpi"
)

// EmailChartCID is the Content-ID (without angle brackets) under which the
// email carries EmailChart's image.
const EmailChartCID = "headline-chart@crmdigest"

// Size of the email's chart image, shown at this size at most: package
// charts sizes text for an image shown at its pixel size, and a phone
// shrinks it to the screen's width (about 340 px), so a narrower image
// keeps its labels more legible there than one as wide as the column.
const emailChartW, emailChartH = 480, 270

// EmailChart returns the chart of the headline figure as a PNG for the
// email body, and the words that say what it shows (its alt text): for a
// rep and a manager, won revenue in each period against target; for a
// director, the won revenue trend with its seasonal band. png is nil when
// the digest has no such chart.
func (d *Digest) EmailChart() (png []byte, alt string, err error) {
	c := d.headlineChart()
	if c == nil {
		return nil, "", nil
	}
	var buf bytes.Buffer
	if err := d.chart(c).With(charts.Options{Fallback: d.fallback}).PNG(&buf, emailChartW, emailChartH); err != nil {
		return nil, "", fmt.Errorf("report: email chart: %w", err)
	}
	return buf.Bytes(), d.chartAlt(c), nil
}

// headlineChart is the data of the email's chart, nil when there is none.
func (d *Digest) headlineChart() *Chart {
	c := d.emailChart
	if c == nil {
		for _, bl := range d.Blocks {
			if bl.Chart != nil && bl.Chart.Kind == ChartTrend {
				c = bl.Chart
				break
			}
		}
	}
	if c == nil || !anyFinite(c.Actual) {
		return nil
	}
	return c
}

// chartAlt says a chart's figures in words: its title, then each label
// with its value and its target or seasonal expectation (the last six
// points of a trend), then its caption. The parts
// are joined with " · ", which needs no locale's punctuation rules.
func (d *Digest) chartAlt(c *Chart) string {
	f := d.format(c.Money, c.Percent)
	money := func(v Num) string {
		if !finite(v) {
			return d.loc.NotAvailable()
		}
		if f.Currency != "" {
			return d.loc.Money(float64(v), f.Currency, 0)
		}
		return d.loc.Number(float64(v), 0)
	}
	from := 0
	if c.Kind == ChartTrend {
		from = max(0, len(c.Labels)-6)
	}
	var parts []string
	for i := from; i < len(c.Labels) && i < len(c.Actual); i++ {
		p := c.Labels[i] + " " + money(c.Actual[i])
		switch {
		case i < len(c.Reference) && finite(c.Reference[i]):
			p += " (" + d.loc.T("target") + " " + money(c.Reference[i]) + ")"
		case i < len(c.Expected) && finite(c.Expected[i]):
			p += " (" + strings.ToLower(d.loc.T("Expected")) + " " + money(c.Expected[i]) + ")"
		}
		parts = append(parts, p)
	}
	alt := d.loc.T("Won revenue") + d.loc.Colon() + strings.Join(parts, " · ") + "."
	if c.Caption != "" {
		alt += " " + c.Caption
	}
	return alt
}

// bulletChart is the email's chart of a metric's bullet rows: one bar per
// period with its target as the tick (no tick where there is no target:
// the tick stands for the target only).
func (b *builder) bulletChart(name string, rows []Bullet) *Chart {
	c := &Chart{Kind: ChartPeriods, Money: true, HighlightIndex: -1}
	hasTarget := false
	for _, r := range rows {
		c.Labels = append(c.Labels, r.Label)
		c.Actual = append(c.Actual, r.Actual)
		ref := Num(math.NaN())
		if r.RefIsTarget && finite(r.Reference) {
			ref, hasTarget = r.Reference, true
		}
		c.Reference = append(c.Reference, ref)
	}
	if !hasTarget {
		c.Reference = nil
	}
	return c
}

func finite(v Num) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

func anyFinite(vs []Num) bool {
	for _, v := range vs {
		if finite(v) {
			return true
		}
	}
	return false
}

// personLinks are the links of a table's rep rows to the reps' CRM user
// records (their crm_id); nil when nothing links.
func (b *builder) personLinks(reps []*kpi.Scope) []string {
	links := b.s.opts.Links
	if !links.Has(crmlink.Person) {
		return nil
	}
	ids := map[string]string{}
	for i := range b.s.ds.People {
		p := &b.s.ds.People[i]
		ids[p.Key()] = p.CRMID
	}
	out := make([]string, len(reps))
	any := false
	for i, sc := range reps {
		out[i] = links.URL(crmlink.Person, ids[sc.Key])
		any = any || out[i] != ""
	}
	if !any {
		return nil
	}
	return out
}

// withoutStated leaves out of the email's numbers those the headline
// already states (a claim on the same metric, period and value): each
// figure is said once, with the comparison the headline found most
// material; the PDF keeps every comparison.
func withoutStated(items []Item, claims []Claim) []Item {
	var out []Item
	for _, it := range items {
		stated := false
		for _, c := range claims {
			if c.Metric == it.metric && it.metric != "" && c.Value == it.value && c.Label != "" && strings.HasPrefix(it.Label, c.Label) {
				stated = true
				break
			}
		}
		if !stated {
			out = append(out, it)
		}
	}
	return out
}
