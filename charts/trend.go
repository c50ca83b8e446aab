package charts

import (
	"math"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Trend is the data of a trend chart: one point per period (month).
type Trend struct {
	// Labels names each period ("Jan", "Feb"...): every period gets a
	// label, so months show without gaps (thinned evenly when crowded).
	Labels []string
	// Actual is the measured value; NaN where unknown (future periods).
	Actual []float64
	// Expected is the seasonal expectation, drawn dashed; Low and High
	// bound the expected range, drawn as a band behind the line. Any of
	// them may be nil (no baseline yet) or hold NaN.
	Expected, Low, High []float64
}

// RevenueTrend draws the actual line (solid, with a marker on each point)
// over the seasonal expectation (dashed) and its band (grey), on a value
// axis that starts at 0. It is a go-chart Chart whose ranges and ticks are
// computed here.
func RevenueTrend(t Trend, f Format) Chart {
	n := len(t.Labels)
	act, exp, lo, hi := at(t.Actual, n), at(t.Expected, n), at(t.Low, n), at(t.High, n)
	if _, _, ok := extent(act, exp, lo, hi); n == 0 || !ok {
		return Chart{loc: f.Locale}
	}
	return Chart{loc: f.Locale, draw: func(c *canvas) error {
		return drawTrend(c, t.Labels, act, exp, lo, hi, f)
	}}
}

func drawTrend(c *canvas, labels []string, act, exp, lo, hi []float64, f Format) error {
	n := len(labels)
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
	}
	var items []legendItem
	var series []chart.Series
	if _, _, ok := extent(lo, hi); ok {
		series = append(series, bandSeries{lo: lo, hi: hi})
		// The band is the range around the expectation that the pages call
		// usual ("within its usual range"); the dashed line is the expectation.
		items = append(items, legendItem{f.Locale.T("Usual range"), swatchBox(colBand, drawing.Color{})})
	}
	dash := []float64{float64(c.pt(2.5)), float64(c.pt(1.8))}
	if _, _, ok := extent(exp); ok {
		for _, s := range segments(xs, exp) {
			series = append(series, chart.ContinuousSeries{XValues: s.x, YValues: s.y, Style: chart.Style{
				StrokeColor: colMuted, StrokeWidth: float64(c.pt(0.9)), StrokeDashArray: dash,
			}})
		}
		items = append(items, legendItem{f.Locale.T("Seasonal expectation"), func(c *canvas, x, y, s int) {
			c.line(x-s/2, y+s/2, x+s+s/2, y+s/2, colMuted, 0.9, 2.5, 1.8)
		}})
	}
	if _, _, ok := extent(act); ok {
		for _, s := range segments(xs, act) {
			series = append(series, chart.ContinuousSeries{XValues: s.x, YValues: s.y, Style: chart.Style{
				StrokeColor: colActual, StrokeWidth: float64(c.pt(1.6)),
				DotColor: colActual, DotWidth: 1.8 * DPI / 72,
			}})
		}
		items = append(items, legendItem{f.Locale.T("Actual"), swatchLine(colActual, 1.6, true)})
	}
	legendH := 0
	if len(items) > 1 {
		legendH = c.legend(items, c.pt(2), c.pt(2), c.w-c.pt(4))
	}

	plotH := c.h - legendH - c.pt(sizeLabel*3)
	vmin, vmax, _ := extent(act, exp, lo, hi)
	yt := niceTicks(math.Min(vmin, 0), math.Max(vmax, 0), c.maxTicks(plotH), f.integral())
	step := yt[1] - yt[0]
	var yticks []chart.Tick
	for _, v := range yt {
		yticks = append(yticks, chart.Tick{Value: v, Label: f.Tick(v, step)})
	}
	// Label every k-th period when the labels would touch.
	c.font(sizeLabel, false, colText)
	widest := 0
	for _, l := range labels {
		widest = max(widest, c.width(l))
	}
	every := 1
	if n > 1 {
		avail := float64(c.w-c.pt(50)) / float64(n)
		every = int(math.Ceil(float64(widest+c.pt(4)) / avail))
	}
	// go-chart takes the x range from the ticks: two unlabelled ticks at
	// the edges keep it at [-0.5, n-0.5] even for a single period.
	xticks := []chart.Tick{{Value: -0.5}}
	for i, l := range labels {
		if i%max(every, 1) == 0 {
			xticks = append(xticks, chart.Tick{Value: float64(i), Label: l})
		}
	}
	xticks = append(xticks, chart.Tick{Value: float64(n) - 0.5})

	axisStyle := chart.Style{
		Font: c.f.Regular, FontSize: sizeLabel, FontColor: colMuted,
		StrokeColor: colAxis, StrokeWidth: float64(c.pt(0.5)),
	}
	gc := chart.Chart{
		Width: c.w, Height: c.h, DPI: DPI, Font: c.f.Regular,
		Background: chart.Style{Padding: chart.Box{Top: legendH + c.pt(6), Left: c.pt(2), Right: c.pt(6), Bottom: c.pt(2)},
			FillColor: drawing.ColorTransparent},
		Canvas: chart.Style{FillColor: drawing.ColorTransparent},
		XAxis: chart.XAxis{Style: axisStyle, Ticks: xticks,
			Range: &chart.ContinuousRange{Min: -0.5, Max: float64(n) - 0.5}},
		YAxis: chart.YAxis{Style: axisStyle, Ticks: yticks, AxisType: chart.YAxisSecondary,
			Range:          &chart.ContinuousRange{Min: yt[0], Max: yt[len(yt)-1]},
			GridMajorStyle: chart.Style{StrokeColor: colGrid, StrokeWidth: float64(c.pt(0.5))}},
		Series: series,
	}
	if err := gc.Render(func(int, int) (chart.Renderer, error) { return c.r, nil }, nopWriter{}); err != nil {
		return err
	}
	return nil
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

type segment struct{ x, y []float64 }

// segments splits a series at its NaN values, so a gap stays a gap and
// go-chart never sees a NaN.
func segments(xs, ys []float64) []segment {
	var out []segment
	var cur segment
	for i, y := range ys {
		if bad(y) {
			if len(cur.x) > 0 {
				out = append(out, cur)
			}
			cur = segment{}
			continue
		}
		cur.x = append(cur.x, xs[i])
		cur.y = append(cur.y, y)
	}
	if len(cur.x) > 0 {
		out = append(out, cur)
	}
	return out
}

// bandSeries is a go-chart series drawing the filled band between lo and
// hi, split where either bound is NaN; a lone point is a short bar.
type bandSeries struct{ lo, hi []float64 }

var _ chart.Series = bandSeries{}

func (bandSeries) GetName() string           { return "band" }
func (bandSeries) GetYAxis() chart.YAxisType { return chart.YAxisPrimary }
func (bandSeries) GetStyle() chart.Style     { return chart.Style{} }
func (bandSeries) Validate() error           { return nil }

func (b bandSeries) Render(r chart.Renderer, box chart.Box, xr, yr chart.Range, _ chart.Style) {
	n := min(len(b.lo), len(b.hi))
	x := func(i float64) int { return box.Left + xr.Translate(i) }
	y := func(v float64) int { return box.Bottom - yr.Translate(v) }
	i := 0
	for i < n {
		if bad(b.lo[i]) || bad(b.hi[i]) {
			i++
			continue
		}
		j := i
		for j+1 < n && !bad(b.lo[j+1]) && !bad(b.hi[j+1]) {
			j++
		}
		r.ResetStyle()
		r.SetFillColor(colBand)
		if i == j { // one point: a bar half a period wide
			xl, xh := x(float64(i)-0.25), x(float64(i)+0.25)
			r.MoveTo(xl, y(b.hi[i]))
			r.LineTo(xh, y(b.hi[i]))
			r.LineTo(xh, y(b.lo[i]))
			r.LineTo(xl, y(b.lo[i]))
		} else {
			r.MoveTo(x(float64(i)), y(b.hi[i]))
			for k := i + 1; k <= j; k++ {
				r.LineTo(x(float64(k)), y(b.hi[k]))
			}
			for k := j; k >= i; k-- {
				r.LineTo(x(float64(k)), y(b.lo[k]))
			}
		}
		r.Close()
		r.Fill()
		i = j + 1
	}
}
