package charts

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Bars is the data of a vertical bar chart: one bar per label.
type Bars struct {
	Labels []string
	// Values has one value per label; NaN draws no bar and "n/a".
	Values []float64
	// Reference optionally gives a level per bar (the usual level, a
	// target), drawn as a black tick across the bar; NaN for none.
	Reference []float64
	// ReferenceName and ValueName label the legend shown when Reference
	// is set ("Usual" / "This week").
	ReferenceName, ValueName string
	// Highlight optionally marks bars (outliers): lighter fill and a ●
	// before their value label.
	Highlight []bool
	// Data says the labels are data values (names of reps, teams,
	// stages): a label wraps to two lines under its bar, and only a data
	// value is then shortened with "…".
	Data bool
}

// BarChart draws b with a value axis starting at 0, value labels above the
// bars when they fit, and the reference ticks with a legend.
func BarChart(b Bars, f Format) Chart {
	n := min(len(b.Labels), len(b.Values))
	if n == 0 {
		return Chart{loc: f.Locale}
	}
	if _, _, ok := extent(b.Values[:n], at(b.Reference, n)); !ok {
		return Chart{loc: f.Locale}
	}
	return Chart{loc: f.Locale, draw: func(c *canvas) error {
		drawBars(c, b, n, f)
		return nil
	}}
}

// at returns vs cut or padded with NaN to n values.
func at(vs []float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
		if i < len(vs) {
			out[i] = vs[i]
		}
	}
	return out
}

func drawBars(c *canvas, b Bars, n int, f Format) {
	vals, refs := b.Values[:n], at(b.Reference, n)
	_, _, hasRef := extent(refs)
	top := c.pt(2)
	if hasRef {
		top += c.legend([]legendItem{
			{b.ValueName, swatchBox(colActual, drawing.Color{})},
			{b.ReferenceName, swatchLine(colReference, 1.5, false)},
		}, c.pt(2), top, c.w-c.pt(4))
	}
	plotTop := top + c.pt(sizeLabel+3) // room for value labels
	// The category labels wrap rather than be cut: two lines under the
	// plot when one needs them. The slots' width depends on the value
	// axis's labels, which depend on the plot's height: lay out with one
	// line, and again with two when a label needs them.
	var (
		a            valueAxis
		labels       []string
		x0, x1       int
		slot         float64
		every        int
		lines        [][]string
		nLines, prev = 1, 0
	)
	for nLines != prev {
		prev = nLines
		plotBottom := c.h - c.pt(sizeLabel*(0.8+1.2*float64(nLines)))
		a = valueAxis{top: plotTop, bottom: plotBottom}
		a.ticks = barTicks(append(append([]float64{}, vals...), refs...), c.maxTicks(plotBottom-plotTop), f.integral())
		var lw int
		labels, lw = c.tickLabels(a.ticks, f)
		x0, x1 = lw+c.pt(6), c.w-c.pt(2)
		slot = float64(x1-x0) / float64(n)
		every = c.labelEvery(b.Labels[:n], slot)
		lines = make([][]string, n)
		need := 1
		for i := 0; i < n; i += every {
			c.font(sizeLabel, i < len(b.Highlight) && b.Highlight[i], colText)
			lines[i] = c.wrapLabel(b.Labels[i], int(slot)*every-c.pt(4), b.Data)
			need = max(need, len(lines[i]))
		}
		if need < nLines {
			break // fewer lines than room: keep the room
		}
		nLines = need
	}
	c.drawValueAxis(a, labels, x0, x1)

	barW := int(math.Min(slot*0.62, float64(c.pt(30))))
	zero := a.y(0)
	for i := 0; i < n; i++ {
		cx := x0 + int(slot*(float64(i)+0.5))
		v := vals[i]
		hl := i < len(b.Highlight) && b.Highlight[i]
		c.font(sizeLabel, false, colText)
		if bad(v) {
			c.textIn(c.fit(c.loc.NotAvailable(), int(slot)), cx, zero-c.pt(2), center, cx-int(slot)/2, cx+int(slot)/2, false)
		} else {
			fill := colActual
			if hl {
				fill = colActualLt
			}
			y := a.y(v)
			c.rect(cx-barW/2, min(y, zero), cx+barW/2, max(y, zero), fill, colActual, 0.6)
			label := f.Value(v)
			if hl {
				label = "● " + label
			}
			c.font(sizeLabel, hl, colText)
			if c.width(label) <= int(slot)-c.pt(1) {
				ly := barLabelY(c, a, v, y, zero, refs[i], hl, c.width(label) <= barW-c.pt(2))
				c.textIn(label, cx, ly, center, cx-int(slot)/2, cx+int(slot)/2, false)
			}
		}
		if r := refs[i]; !bad(r) {
			ry := a.y(r)
			half := int(math.Min(slot*0.42, float64(barW)*0.8))
			c.line(cx-half, ry, cx+half, ry, colReference, 1.5)
		}
		if i%every == 0 {
			c.font(sizeLabel, hl, colText)
			room := int(slot) * every
			for j, l := range lines[i] {
				y := a.bottom + c.pt(sizeLabel*(1.4+1.2*float64(j)))
				c.textIn(l, cx, y, center, cx-room/2, cx+room/2, b.Data)
			}
		}
	}
}

// barLabelY places a bar's value label against its own bar: just past
// its end, or inside its end in white when the reference tick would run
// through the label there and the label is narrower than the bar; only a bar too short to hold it keeps the
// label past the tick, which is then within a label's height of the bar.
func barLabelY(c *canvas, a valueAxis, v float64, y, zero int, ref float64, bold, narrow bool) int {
	lh := c.pt(sizeLabel)
	if v >= 0 {
		ly := y - c.pt(2)
		if bad(ref) {
			return ly
		}
		ry := a.y(ref)
		if ry < ly-lh-c.pt(1) || ry > y+c.pt(1.5) {
			return ly
		}
		if narrow && zero-y >= lh+c.pt(4) {
			c.font(sizeLabel, bold, colWhite)
			return y + lh + c.pt(1)
		}
		return min(y, ry) - c.pt(2.5)
	}
	ly := y + lh + c.pt(1)
	if bad(ref) {
		return ly
	}
	ry := a.y(ref)
	if ry > ly+c.pt(1) || ry < y-c.pt(1.5) {
		return ly
	}
	if narrow && y-zero >= lh+c.pt(4) {
		c.font(sizeLabel, bold, colWhite)
		return y - c.pt(2)
	}
	return max(y, ry) + lh + c.pt(1.5)
}

// wrapLabel breaks s at spaces into lines of at most max pixels in the
// current font: two at most for a data value, which is then shortened
// with "…" (fit); three for other text ("Trimestre / hasta la / fecha"),
// left whole past that for the checks to see.
func (c *canvas) wrapLabel(s string, max int, data bool) []string {
	if c.width(s) <= max {
		return []string{s}
	}
	most := 3
	if data {
		most = 2
	}
	var lines []string
	for _, w := range strings.Split(s, " ") {
		if n := len(lines); n > 0 && (n == most || c.width(lines[n-1]+" "+w) <= max) {
			lines[n-1] += " " + w
			continue
		}
		lines = append(lines, w)
	}
	if data {
		for i, l := range lines {
			lines[i] = c.fit(l, max)
		}
	}
	return lines
}

// labelEvery returns k such that labelling every k-th slot keeps short
// labels (months) from touching: long names are shortened instead, as
// long as at least a few letters fit in one slot.
func (c *canvas) labelEvery(labels []string, slot float64) int {
	c.font(sizeLabel, false, colText)
	widest := 0
	for _, l := range labels {
		widest = max(widest, c.width(l))
	}
	if slot >= float64(min(widest, c.pt(sizeLabel*3))+c.pt(2)) {
		return 1
	}
	return int(math.Ceil(float64(min(widest, c.pt(sizeLabel*4))+c.pt(3)) / slot))
}

// Activity draws the activity counts of a period (new contacts, leads,
// calls...) against the person's usual level for the same period.
func Activity(labels []string, actual, usual []float64, f Format) Chart {
	return BarChart(Bars{Labels: labels, Values: actual, Reference: usual,
		ValueName: f.Locale.T("Actual"), ReferenceName: f.Locale.T("Usual")}, f)
}

// PipelineByStage draws the open pipeline amount of each stage, in stage
// order.
func PipelineByStage(stages []string, amounts []float64, f Format) Chart {
	return BarChart(Bars{Labels: stages, Values: amounts, Data: true}, f)
}

// RepBars draws one bar per rep of a team, with the reps' targets (or
// usual levels) as reference ticks when target is not nil, and outliers
// highlighted.
func RepBars(reps []string, values, target []float64, outliers []bool, f Format) Chart {
	return BarChart(Bars{Labels: reps, Values: values, Reference: target, Highlight: outliers,
		ValueName: f.Locale.T("Actual"), ReferenceName: f.Locale.T("Target"), Data: true}, f)
}

// PeriodBars draws one bar per period (last week, month to date...)
// against its target when target is not nil (NaN: no target, no tick).
func PeriodBars(periods []string, values, target []float64, f Format) Chart {
	return BarChart(Bars{Labels: periods, Values: values, Reference: target,
		ValueName: f.Locale.T("Actual"), ReferenceName: f.Locale.T("Target")}, f)
}

// TeamComparison draws one bar per team for a director, against each
// team's seasonal expectation when expected is not nil.
func TeamComparison(teams []string, actual, expected []float64, f Format) Chart {
	return BarChart(Bars{Labels: teams, Values: actual, Reference: expected,
		ValueName: f.Locale.T("Actual"), ReferenceName: f.Locale.T("Expected"), Data: true}, f)
}

// Series is a named list of values, one per label of a grouped chart.
type Series struct {
	Name   string
	Values []float64
}

// Grouped draws one group of bars per label, one bar per series. The last
// series is the one the reader cares about (this year) and is drawn solid;
// the others are outlined in grey, so the two read apart without colour.
func Grouped(labels []string, series []Series, f Format) Chart {
	n := len(labels)
	var all [][]float64
	for _, s := range series {
		all = append(all, at(s.Values, n))
	}
	if _, _, ok := extent(all...); n == 0 || !ok {
		return Chart{loc: f.Locale}
	}
	return Chart{loc: f.Locale, draw: func(c *canvas) error {
		drawGrouped(c, labels, series, all, f)
		return nil
	}}
}

func seriesStyle(i, k int) (fill, stroke drawing.Color) {
	if i == k-1 {
		return colActual, colActual
	}
	return colWhite, colContext
}

func drawGrouped(c *canvas, labels []string, series []Series, vals [][]float64, f Format) {
	n, k := len(labels), len(series)
	top := c.pt(2)
	// The legend names the series drawn: one without a value (no last
	// year in the export) draws no bar and has no entry.
	var items []legendItem
	for i, s := range series {
		if _, _, ok := extent(vals[i]); !ok {
			continue
		}
		fill, stroke := seriesStyle(i, k)
		items = append(items, legendItem{s.Name, swatchBox(fill, stroke)})
	}
	if k > 1 {
		top += c.legend(items, c.pt(2), top, c.w-c.pt(4))
	}
	plotTop := top + c.pt(4)
	plotBottom := c.h - c.pt(sizeLabel*2)
	a := valueAxis{top: plotTop, bottom: plotBottom}
	var flat []float64
	for _, v := range vals {
		flat = append(flat, v...)
	}
	a.ticks = barTicks(flat, c.maxTicks(plotBottom-plotTop), f.integral())
	tl, lw := c.tickLabels(a.ticks, f)
	x0, x1 := lw+c.pt(6), c.w-c.pt(2)
	c.drawValueAxis(a, tl, x0, x1)
	slot := float64(x1-x0) / float64(n)
	groupW := math.Min(slot*0.8, float64(c.pt(14*float64(k))))
	barW := groupW / float64(k)
	every := c.labelEvery(labels, slot)
	zero := a.y(0)
	for i := 0; i < n; i++ {
		cx := float64(x0) + slot*(float64(i)+0.5)
		for j := 0; j < k; j++ {
			v := vals[j][i]
			if bad(v) {
				continue
			}
			fill, stroke := seriesStyle(j, k)
			bx := int(cx - groupW/2 + barW*float64(j))
			y := a.y(v)
			c.rect(bx+1, min(y, zero), bx+int(barW)-1, max(y, zero), fill, stroke, 0.6)
		}
		if i%every == 0 {
			c.font(sizeLabel, false, colText)
			room := int(slot) * every
			c.textIn(c.fit(labels[i], room), int(cx), c.h-c.pt(sizeLabel*0.6), center, int(cx)-room/2, int(cx)+room/2, false)
		}
	}
}

// YearOverYear draws this year against last year, month by month, as
// grouped bars (last year outlined on the left, this year solid).
func YearOverYear(months []string, thisYear, lastYear []float64, f Format) Chart {
	return Grouped(months, []Series{
		{f.Locale.T("Last year"), lastYear},
		{f.Locale.T("This year"), thisYear},
	}, f)
}

// Ranking draws horizontal bars sorted from the highest value down, with
// the rank and name on the left and the value at the end of each bar;
// highlight is the index (in names) of the entry to stress — the reader's
// own team — or -1. NaN values are listed last without a bar. Rows that
// do not fit are left out and counted in a last line.
func Ranking(names []string, values []float64, highlight int, f Format) Chart {
	n := min(len(names), len(values))
	if _, _, ok := extent(values[:n]); !ok {
		return Chart{loc: f.Locale}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		vi, vj := values[order[i]], values[order[j]]
		if bad(vi) != bad(vj) {
			return !bad(vi)
		}
		return vi > vj
	})
	return Chart{loc: f.Locale, draw: func(c *canvas) error {
		drawRanking(c, names, values, order, highlight, f)
		return nil
	}}
}

func drawRanking(c *canvas, names []string, values []float64, order []int, highlight int, f Format) {
	n := len(order)
	rowH := min(c.pt(16), (c.h-c.pt(4))/n)
	shown := n
	if rowH < c.pt(sizeLabel*1.5) {
		rowH = c.pt(sizeLabel * 1.5)
		shown = (c.h-c.pt(4))/rowH - 1
	}
	lo, hi, _ := extent(values)
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	if hi == lo {
		hi = lo + 1
	}
	// Name column: as wide as the widest name, at most 40 % of the chart.
	nameW := 0
	for _, i := range order[:shown] {
		c.font(sizeLabel, i == highlight, colText)
		nameW = max(nameW, c.width(rankName(order, i, names, values)))
	}
	nameW = min(nameW, c.w*2/5)
	// Value labels go right of the bars: keep room for the widest.
	valW := 0
	for _, i := range order[:shown] {
		c.font(sizeLabel, true, colText)
		valW = max(valW, c.width(f.Value(values[i])))
	}
	x0 := nameW + c.pt(6)
	x1 := c.w - valW - c.pt(4)
	xOf := func(v float64) int { return x0 + int(math.Round((v-lo)/(hi-lo)*float64(x1-x0))) }
	zero := xOf(0)
	c.line(zero, c.pt(2), zero, c.pt(2)+rowH*shown, colAxis, 0.5)
	for row, i := range order[:shown] {
		y := c.pt(2) + row*rowH
		base := y + rowH/2 + c.pt(sizeLabel)/3
		hl := i == highlight
		c.font(sizeLabel, hl, colText)
		c.textIn(c.fitRanked(order, i, names, values, nameW), nameW, base, right, 0, nameW, true)
		v := values[i]
		if bad(v) {
			c.font(sizeLabel, false, colMuted)
			c.text(c.loc.NotAvailable(), zero+c.pt(3), base, left)
			continue
		}
		fill := colActualLt
		if hl {
			fill = colActual
		}
		bx := xOf(v)
		c.rect(min(zero, bx), y+rowH/5, max(zero, bx), y+rowH-rowH/5, fill, colActual, 0.5)
		c.font(sizeLabel, hl, colText)
		if v >= 0 {
			c.text(f.Value(v), bx+c.pt(3), base, left)
		} else {
			c.text(f.Value(v), zero+c.pt(3), base, left)
		}
	}
	if shown < n {
		c.font(sizeLabel, false, colMuted)
		c.textIn(c.loc.Sprintf("+ %d", n-shown), nameW, c.pt(2)+shown*rowH+rowH/2+c.pt(sizeLabel)/3, right, 0, nameW, false)
	}
}

// fitRanked is rankName shortened to w pixels by cutting the name only:
// the rank is a figure and stays whole.
func (c *canvas) fitRanked(order []int, i int, names []string, values []float64, w int) string {
	full := rankName(order, i, names, values)
	if c.width(full) <= w {
		return full
	}
	prefix := strings.TrimSuffix(full, names[i])
	name := c.fit(names[i], w-c.width(prefix))
	if strings.ContainsFunc(names[i], unicode.IsDigit) {
		// A name with a figure is never cut (fit shrank the font instead).
		return prefix + names[i]
	}
	return prefix + name
}

// rankName is "3. Name"; equal values share a rank (1, 2, 2, 4).
func rankName(order []int, i int, names []string, values []float64) string {
	if bad(values[i]) {
		return names[i]
	}
	rank := 1
	for _, j := range order {
		if !bad(values[j]) && values[j] > values[i] {
			rank++
		}
	}
	return strconv.Itoa(rank) + ". " + names[i]
}
