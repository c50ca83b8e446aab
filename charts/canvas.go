package charts

import (
	"math"
	"strings"
	"unicode"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/locale"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// canvas wraps a go-chart Renderer with the few drawing primitives the
// hand-drawn charts need, in chart pixels, with sizes given in points.
type canvas struct {
	r    chart.Renderer
	t    *texter // r, which draws text in runs by face
	w, h int
	f    fonts.TrueType
	loc  locale.Locale
	// The current font, for fit to shrink it.
	size float64
	bold bool
	col  drawing.Color
}

// pt converts points to chart pixels.
func (c *canvas) pt(v float64) int { return int(math.Round(v * DPI / 72)) }

func (c *canvas) rect(x0, y0, x1, y1 int, fill, stroke drawing.Color, strokePt float64) {
	c.r.ResetStyle()
	c.r.SetFillColor(fill)
	c.r.SetStrokeColor(stroke)
	c.r.SetStrokeWidth(float64(c.pt(strokePt)))
	c.r.MoveTo(x0, y0)
	c.r.LineTo(x1, y0)
	c.r.LineTo(x1, y1)
	c.r.LineTo(x0, y1)
	c.r.Close()
	switch {
	case visible(fill) && visible(stroke) && strokePt > 0:
		c.r.FillStroke()
	case visible(fill):
		c.r.Fill()
	default:
		c.r.Stroke()
	}
}

func (c *canvas) line(x0, y0, x1, y1 int, col drawing.Color, widthPt float64, dash ...float64) {
	c.r.ResetStyle()
	c.r.SetStrokeColor(col)
	c.r.SetStrokeWidth(math.Max(1, widthPt*DPI/72))
	if len(dash) > 0 {
		d := make([]float64, len(dash))
		for i, v := range dash {
			d[i] = float64(c.pt(v))
		}
		c.r.SetStrokeDashArray(d)
	}
	c.r.MoveTo(x0, y0)
	c.r.LineTo(x1, y1)
	c.r.Stroke()
}

func (c *canvas) dot(x, y int, radiusPt float64, fill, stroke drawing.Color) {
	c.r.ResetStyle()
	c.r.SetFillColor(fill)
	c.r.SetStrokeColor(stroke)
	c.r.SetStrokeWidth(float64(c.pt(0.6)))
	c.r.Circle(radiusPt*DPI/72, x, y)
}

type align int

const (
	left align = iota
	center
	right
)

func (c *canvas) font(sizePt float64, bold bool, col drawing.Color) {
	c.size, c.bold, c.col = sizePt, bold, col
	c.r.ResetStyle()
	if bold {
		c.r.SetFont(c.f.Bold)
	} else {
		c.r.SetFont(c.f.Regular)
	}
	c.r.SetFontSize(sizePt)
	c.r.SetFontColor(col)
}

// width measures s in the current font.
func (c *canvas) width(s string) int { return c.r.MeasureText(s).Width() }

// text writes s in the current font with its baseline at y, aligned on
// x, within the chart's width.
func (c *canvas) text(s string, x, y int, a align) {
	switch a {
	case center:
		x -= c.width(s) / 2
	case right:
		x -= c.width(s)
	}
	c.r.Text(s, x, y)
}

// textIn is text laid out in the span x0–x1 (a bar's slot, a column of
// names), which the OnText hook reports as its room; data marks a data
// value (a name), which alone may be shortened.
func (c *canvas) textIn(s string, x, y int, a align, x0, x1 int, data bool) {
	c.t.textIn(max(x0, 0), min(x1, c.w), data)
	c.text(s, x, y, a)
}

// fit shortens s with an ellipsis until it is at most max pixels wide in
// the current font; it returns "" when not even one letter fits. A label
// carrying a figure is never cut, since a cut number reads as another
// number: its font shrinks down to sizeMin instead, and past that it is
// returned whole.
func (c *canvas) fit(s string, max int) string {
	if c.width(s) <= max {
		return s
	}
	if strings.ContainsFunc(s, unicode.IsDigit) {
		for size := c.size - 0.5; size >= sizeMin && c.width(s) > max; size -= 0.5 {
			c.font(size, c.bold, c.col)
		}
		return s
	}
	rs := []rune(s)
	for n := len(rs) - 1; n > 0; n-- {
		t := string(rs[:n]) + "…"
		if c.width(t) <= max {
			return t
		}
	}
	return ""
}

// noData writes the "no data" note in the middle of the chart, so an
// empty chart says so in words instead of failing or drawing an empty axis.
func (c *canvas) noData() {
	c.rect(0, 0, c.w, c.h, drawing.Color{}, colGrid, 0.5)
	c.font(sizeNote, false, colMuted)
	c.text(c.loc.T("no data"), c.w/2, c.h/2+c.pt(sizeNote)/3, center)
}

// legendItem is one entry of a legend: a swatch and its name.
type legendItem struct {
	name   string
	swatch func(c *canvas, x, y, size int) // draws in the square (x, y)-(x+size, y+size)
}

func swatchBox(fill, stroke drawing.Color) func(c *canvas, x, y, s int) {
	return func(c *canvas, x, y, s int) { c.rect(x, y, x+s, y+s, fill, stroke, 0.8) }
}

func swatchLine(col drawing.Color, widthPt float64, marker bool) func(c *canvas, x, y, s int) {
	return func(c *canvas, x, y, s int) {
		c.line(x-s/2, y+s/2, x+s+s/2, y+s/2, col, widthPt)
		if marker {
			c.dot(x+s/2, y+s/2, 1.6, col, colWhite)
		}
	}
}

// legend draws the items from (x, y) (top of the first row) and returns
// the height used: names are never cut, the legend wraps instead.
func (c *canvas) legend(items []legendItem, x, y, maxW int) int {
	return c.legendRows(items, x, y, maxW, true)
}

// legendRows draws the items from (x, y) (top of the first row), going
// to a new row when the next item would pass maxW, and returns the height
// used. Names are never shortened; with draw false it only measures.
func (c *canvas) legendRows(items []legendItem, x, y, maxW int, draw bool) int {
	if len(items) == 0 {
		return 0
	}
	s := c.pt(sizeLegend * 0.8)
	gap := c.pt(10)
	rowH := c.pt(sizeLegend * 1.8)
	cx, rows := x, 1
	for _, it := range items {
		c.font(sizeLegend, false, colText)
		w := 2*s + s/2 + c.width(it.name)
		if cx > x && cx+w > x+maxW {
			cx, rows = x, rows+1
		}
		if draw {
			top := y + (rows-1)*rowH
			it.swatch(c, cx+s/2, top, s)
			c.font(sizeLegend, false, colText)
			c.textIn(it.name, cx+2*s+s/2, top+s, left, x, x+maxW, false)
		}
		cx += w + gap
	}
	return rows * rowH
}

// valueAxis maps values to vertical pixels between top and bottom.
type valueAxis struct {
	ticks       []float64
	top, bottom int
}

func (a valueAxis) y(v float64) int {
	lo, hi := a.ticks[0], a.ticks[len(a.ticks)-1]
	return a.bottom - int(math.Round((v-lo)/(hi-lo)*float64(a.bottom-a.top)))
}

// tickLabels formats the ticks and returns them with the widest width.
func (c *canvas) tickLabels(ticks []float64, f Format) ([]string, int) {
	// ticks come from niceTicks; see Format.integral for whole-number axes.
	step := 1.0
	if len(ticks) > 1 {
		step = ticks[1] - ticks[0]
	}
	c.font(sizeLabel, false, colMuted)
	labels := make([]string, len(ticks))
	w := 0
	for i, t := range ticks {
		labels[i] = f.Tick(t, step)
		w = max(w, c.width(labels[i]))
	}
	return labels, w
}

// drawValueAxis draws the horizontal grid lines and tick labels right
// aligned at x (the left edge of the plot), across to x1.
func (c *canvas) drawValueAxis(a valueAxis, labels []string, x, x1 int) {
	for i, t := range a.ticks {
		y := a.y(t)
		col := colGrid
		if t == 0 {
			col = colAxis
		}
		c.line(x, y, x1, y, col, 0.5)
		c.font(sizeLabel, false, colMuted)
		c.textIn(labels[i], x-c.pt(3), y+c.pt(sizeLabel)/3, right, 0, x-c.pt(3), false)
	}
}

// maxTicks is how many ticks fit in a plot h pixels high without crowding.
func (c *canvas) maxTicks(h int) int {
	return max(2, min(6, h/c.pt(sizeLabel*2.6)+1))
}
