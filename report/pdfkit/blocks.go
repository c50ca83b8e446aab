package pdfkit

import (
	"math"
	"strings"

	"github.com/crmdigest/crmdigest/charts"

	"github.com/crmdigest/crmdigest/internal/printable"
)

// Headline writes the sentence that opens a digest, in bold at text size
// with an accent bar on its left, wrapped over as many lines as needed.
func (d *Doc) Headline(s string) {
	p := d.PDF
	d.font(true, SizeText+1.5)
	lines := p.SplitText(printable.Escape(s), ContentW-6)
	lh := 5.4
	h := float64(len(lines))*lh + 3
	d.Ensure(h + 2)
	y := p.GetY()
	p.SetFillColor(colAccent[0], colAccent[1], colAccent[2])
	p.Rect(Margin, y, 1.2, h, "F")
	d.color(colText)
	for i, l := range lines {
		p.Text(Margin+4, y+4.6+float64(i)*lh, l)
	}
	p.SetY(y + h + 4)
}

// Section writes a section title with a thin rule under it; it moves to a
// new page when less than keep millimetres would remain under the title,
// so a title is never left alone at the bottom of a page.
func (d *Doc) Section(title string, keep float64) {
	p := d.PDF
	d.Ensure(9 + keep)
	y := p.GetY() + 2
	d.font(true, SizeText+0.5)
	d.color(colText)
	p.Text(Margin, y+3.5, printable.Escape(title))
	d.rule(y + 5)
	p.SetY(y + 7.5)
}

// Paragraph writes wrapped text at text size, muted when quiet is true.
func (d *Doc) Paragraph(s string, quiet bool) {
	d.font(false, SizeText)
	d.color(colText)
	if quiet {
		d.color(colMuted)
	}
	d.PDF.SetX(Margin)
	d.PDF.MultiCell(ContentW, 4.6, printable.Escape(s), "", "L", false)
	d.Space(1.5)
}

// Direction is the sense of a change, carried by a sign and a word as well
// as a colour.
type Direction int

// Directions of a comparison.
const (
	Flat Direction = iota
	Up
	Down
)

// Sign returns the symbol of the direction: ▲, ▼ or ●.
func (dir Direction) Sign() string {
	switch dir {
	case Up:
		return "▲"
	case Down:
		return "▼"
	}
	return "●"
}

// Compare builds the comparison text of a value against a reference:
// "▲ +12% vs expected" with the sign and percentage of (actual/ref - 1).
// vs is the translated "vs ..." phrase. When ref is 0, NaN or missing,
// the text is noHistory (e.g. loc.T("no history yet")) and the
// direction Flat, so no percentage is ever made up.
func (d *Doc) Compare(actual, ref float64, vs, noHistory string) (string, Direction) {
	if math.IsNaN(actual) || math.IsNaN(ref) || ref == 0 || math.IsInf(ref, 0) {
		return noHistory, Flat
	}
	ratio := actual/ref - 1
	dir := Flat
	switch s := d.Loc.SignedPercent(ratio, 0); {
	case s[0] == '+':
		dir = Up
	case s[0] == '-':
		dir = Down
	}
	return dir.Sign() + " " + d.Loc.SignedPercent(ratio, 0) + " " + vs, dir
}

// KPI is one figure of a KPI row: a label, the formatted value and its
// comparison ("▲ +12% vs target", built with Compare).
type KPI struct {
	Label, Value, Comparison string
	Direction                Direction
}

// KPIRow writes up to six KPIs side by side: label (small), value (bold,
// large) and comparison (small, coloured by direction as a second channel
// after the sign and the words).
func (d *Doc) KPIRow(kpis []KPI) {
	if len(kpis) == 0 {
		return
	}
	p := d.PDF
	d.Ensure(17)
	y := p.GetY()
	w := ContentW / float64(len(kpis))
	for i, k := range kpis {
		x := Margin + float64(i)*w
		d.font(false, SizeSmall)
		d.color(colMuted)
		p.Text(x, y+3, d.Fit(k.Label, w-3))
		d.font(true, SizeTitle)
		d.color(colText)
		p.Text(x, y+9.5, d.Fit(k.Value, w-3))
		d.font(false, SizeSmall)
		d.color(dirColor(k.Direction))
		p.Text(x, y+13.5, d.Fit(k.Comparison, w-3))
	}
	p.SetY(y + 17)
}

// lineDirection reads the direction of the i-th line of a comparison from
// its sign. A first line without one is words ("no target set"), shown
// muted; a later line without one continues the line above it.
func lineDirection(line string, i int, prev Direction) Direction {
	switch {
	case strings.HasPrefix(line, Up.Sign()):
		return Up
	case strings.HasPrefix(line, Down.Sign()):
		return Down
	case i == 0 || strings.HasPrefix(line, Flat.Sign()):
		return Flat
	}
	return prev
}

func dirColor(dir Direction) [3]int {
	switch dir {
	case Up:
		return colGood
	case Down:
		return colBad
	}
	return colMuted
}

// BulletRow is one line of a column of bullet graphs: the label, the
// formatted value and comparison, the graph and an optional sparkline of
// the last periods. BaselineName names the reference drawn as a diamond
// (Bullet.Baseline), for the legend.
type BulletRow struct {
	Label, Value, Comparison string
	Direction                Direction
	Bullet                   charts.Bullet
	BaselineName             string
	Spark                    []float64 // nil for none
}

// BulletRows writes a legend naming what the graphs draw, then one row
// per item: label and value on the left, the bullet graph with its scale
// in the middle, the sparkline and the comparison on the right. key names
// the bar and the bands; the tick and the diamonds are listed only when a
// row draws them.
func (d *Doc) BulletRows(rows []BulletRow, key charts.BulletKey, f charts.Format) error {
	p := d.PDF
	const rowH = 11.0
	const labelW, valueW, sparkW, cmpW = 42.0, 24.0, 18.0, 36.0
	graphW := ContentW - labelW - valueW - sparkW - cmpW - 6
	bullets := make([]charts.Bullet, len(rows))
	names := make([]string, len(rows))
	for i, r := range rows {
		bullets[i], names[i] = r.Bullet, r.BaselineName
	}
	key = key.For(bullets, names)
	legendH := charts.BulletLegendHeight(p, key, ContentW)
	d.Ensure(legendH + rowH)
	if err := d.ChartAt(charts.BulletLegend(key, f), Margin, p.GetY(), ContentW, legendH); err != nil {
		return err
	}
	p.SetY(p.GetY() + legendH + 1)
	for _, r := range rows {
		d.font(false, SizeSmall)
		// A comparison is never cut: the row grows to hold all its lines.
		var lines []string
		for _, part := range strings.Split(r.Comparison, "\n") {
			if part != "" {
				lines = append(lines, p.SplitText(printable.Escape(part), cmpW-1)...)
			}
		}
		h := max(rowH, 2+float64(len(lines))*3.3)
		d.Ensure(h)
		y := p.GetY()
		d.font(false, SizeText)
		d.color(colText)
		p.Text(Margin, y+4.5, d.Fit(r.Label, labelW-2))
		d.font(true, SizeText)
		v := d.Fit(r.Value, valueW-2)
		p.Text(Margin+labelW+valueW-2-p.GetStringWidth(v), y+4.5, v)
		gx := Margin + labelW + valueW + 2
		if err := d.ChartAt(charts.BulletGraph(r.Bullet, f), gx, y+0.5, graphW, rowH-1.5); err != nil {
			return err
		}
		sx := gx + graphW + 3
		if r.Spark != nil {
			if err := d.ChartAt(charts.Sparkline(r.Spark), sx, y+1, sparkW-2, 5.5); err != nil {
				return err
			}
		}
		d.font(false, SizeSmall)
		cx := sx + sparkW + 1
		dir := Flat
		for i, line := range lines {
			// Each line is its own comparison (vs target, vs expected):
			// its sign, not the row's first one, decides its colour.
			dir = lineDirection(line, i, dir)
			d.color(dirColor(dir))
			p.Text(cx, y+3.5+float64(i)*3.3, line)
		}
		p.SetY(y + h)
	}
	d.Space(2)
	return nil
}

// Column describes a table column: its title, its share of the content
// width (weights are normalised) and whether it holds numbers, which are
// right-aligned (the Go fonts' digits are tabular, so they line up).
type Column struct {
	Title   string
	Weight  float64
	Numeric bool
}

// Table is a table of formatted cells. Marks, when not nil, adds a last
// column with one mark per row ("● far below usual") in bold, for the
// outliers; an empty mark leaves the cell blank.
type Table struct {
	Columns   []Column
	Rows      [][]string
	MarkTitle string
	Marks     []string
}

// Table writes t with thin rules between rows and its header repeated on
// every page it spans. Cells too long for their column end with "…".
func (d *Doc) Table(t Table) {
	p := d.PDF
	cols := t.Columns
	if t.Marks != nil {
		cols = append(append([]Column{}, cols...), Column{Title: t.MarkTitle, Weight: 1.7})
	}
	total := 0.0
	for _, c := range cols {
		total += c.Weight
	}
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = ContentW * c.Weight / total
	}
	const rowH = 5.6
	// A title too long for its column (Spanish and French words are
	// longer) wraps onto a second line before it is shortened with "…".
	const headLine = 3.2
	head := func() {
		y := p.GetY()
		d.font(true, SizeSmall)
		d.color(colMuted)
		titles := make([][]string, len(cols))
		n := 1
		for i, c := range cols {
			ls := d.wrapWords(c.Title, widths[i]-2.4)
			if len(ls) > 2 {
				ls = []string{ls[0], strings.Join(ls[1:], " ")}
			}
			titles[i] = ls
			n = max(n, len(ls))
		}
		h := rowH + float64(n-1)*headLine
		x := Margin
		for i, c := range cols {
			// Bottom-align, so one-line titles sit on the rule like the others.
			top := y + float64(n-len(titles[i]))*headLine
			for j, l := range titles[i] {
				d.cell(l, x, top+float64(j)*headLine, widths[i], c.Numeric)
			}
			x += widths[i]
		}
		d.drawColor(colText)
		p.SetLineWidth(0.3)
		p.Line(Margin, y+h, PageW-Margin, y+h)
		p.SetY(y + h + 0.5)
	}
	d.Ensure(3 * rowH)
	head()
	for r, row := range t.Rows {
		if p.GetY()+rowH > PageH-Margin-footerH {
			p.AddPage()
			head()
		}
		y := p.GetY()
		x := Margin
		for i, c := range cols {
			var s string
			bold := false
			if i < len(t.Columns) && i < len(row) {
				s = row[i]
			} else if i == len(t.Columns) && r < len(t.Marks) {
				s, bold = t.Marks[r], true
			}
			d.font(bold, SizeText-0.5)
			d.color(colText)
			d.cell(s, x, y, widths[i], c.Numeric)
			x += widths[i]
		}
		d.rule(y + rowH)
		p.SetY(y + rowH)
	}
	d.Space(3)
}

// wrapWords breaks s into lines of at most w at spaces only: a word is
// never cut in two (fpdf's SplitText would), a word wider than w keeps its
// line and is shortened by cell.
func (d *Doc) wrapWords(s string, w float64) []string {
	var lines []string
	for _, word := range strings.Fields(printable.Escape(s)) {
		if n := len(lines); n > 0 && d.PDF.GetStringWidth(lines[n-1]+" "+word) <= w {
			lines[n-1] += " " + word
			continue
		}
		lines = append(lines, word)
	}
	if len(lines) == 0 {
		lines = []string{""}
	}
	return lines
}

// cell writes s in a column at (x, y) of width w, right-aligned when num.
func (d *Doc) cell(s string, x, y, w float64, num bool) {
	const pad = 1.2
	s = d.Fit(s, w-2*pad)
	if num {
		x += w - pad - d.PDF.GetStringWidth(s)
	} else {
		x += pad
	}
	d.PDF.Text(x, y+4, s)
}

// List writes a bulleted list (the to-do list); each item is wrapped.
func (d *Doc) List(items []string) {
	p := d.PDF
	d.font(false, SizeText)
	for _, it := range items {
		lines := p.SplitText(printable.Escape(it), ContentW-6)
		d.Ensure(float64(len(lines)) * 4.6)
		y := p.GetY()
		d.color(colAccent)
		p.Text(Margin+1, y+3.5, "•")
		d.color(colText)
		for i, l := range lines {
			p.Text(Margin+5, y+3.5+float64(i)*4.6, l)
		}
		p.SetY(y + float64(len(lines))*4.6)
	}
	d.Space(2)
}
