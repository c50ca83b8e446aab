package report

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/crmdigest/crmdigest/charts"
	"github.com/crmdigest/crmdigest/report/pdfkit"
	"github.com/crmdigest/crmdigest/templates"
)

// PDF lays the digest out as an A4 PDF: the headline first, then the
// blocks in order, the data sources last. The same digest gives the same
// bytes.
func (d *Digest) PDF() ([]byte, error) { return d.pdf(nil) }

// LastPageMin is the least content a last page holds, in millimetres
// under the page header: about five lines. A digest whose last page would
// hold less is laid out again with half the white space between blocks.
const LastPageMin = 25.0

// pdf lays the digest out, calling onText (when not nil) for every run
// of text drawn: the layout tests check through it that nothing is cut.
func (d *Digest) pdf(onText func(pdfkit.Drawn)) ([]byte, error) {
	// The runs drawn are kept only for onText; the last page's fill is
	// followed as they come (a digest draws hundreds of runs).
	var drawn []pdfkit.Drawn
	var last pageFill
	record := func(x pdfkit.Drawn) {
		last.add(x)
		if onText != nil {
			drawn = append(drawn, x)
		}
	}
	b, err := d.layout(pdfkit.Options{OnText: record, Fallback: d.fallback})
	if err != nil {
		return nil, err
	}
	if last.pages > 1 && last.fill < LastPageMin {
		drawn, last = drawn[:0], pageFill{}
		b, err = d.layout(pdfkit.Options{OnText: record, Fallback: d.fallback, Tight: true})
		if err != nil {
			return nil, err
		}
	}
	for _, x := range drawn {
		onText(x)
	}
	return b, nil
}

// pageFill follows how far down the content of the last page reaches,
// in millimetres under the header (fill), and the number of pages, run
// by run.
type pageFill struct {
	fill  float64
	pages int
}

func (p *pageFill) add(x pdfkit.Drawn) {
	// A chart's labels are not lines of text; the flow rules
	// (flow_test.go) count the page's own text only.
	if x.Kind == pdfkit.KindHeader || x.Kind == pdfkit.KindFooter || x.Kind == pdfkit.KindChart {
		return
	}
	if x.Page > p.pages {
		p.pages, p.fill = x.Page, 0
	}
	p.fill = max(p.fill, x.Y-pdfkit.ContentTop)
}

func (d *Digest) layout(opts pdfkit.Options) ([]byte, error) {
	doc := pdfkit.NewWith(d.loc, pdfkit.Header{Title: d.Title, Period: d.Period, AsOf: d.asOfTime}, d.SourcesFooter, d.created, opts)
	doc.Headline(d.Headline)
	for i, bl := range d.Blocks {
		if err := d.block(doc, bl, d.Blocks[i+1:]); err != nil {
			return nil, err
		}
	}
	// A rep's page ends on their own figures: the footer's line (sources,
	// data up to, rows set aside) is all they need of the data quality;
	// managers and directors, who act on the exports, get the block.
	if len(d.Sources) > 0 && d.Kind != string(KindRep) {
		doc.Section(d.loc.T("Data sources"), 10)
		doc.Font(false, pdfkit.SizeSmall)
		doc.Muted()
		for _, s := range d.Sources {
			doc.Lines(s, 3.4, true)
		}
	}
	b, err := doc.Bytes()
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return b, nil
}

// keepFor is the height a section title keeps under it, so it is never
// left at the bottom of a page without two lines of its content: a short
// note (one line) counts for one, and the block after it must come too.
func keepFor(next []Block) float64 {
	if len(next) == 0 {
		return 10
	}
	n := next[0]
	switch {
	case n.Chart != nil && len(next) > 1 && next[1].Section == "" && next[1].Table != nil:
		// A chart holds no line of text: the table it draws (the
		// ranking's) must start on the title's page too.
		return n.Chart.Height + 17
	case n.Chart != nil:
		return n.Chart.Height
	case len(n.Bullets) > 0:
		return 11 * float64(min(2, len(n.Bullets)))
	case len(n.KPIs) > 0:
		return 17
	case n.Table != nil:
		return 17
	case n.Multiples != nil:
		return 5 + 7*float64(min(3, len(n.Multiples.Rows)))
	case n.Paragraph != "":
		// A short lead-in (one or two lines, about 100 letters each) is
		// kept with what it introduces; of a longer one, two lines.
		lines := 1 + utf8.RuneCountInString(n.Paragraph)/100
		if lines <= 2 && len(next) > 1 && next[1].Section == "" {
			return 3.4 + 4.6*float64(lines) + keepFor(next[1:])
		}
		return 3.4 + 4.6*float64(min(lines, 2))
	}
	return 12
}

func (d *Digest) format(money, percent bool) charts.Format {
	f := charts.Format{Locale: d.loc, Percent: percent}
	if money {
		f.Currency = d.currency
	}
	return f
}

func (d *Digest) block(doc *pdfkit.Doc, bl Block, next []Block) error {
	switch {
	case bl.Section != "":
		doc.Section(bl.Section, keepFor(next))
	case bl.Paragraph != "":
		if len(next) > 0 && len(next[0].List) > 0 {
			// A list's title ("Stale deals (8)") keeps two of its items.
			doc.Ensure(6.1 + 2*4.6)
		}
		doc.Paragraph(bl.Paragraph, bl.Quiet)
	case len(bl.KPIs) > 0:
		kpis := make([]pdfkit.KPI, len(bl.KPIs))
		for i, k := range bl.KPIs {
			kpis[i] = pdfkit.KPI{Label: k.Label, Value: k.Value, Comparison: k.Comparison, Direction: pdfDir(k.Dir)}
		}
		doc.KPIRow(kpis)
	case len(bl.Bullets) > 0:
		rows, key := d.bulletRows(bl.Bullets)
		if err := doc.BulletRows(rows, key, d.format(true, false)); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	case bl.Table != nil:
		t := pdfkit.Table{MarkTitle: bl.Table.MarkTitle, Marks: bl.Table.Marks, Rows: bl.Table.Rows, RowLinks: bl.Table.RowLinks}
		for _, c := range bl.Table.Columns {
			t.Columns = append(t.Columns, pdfkit.Column{Title: c.Title, Weight: c.Weight, Numeric: c.Numeric, Data: c.Data})
		}
		doc.Table(t)
	case len(bl.List) > 0:
		doc.List(bl.List, bl.ListLinks...)
	case bl.Chart != nil:
		if err := doc.Chart(d.chart(bl.Chart), bl.Chart.Height); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if bl.Chart.Caption != "" {
			doc.PDF.SetY(doc.PDF.GetY() - 2)
			doc.Font(false, pdfkit.SizeSmall)
			doc.Muted()
			doc.Lines(bl.Chart.Caption, 3.4, false)
			doc.Space(2)
		}
	case bl.Multiples != nil:
		return d.multiples(doc, bl.Multiples)
	}
	return nil
}

// bulletRows turns a column of bullet lines into the page's rows, with
// the names of everything its legend may show.
func (d *Digest) bulletRows(bs []Bullet) ([]pdfkit.BulletRow, charts.BulletKey) {
	rows := make([]pdfkit.BulletRow, len(bs))
	for i, b := range bs {
		rows[i] = pdfkit.BulletRow{Label: b.Label, Value: b.Value, Comparison: b.Comparison, Direction: pdfDir(b.Dir),
			Bullet:       charts.Bullet{Actual: float64(b.Actual), Target: float64(b.Target), Baseline: float64(b.Baseline), Bands: floats(b.Bands)},
			BaselineName: b.BaselineName, Spark: floats(b.Spark)}
	}
	key := charts.BulletKey{Actual: d.loc.T("Actual"), Target: d.loc.T("Target"), Bands: d.loc.T("Grey bands: 80, 100 and 120 %% of the target")}
	return rows, key
}

func pdfDir(d Dir) pdfkit.Direction {
	switch d {
	case Up:
		return pdfkit.Up
	case Down:
		return pdfkit.Down
	}
	return pdfkit.Flat
}

// chart turns a chart's data into a chart of package charts.
func (d *Digest) chart(c *Chart) charts.Chart {
	f := d.format(c.Money, c.Percent)
	a, r := floats(c.Actual), floats(c.Reference)
	switch c.Kind {
	case ChartTrend:
		return charts.RevenueTrend(charts.Trend{Labels: c.Labels, Actual: a, Expected: floats(c.Expected),
			Low: floats(c.Low), High: floats(c.High)}, f)
	case ChartActivity:
		return charts.Activity(c.Labels, a, r, f)
	case ChartPipeline:
		return charts.PipelineByStage(c.Labels, a, f)
	case ChartRepBars:
		return charts.RepBars(c.Labels, a, r, c.Highlight, f)
	case ChartPeriods:
		return charts.PeriodBars(c.Labels, a, r, f)
	case ChartTeams:
		return charts.TeamComparison(c.Labels, a, r, f)
	case ChartYoY:
		return charts.YearOverYear(c.Labels, a, r, f)
	case ChartRanking:
		return charts.Ranking(c.Labels, a, c.HighlightIndex, f)
	}
	return charts.Chart{}
}

// multiples draws the small multiples: a header with the metrics, then
// per rep their name and, per metric, a sparkline and the latest value.
func (d *Digest) multiples(doc *pdfkit.Doc, m *Multiples) error {
	p := doc.PDF
	const nameW, rowH, valueW = 40.0, 7.0, 20.0
	colW := (pdfkit.ContentW - nameW) / float64(max(1, len(m.Metrics)))
	const headLine = 3.2
	head := func() {
		doc.Font(true, pdfkit.SizeSmall)
		titles := make([][]string, len(m.Metrics))
		n := 1
		for i, t := range m.Metrics {
			titles[i] = doc.Wrap(t, colW-2)
			n = max(n, len(titles[i]))
		}
		y := p.GetY()
		doc.Muted()
		for i := range titles {
			for j, l := range titles[i] {
				doc.Text(pdfkit.Margin+nameW+float64(i)*colW, y+3.5+float64(j)*headLine, l, colW-2, false)
			}
		}
		p.SetY(y + 5 + float64(n-1)*headLine)
	}
	doc.Ensure(5 + rowH*float64(min(3, len(m.Rows))))
	head()
	for _, r := range m.Rows {
		if !doc.Fits(rowH) {
			doc.Break()
			head()
		}
		y := p.GetY()
		doc.Font(false, pdfkit.SizeText-0.5)
		doc.Dark()
		name := r.Name
		if r.Mark != "" {
			name = r.Mark + " " + name
		}
		doc.Text(pdfkit.Margin, y+4.5, doc.Fit(name, nameW-2), nameW-2, true)
		for i := range m.Metrics {
			x := pdfkit.Margin + nameW + float64(i)*colW
			if i < len(r.Series) && r.Series[i] != nil {
				if err := doc.ChartAt(charts.Sparkline(floats(r.Series[i])), x, y+1, colW-valueW-4, rowH-2); err != nil {
					return fmt.Errorf("report: %w", err)
				}
			}
			if i < len(r.Last) {
				doc.Font(false, pdfkit.SizeSmall)
				doc.Dark()
				v := doc.Fit(r.Last[i], valueW-1)
				doc.Text(x+colW-5-doc.Width(v), y+4.5, v, valueW-1, true)
			}
		}
		p.SetDrawColor(220, 220, 220)
		p.SetLineWidth(0.15)
		p.Line(pdfkit.Margin, y+rowH, pdfkit.PageW-pdfkit.Margin, y+rowH)
		p.SetY(y + rowH)
	}
	doc.Font(false, pdfkit.SizeSmall)
	doc.Muted()
	p.SetY(p.GetY() + 1)
	doc.Lines(m.Periods, 3.4, false)
	doc.Space(2)
	return nil
}

// Email returns what the email body shows: the headline, three to five
// numbers with their comparison (less those the headline states), a rep's
// overdue count and alerts with their links, all in the recipient's
// language. The inline chart is EmailChart's.
func (d *Digest) Email() templates.Email {
	period := d.inText
	if period == "" { // a Digest read back from JSON
		period = d.Period
	}
	e := templates.Email{Role: d.Kind, Locale: d.Locale, RecipientName: d.Recipient, Period: period,
		AsOf: d.AsOf, Headline: d.Headline, Alerts: d.Alerts, AlertURLs: d.AlertLinks, OverdueCount: d.Overdue, OverdueListed: d.OverdueListed, Region: d.Region}
	for _, it := range withoutStated(d.Summary, append(slices.Clone(d.Claims), d.figures...)) {
		if len(e.Summary) == 5 {
			break
		}
		e.Summary = append(e.Summary, templates.Item{Label: it.Label, Value: it.Value, Comparison: it.Comparison})
	}
	return e
}
