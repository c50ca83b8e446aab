package charts

import (
	"math"
	"slices"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/go-pdf/fpdf"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Bullet is the data of a bullet graph (Stephen Few's specification):
// one thin bar for the actual value, a tick for the target, and grey
// bands for the qualitative ranges.
type Bullet struct {
	Actual float64
	// Target is NaN when there is none: no tick is drawn. The tick means
	// the target and nothing else, so a reader never has to guess which
	// reference a tick stands for.
	Target float64
	// Baseline is another reference (last year, the seasonal expectation,
	// the usual level), drawn as a hollow diamond; NaN for none. Its name
	// belongs in the legend (BulletLegend).
	Baseline float64
	// Bands are the upper limits of the poor, fair and good ranges, in
	// increasing order (e.g. 80 %, 100 %, 120 % of the target); nil or
	// NaN entries are skipped.
	Bands []float64
}

// BulletGraph draws b on a horizontal scale that starts at 0 (or at the
// smallest negative value). When the chart is tall enough, a quantitative
// scale with a few ticks is drawn under the bar.
func BulletGraph(b Bullet, f Format) Chart {
	if _, _, ok := extent([]float64{b.Actual, b.Target, b.Baseline}, b.Bands); !ok {
		return Chart{loc: f.Locale}
	}
	return Chart{loc: f.Locale, draw: func(c *canvas) error {
		drawBullet(c, b, f)
		return nil
	}}
}

func drawBullet(c *canvas, b Bullet, f Format) {
	withScale := c.h >= c.pt(sizeLabel*3.2)
	barBottom := c.h
	if withScale {
		barBottom = c.h - c.pt(sizeLabel*1.6)
	}
	lo, hi, _ := extent([]float64{b.Actual, b.Target, b.Baseline}, b.Bands)
	ticks := niceTicks(math.Min(lo, 0), math.Max(hi, 0), max(2, min(6, c.w/c.pt(45))), f.integral())
	var labels []string
	lw := 0
	if withScale {
		labels, lw = c.tickLabels(ticks, f)
	}
	x0, x1 := c.pt(1), c.w-lw/2-c.pt(1)
	if withScale {
		x0 = max(x0, c.width(labels[0])/2)
	}
	t0, t1 := ticks[0], ticks[len(ticks)-1]
	xOf := func(v float64) int { return x0 + int(math.Round((v-t0)/(t1-t0)*float64(x1-x0))) }

	// Bands, darkest (poor) first: each covers from the previous limit.
	prev := t0
	for i, limit := range b.Bands {
		if bad(limit) || limit <= prev {
			continue
		}
		col := colBands[min(i, len(colBands)-1)]
		c.rect(xOf(prev), 0, xOf(math.Min(limit, t1)), barBottom, col, colBands[0], 0)
		prev = limit
	}
	switch {
	case len(finite(b.Bands)) == 0:
		// No bands: an outline only, so no grey reads as an unnamed band.
		c.rect(xOf(t0), 0, xOf(t1), barBottom, drawing.Color{}, colGrid, 0.5)
	case prev < t1:
		c.rect(xOf(prev), 0, xOf(t1), barBottom, colBands[len(colBands)-1], colBands[0], 0)
	}
	// The actual: a bar a third of the height.
	if !bad(b.Actual) {
		h3 := barBottom / 3
		c.rect(xOf(math.Min(0, b.Actual)), h3, xOf(math.Max(0, b.Actual)), barBottom-h3, colActual, colActual, 0)
	}
	// The diamond goes under the tick: where they meet, the tick (the
	// target) still shows whole and the diamond's points stick out.
	if !bad(b.Baseline) {
		c.diamond(xOf(b.Baseline), barBottom/2, min(barBottom/3, c.pt(2.6)))
	}
	// The target: a tick across two thirds of the height.
	if !bad(b.Target) {
		x := xOf(b.Target)
		c.line(x, barBottom/6, x, barBottom-barBottom/6, colReference, 1.8)
	}
	if withScale {
		for i, t := range ticks {
			x := xOf(t)
			c.line(x, barBottom, x, barBottom+c.pt(1.5), colAxis, 0.5)
			c.font(sizeLabel, false, colMuted)
			c.text(labels[i], x, c.h-c.pt(0.5), center)
		}
	}
}

// diamond draws the marker of a reference other than the target: a
// hollow diamond, whose shape (not only its colour) tells it from the tick.
func (c *canvas) diamond(x, y, r int) {
	c.r.ResetStyle()
	c.r.SetFillColor(colWhite)
	c.r.SetStrokeColor(colReference)
	c.r.SetStrokeWidth(float64(c.pt(0.8)))
	c.r.MoveTo(x, y-r)
	c.r.LineTo(x+r, y)
	c.r.LineTo(x, y+r)
	c.r.LineTo(x-r, y)
	c.r.Close()
	c.r.FillStroke()
}

// BulletKey names what a column of bullet graphs draws; empty names
// leave their entry out, so the legend lists only what is drawn.
type BulletKey struct {
	Actual string
	// Target names the tick; empty when no row has a target.
	Target string
	// Bands names the grey bands; empty when none is drawn.
	Bands string
	// Baselines name the diamond markers, one per kind of reference shown
	// (last year, seasonal expectation...).
	Baselines []string
}

// For keeps the names of k that rows draw: the tick and the bands (shares
// of the target) only when some row has a target, and the name of each
// row's diamond (names[i] for rows[i]) once, in order.
func (k BulletKey) For(rows []Bullet, names []string) BulletKey {
	out := BulletKey{Actual: k.Actual}
	for i, r := range rows {
		if !bad(r.Target) {
			out.Target, out.Bands = k.Target, k.Bands
		}
		if !bad(r.Baseline) && i < len(names) && names[i] != "" && !slices.Contains(out.Baselines, names[i]) {
			out.Baselines = append(out.Baselines, names[i])
		}
	}
	return out
}

// BulletLegend draws the legend of a column of bullet graphs in one or
// more rows; BulletLegendHeight says how tall it must be for a width.
func BulletLegend(k BulletKey, f Format) Chart {
	return Chart{loc: f.Locale, draw: func(c *canvas) error {
		c.legendRows(bulletItems(k), 0, 0, c.w, true)
		return nil
	}}
}

func bulletItems(k BulletKey) []legendItem {
	var items []legendItem
	if k.Actual != "" {
		items = append(items, legendItem{k.Actual, func(c *canvas, x, y, s int) {
			c.rect(x-s/2, y+s/3, x+s+s/2, y+s-s/3, colActual, colActual, 0)
		}})
	}
	if k.Target != "" {
		items = append(items, legendItem{k.Target, func(c *canvas, x, y, s int) {
			c.line(x+s/2, y, x+s/2, y+s, colReference, 1.8)
		}})
	}
	for _, n := range k.Baselines {
		items = append(items, legendItem{n, func(c *canvas, x, y, s int) {
			c.diamond(x+s/2, y+s/2, min(s/2, c.pt(2.6)))
		}})
	}
	if k.Bands != "" {
		items = append(items, legendItem{k.Bands, func(c *canvas, x, y, s int) {
			w := (2*s + s/2) / 3
			for i, col := range colBands {
				c.rect(x-s/2+i*w, y, x-s/2+(i+1)*w, y+s, col, col, 0)
			}
		}})
	}
	return items
}

// BulletLegendHeight is the height, in the document's unit, that
// BulletLegend needs at width w in pdf: the legend wraps to more rows
// rather than cut a name, so the caller must reserve this much.
func BulletLegendHeight(pdf *fpdf.Fpdf, k BulletKey, w float64) float64 {
	scale := 72 / (DPI * pdf.GetConversionRatio())
	t := &texter{Renderer: newPDFRenderer(pdf, 0, 0, scale), f: fonts.Parsed()}
	c := &canvas{r: t, t: t, f: t.f}
	c.r.SetDPI(DPI)
	c.w = int(math.Round(w / scale))
	size, _ := pdf.GetFontSize()
	h := c.legendRows(bulletItems(k), 0, 0, c.w, false)
	pdf.SetFont(fonts.Family, "", size)
	return float64(h) * scale
}

// Sparkline draws the last values of a metric in the space of a word
// (Tufte): a thin line, the last point marked, no axis. NaN values leave
// gaps; a single value is a dot; a constant series is a flat line.
func Sparkline(values []float64) Chart {
	vals := finite(values)
	if len(vals) == 0 {
		return Chart{}
	}
	return Chart{draw: func(c *canvas) error {
		drawSparkline(c, values)
		return nil
	}}
}

func drawSparkline(c *canvas, values []float64) {
	lo, hi, _ := extent(values)
	pad := c.pt(1.8)
	n := len(values)
	xOf := func(i int) int {
		if n == 1 {
			return c.w / 2
		}
		return pad + i*(c.w-2*pad)/(n-1)
	}
	yOf := func(v float64) int {
		if hi == lo {
			return c.h / 2
		}
		return c.h - pad - int(math.Round((v-lo)/(hi-lo)*float64(c.h-2*pad)))
	}
	last := -1
	c.r.ResetStyle()
	c.r.SetStrokeColor(colMuted)
	c.r.SetStrokeWidth(math.Max(1, 0.8*DPI/72))
	open := false
	for i, v := range values {
		if bad(v) {
			if open {
				c.r.Stroke()
				open = false
			}
			continue
		}
		if open {
			c.r.LineTo(xOf(i), yOf(v))
		} else {
			c.r.MoveTo(xOf(i), yOf(v))
			open = true
		}
		last = i
	}
	if open {
		c.r.Stroke()
	}
	if last >= 0 {
		c.dot(xOf(last), yOf(values[last]), 1.4, colActual, colActual)
	}
}
