package pdfkit

import (
	"math"
	"strings"

	"github.com/crmdigest/crmdigest/charts"
)

// Headline writes the sentence that opens a digest, in bold at text size
// with an accent bar on its left, wrapped over as many lines as needed.
func (d *Doc) Headline(s string) {
	p := d.PDF
	d.font(true, SizeText+1.5)
	lines := d.Wrap(s, ContentW-6)
	lh := 5.4
	h := float64(len(lines))*lh + 3
	d.Ensure(h + 2)
	y := p.GetY()
	p.SetFillColor(colAccent[0], colAccent[1], colAccent[2])
	p.Rect(Margin, y, 1.2, h, "F")
	d.color(colText)
	for i, l := range lines {
		d.draw(Margin+4, y+4.6+float64(i)*lh, l, ContentW-6, KindHeadline, false)
	}
	p.SetY(y + h + 4)
}

// Section writes a section title with a thin rule under it; it moves to a
// new page when less than keep millimetres would remain under the title,
// so a title is never left alone at the bottom of a page. The title is
// repeated with "(cont.)" when a block under it goes on to the next page.
func (d *Doc) Section(title string, keep float64) {
	p := d.PDF
	d.font(true, SizeText+0.5)
	lines := d.Wrap(title, ContentW)
	d.section = ""
	d.Ensure(9 + 4.2*float64(len(lines)-1) + keep)
	d.Space(2)
	y := p.GetY()
	d.color(colText)
	for i, l := range lines {
		d.draw(Margin, y+3.5+float64(i)*4.2, l, ContentW, KindHeading, false)
	}
	y += 4.2 * float64(len(lines)-1)
	d.rule(y + 5)
	p.SetY(y + 7.5)
	d.section = title
}

// Paragraph writes wrapped text at text size, muted when quiet is true.
func (d *Doc) Paragraph(s string, quiet bool) {
	d.font(false, SizeText)
	d.color(colText)
	if quiet {
		d.color(colMuted)
	}
	d.Lines(s, 4.6, false)
	d.Space(1.5)
}

// Lines writes s wrapped over the content width in the current face and
// colour, lh millimetres apart, breaking the page between lines when it
// must. data marks a data value (a source's file name).
func (d *Doc) Lines(s string, lh float64, data bool) {
	for _, l := range d.Wrap(s, ContentW) {
		if !d.Fits(lh) {
			d.Break()
		}
		y := d.PDF.GetY()
		d.draw(Margin, y+lh*0.75, l, ContentW, KindText, data)
		d.PDF.SetY(y + lh)
	}
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
// after the sign and the words). Labels and comparisons wrap; the row is
// as high as its tallest KPI.
func (d *Doc) KPIRow(kpis []KPI) {
	if len(kpis) == 0 {
		return
	}
	p := d.PDF
	const small = 3.2
	w := ContentW / float64(len(kpis))
	labels := make([][]string, len(kpis))
	cmps := make([][]string, len(kpis))
	nl, nc := 1, 1
	d.font(false, SizeSmall)
	for i, k := range kpis {
		labels[i] = d.Wrap(k.Label, w-3)
		cmps[i] = d.Wrap(k.Comparison, w-3)
		nl, nc = max(nl, len(labels[i])), max(nc, len(cmps[i]))
	}
	h := 17 + small*float64(nl-1+nc-1)
	d.Ensure(h)
	y := p.GetY()
	vy := y + 9.5 + small*float64(nl-1)
	for i, k := range kpis {
		x := Margin + float64(i)*w
		d.font(false, SizeSmall)
		d.color(colMuted)
		for j, l := range labels[i] {
			d.draw(x, y+3+small*float64(j), l, w-3, KindText, false)
		}
		d.font(true, SizeTitle)
		d.color(colText)
		d.draw(x, vy, d.Fit(k.Value, w-3), w-3, KindText, true)
		d.font(false, SizeSmall)
		dir := Flat
		for j, l := range cmps[i] {
			dir = lineDirection(l, j, dir)
			if j == 0 && k.Direction != Flat {
				dir = k.Direction
			}
			d.color(dirColor(dir))
			d.draw(x, vy+4+small*float64(j), l, w-3, KindText, false)
		}
	}
	p.SetY(y + h)
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
	const minH, lh, small = 11.0, 4.0, 3.3
	const labelW, valueW, sparkW, cmpW = 42.0, 24.0, 18.0, 36.0
	graphW := ContentW - labelW - valueW - sparkW - cmpW - 6
	bullets := make([]charts.Bullet, len(rows))
	names := make([]string, len(rows))
	for i, r := range rows {
		bullets[i], names[i] = r.Bullet, r.BaselineName
	}
	key = key.For(bullets, names)
	legendH := charts.BulletLegendHeight(p, key, ContentW)
	d.Ensure(legendH + minH)
	if err := d.ChartAt(charts.BulletLegend(key, f), Margin, p.GetY(), ContentW, legendH); err != nil {
		return err
	}
	p.SetY(p.GetY() + legendH + 1)
	for _, r := range rows {
		d.font(false, SizeText)
		labels := d.Wrap(r.Label, labelW-2)
		d.font(false, SizeSmall)
		var cmps []string
		// Each comparison ("▲ +12 % vs target · ● vs expected") starts
		// its own line, so its sign opens the line that it colours.
		for _, part := range strings.Split(r.Comparison, "\n") {
			cmps = append(cmps, d.Wrap(part, cmpW-1)...)
		}
		rowH := max(minH, 1.5+lh*float64(len(labels)), 1.5+small*float64(len(cmps)))
		if !d.Fits(rowH) {
			d.Break()
		}
		y := p.GetY()
		d.font(false, SizeText)
		d.color(colText)
		for i, l := range labels {
			d.draw(Margin, y+4.5+lh*float64(i), l, labelW-2, KindText, false)
		}
		d.font(true, SizeText)
		v := d.Fit(r.Value, valueW-2)
		d.draw(Margin+labelW+valueW-2-d.Width(v), y+4.5, v, valueW-2, KindText, true)
		gx := Margin + labelW + valueW + 2
		if err := d.ChartAt(charts.BulletGraph(r.Bullet, f), gx, y+0.5, graphW, minH-1.5); err != nil {
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
		for i, line := range cmps {
			// Each line is its own comparison (vs target, vs expected):
			// its sign, not the row's first one, decides its colour.
			dir = lineDirection(line, i, dir)
			d.color(dirColor(dir))
			d.draw(cx, y+3.5+float64(i)*small, line, cmpW-1, KindText, false)
		}
		p.SetY(y + rowH)
	}
	d.Space(2)
	return nil
}

// Column describes a table column: its title, its share of the content
// width (weights are normalised) and whether it holds numbers, which are
// right-aligned (the Go fonts' digits are tabular, so they line up).
// Data marks a column of data values (names), which wrap to two lines and
// then end with "…"; any other cell wraps over as many lines as it needs.
type Column struct {
	Title   string
	Weight  float64
	Numeric bool
	Data    bool
}

// Table is a table of formatted cells. Marks, when not nil, adds a last
// column with one mark per row ("● far below usual") in bold, for the
// outliers; an empty mark leaves the cell blank.
type Table struct {
	Columns   []Column
	Rows      [][]string
	MarkTitle string
	Marks     []string
	// RowLinks optionally makes each row's first cell (a name) a link:
	// the r-th URL belongs to row r, and "" links nothing.
	RowLinks []string
}

// Table writes t with thin rules between rows and its header repeated on
// every page it spans, under the section title and "(cont.)". Titles and
// cells wrap at spaces and rows grow to hold them; a column that holds no
// value on any row is left out.
func (d *Doc) Table(t Table) {
	p := d.PDF
	var cols []Column
	var keep []int // index in a row of each column kept; -1 for the marks
	for i, c := range t.Columns {
		if i == 0 || !emptyColumn(t.Rows, i) {
			cols = append(cols, c)
			keep = append(keep, i)
		}
	}
	if t.Marks != nil && !allEmpty(t.Marks) {
		cols = append(cols, Column{Title: t.MarkTitle, Weight: 3.4})
		keep = append(keep, -1)
	}
	total := 0.0
	for _, c := range cols {
		total += c.Weight
	}
	const rowH, headLine, cellLine, pad = 5.6, 3.2, 3.6, 1.2
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = ContentW * c.Weight / total
	}
	need := d.needs(t, cols, keep, pad)
	d.widen(widths, need)
	d.roomForNames(t, cols, keep, widths, need, pad)
	head := func() {
		y := p.GetY()
		d.font(true, SizeSmall)
		d.color(colMuted)
		titles := make([][]string, len(cols))
		n := 1
		for i, c := range cols {
			titles[i] = d.Wrap(c.Title, widths[i]-2*pad)
			n = max(n, len(titles[i]))
		}
		h := rowH + float64(n-1)*headLine
		x := Margin
		for i, c := range cols {
			// Bottom-align, so one-line titles sit on the rule like the others.
			top := y + float64(n-len(titles[i]))*headLine
			for j, l := range titles[i] {
				d.cell(l, x, top+float64(j)*headLine, widths[i], c.Numeric, KindHead, false)
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
		cells := make([][]string, len(cols))
		bold := make([]bool, len(cols))
		n := 1
		for i, c := range cols {
			var s string
			if k := keep[i]; k >= 0 && k < len(row) {
				s = row[k]
			} else if k < 0 && r < len(t.Marks) {
				s, bold[i] = t.Marks[r], true
			}
			d.font(bold[i], SizeText-0.5)
			if c.Data {
				cells[i] = d.FitLines(s, widths[i]-2*pad, 2)
			} else {
				cells[i] = d.Wrap(s, widths[i]-2*pad)
			}
			n = max(n, len(cells[i]))
		}
		h := rowH + float64(n-1)*cellLine
		if !d.Fits(h) {
			d.Break()
			head()
		}
		y := p.GetY()
		x := Margin
		for i, c := range cols {
			d.font(bold[i], SizeText-0.5)
			d.color(colText)
			linked := i == 0 && r < len(t.RowLinks) && t.RowLinks[r] != ""
			if linked {
				d.color(colAccent) // a name that links into the CRM
			}
			for j, l := range cells[i] {
				d.cell(l, x, y+float64(j)*cellLine, widths[i], c.Numeric, KindCell, c.Data)
			}
			if linked {
				p.LinkString(x, y, widths[i], h, t.RowLinks[r])
			}
			x += widths[i]
		}
		d.rule(y + h)
		p.SetY(y + h)
	}
	d.Space(3)
}

// needs returns the narrowest each column can be: its longest word (a
// formatted number is one word, held by no-break spaces) in the title's
// or the cells' face, and some room for a data column's name.
func (d *Doc) needs(t Table, cols []Column, keep []int, pad float64) []float64 {
	need := make([]float64, len(cols))
	longest := func(i int, s string) {
		for _, w := range words(s) {
			need[i] = max(need[i], d.Width(w)+2*pad)
		}
	}
	for i, c := range cols {
		d.font(true, SizeSmall)
		longest(i, c.Title)
		if c.Data {
			continue // names wrap and, at worst, end with "…"
		}
		for r, row := range t.Rows {
			d.font(false, SizeText-0.5)
			if k := keep[i]; k >= 0 && k < len(row) {
				longest(i, row[k])
			} else if k < 0 && r < len(t.Marks) {
				d.font(true, SizeText-0.5)
				longest(i, t.Marks[r])
			}
		}
	}
	return need
}

// widen makes every column at least as wide as it needs, taking the room
// from the columns that have more than they need, in proportion to their
// slack, so the table keeps the content width.
func (d *Doc) widen(widths, need []float64) {
	short, slack := 0.0, 0.0
	for i := range widths {
		if widths[i] < need[i] {
			short += need[i] - widths[i]
		} else {
			slack += widths[i] - need[i]
		}
	}
	if short == 0 || slack == 0 {
		return
	}
	take := min(1, short/slack)
	for i := range widths {
		if widths[i] < need[i] {
			// Only as much as the others can give.
			widths[i] += (need[i] - widths[i]) * min(1, slack/short)
		} else {
			widths[i] -= (widths[i] - need[i]) * take
		}
	}
}

// roomForNames widens a data column (names) so that its longest value
// holds on one line, when the numeric columns can spare the room: each
// gives at most half of what it has beyond its own need, so their titles
// keep some air and a name never takes a number's place. A name that
// would still not fit wraps as before ("Rubén Giménez" in the Spanish
// manager's table wrapped while the number columns stood half empty).
func (d *Doc) roomForNames(t Table, cols []Column, keep []int, widths, need []float64, pad float64) {
	d.font(false, SizeText-0.5)
	for i, c := range cols {
		if !c.Data || keep[i] < 0 {
			continue
		}
		want := 0.0
		for _, row := range t.Rows {
			if k := keep[i]; k < len(row) {
				want = max(want, d.Width(row[k])+2*pad)
			}
		}
		short := want - widths[i]
		if short <= 0 {
			continue
		}
		spare := 0.0
		for j, o := range cols {
			if o.Numeric && widths[j] > need[j] {
				spare += (widths[j] - need[j]) / 2
			}
		}
		if spare < short {
			continue // a partial widening would still wrap: leave the layout as it was
		}
		for j, o := range cols {
			if o.Numeric && widths[j] > need[j] {
				widths[j] -= (widths[j] - need[j]) / 2 * short / spare
			}
		}
		widths[i] = want
	}
}

// emptyColumn reports whether column i holds nothing on any row.
func emptyColumn(rows [][]string, i int) bool {
	for _, r := range rows {
		if i < len(r) && strings.TrimSpace(r[i]) != "" {
			return false
		}
	}
	return true
}

func allEmpty(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// cell writes one line s of a column at (x, y) of width w, right-aligned
// when num. s was wrapped to the column's width.
func (d *Doc) cell(s string, x, y, w float64, num bool, kind string, data bool) {
	const pad = 1.2
	if num {
		x += w - pad - d.Width(s)
	} else {
		x += pad
	}
	d.draw(x, y+4, s, w-2*pad, kind, data)
}

// List writes a bulleted list (the to-do list); each item is wrapped and
// kept on one page; a list that goes on to the next page repeats its
// section title with "(cont.)". urls optionally makes items links into
// the CRM: the i-th URL covers the i-th item's text, and "" links nothing.
func (d *Doc) List(items []string, urls ...string) {
	p := d.PDF
	const lh = 4.6
	for n, it := range items {
		d.font(false, SizeText)
		lines := d.Wrap(it, ContentW-6)
		if !d.Fits(float64(len(lines)) * lh) {
			d.Break()
		}
		d.font(false, SizeText)
		y := p.GetY()
		d.color(colAccent)
		d.draw(Margin+1, y+3.5, "•", 4, KindText, false)
		linked := n < len(urls) && urls[n] != ""
		// A linked item is written in the accent colour, so that the
		// reader sees it can be clicked.
		if !linked {
			d.color(colText)
		}
		w := 0.0
		for i, l := range lines {
			d.draw(Margin+5, y+3.5+float64(i)*lh, l, ContentW-6, KindText, false)
			w = max(w, d.Width(l))
		}
		if linked {
			p.LinkString(Margin+5, y, w, float64(len(lines))*lh, urls[n])
		}
		p.SetY(y + float64(len(lines))*lh)
	}
	d.Space(2)
}
