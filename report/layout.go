package report

import (
	"bytes"
	"fmt"

	"github.com/crmdigest/crmdigest/charts"
	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/report/pdfkit"
	"github.com/crmdigest/crmdigest/templates"

	"github.com/crmdigest/crmdigest/internal/printable"
)

// PDF lays the digest out as an A4 PDF: the headline first, then the
// blocks in order, the data sources last. The same digest gives the same
// bytes.
func (d *Digest) PDF() ([]byte, error) {
	doc := pdfkit.New(d.loc, pdfkit.Header{Title: d.Title, Period: d.Period, AsOf: d.asOfTime}, d.SourcesFooter, d.created)
	doc.Headline(d.Headline)
	for i, bl := range d.Blocks {
		if err := d.block(doc, bl, d.Blocks[i+1:]); err != nil {
			return nil, err
		}
	}
	if len(d.Sources) > 0 {
		doc.Section(d.loc.T("Data sources"), 10)
		doc.PDF.SetFont(fonts.Family, "", pdfkit.SizeSmall)
		for _, s := range d.Sources {
			doc.PDF.SetTextColor(110, 110, 110)
			doc.PDF.SetX(pdfkit.Margin)
			doc.PDF.MultiCell(pdfkit.ContentW, 3.4, printable.Escape(s), "", "L", false)
		}
	}
	b, err := doc.Bytes()
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return b, nil
}

// keepFor is the height a section title keeps under it, so it is never
// left alone at the bottom of a page.
func keepFor(next []Block) float64 {
	if len(next) == 0 {
		return 10
	}
	n := next[0]
	switch {
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
		t := pdfkit.Table{MarkTitle: bl.Table.MarkTitle, Marks: bl.Table.Marks, Rows: bl.Table.Rows}
		for _, c := range bl.Table.Columns {
			t.Columns = append(t.Columns, pdfkit.Column{Title: c.Title, Weight: c.Weight, Numeric: c.Numeric})
		}
		doc.Table(t)
	case len(bl.List) > 0:
		doc.List(bl.List)
	case bl.Chart != nil:
		if err := doc.Chart(d.chart(bl.Chart), bl.Chart.Height); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if bl.Chart.Caption != "" {
			doc.PDF.SetY(doc.PDF.GetY() - 2)
			doc.PDF.SetFont(fonts.Family, "", pdfkit.SizeSmall)
			doc.PDF.SetTextColor(110, 110, 110)
			doc.PDF.SetX(pdfkit.Margin)
			doc.PDF.MultiCell(pdfkit.ContentW, 3.4, printable.Escape(bl.Chart.Caption), "", "L", false)
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
	head := func() {
		y := p.GetY()
		p.SetFont(fonts.Family, "B", pdfkit.SizeSmall)
		p.SetTextColor(110, 110, 110)
		for i, t := range m.Metrics {
			p.Text(pdfkit.Margin+nameW+float64(i)*colW, y+3.5, doc.Fit(t, colW-2))
		}
		p.SetY(y + 5)
	}
	doc.Ensure(5 + rowH*float64(min(3, len(m.Rows))))
	head()
	for _, r := range m.Rows {
		if p.GetY()+rowH > pdfkit.PageH-pdfkit.Margin-12 {
			p.AddPage()
			head()
		}
		y := p.GetY()
		p.SetFont(fonts.Family, "", pdfkit.SizeText-0.5)
		p.SetTextColor(40, 40, 40)
		name := r.Name
		if r.Mark != "" {
			name = r.Mark + " " + name
		}
		p.Text(pdfkit.Margin, y+4.5, doc.Fit(name, nameW-2))
		for i := range m.Metrics {
			x := pdfkit.Margin + nameW + float64(i)*colW
			if i < len(r.Series) && r.Series[i] != nil {
				if err := doc.ChartAt(charts.Sparkline(floats(r.Series[i])), x, y+1, colW-valueW-4, rowH-2); err != nil {
					return fmt.Errorf("report: %w", err)
				}
			}
			if i < len(r.Last) {
				p.SetFont(fonts.Family, "", pdfkit.SizeSmall)
				p.SetTextColor(40, 40, 40)
				v := doc.Fit(r.Last[i], valueW-1)
				p.Text(x+colW-5-p.GetStringWidth(v), y+4.5, v)
			}
		}
		p.SetDrawColor(220, 220, 220)
		p.SetLineWidth(0.15)
		p.Line(pdfkit.Margin, y+rowH, pdfkit.PageW-pdfkit.Margin, y+rowH)
		p.SetY(y + rowH)
	}
	p.SetFont(fonts.Family, "", pdfkit.SizeSmall)
	p.SetTextColor(110, 110, 110)
	p.SetX(pdfkit.Margin)
	p.SetY(p.GetY() + 1)
	p.MultiCell(pdfkit.ContentW, 3.4, printable.Escape(m.Periods), "", "L", false)
	doc.Space(2)
	return nil
}

// Email returns what the email body shows: the headline, three to five
// numbers with their comparison, a rep's overdue count and alerts, all in
// the recipient's language.
func (d *Digest) Email() templates.Email {
	e := templates.Email{Role: d.Kind, Locale: d.Locale, RecipientName: d.Recipient, Period: d.Period,
		AsOf: d.AsOf, Headline: d.Headline, Alerts: d.Alerts, OverdueCount: d.Overdue}
	for _, it := range d.Summary {
		if len(e.Summary) == 5 {
			break
		}
		e.Summary = append(e.Summary, templates.Item{Label: it.Label, Value: it.Value, Comparison: it.Comparison})
	}
	return e
}

// ChartPNG returns the digest's first chart as a PNG image for the email
// body (600 × 260 pixels, shown at half size), or nil when the digest has
// no chart.
func (d *Digest) ChartPNG() ([]byte, error) {
	for _, bl := range d.Blocks {
		if bl.Chart == nil {
			continue
		}
		var buf bytes.Buffer
		if err := d.chart(bl.Chart).PNG(&buf, 600, 260); err != nil {
			return nil, fmt.Errorf("report: chart png: %w", err)
		}
		return buf.Bytes(), nil
	}
	return nil, nil
}
