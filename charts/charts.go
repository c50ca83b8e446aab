// Package charts draws the charts of the digests — revenue trend with its
// seasonal band, bars against a usual level, grouped bars for this year
// against last year, a ranking, bullet graphs and sparklines — from plain
// data (labels and float64 values), so that it depends on no model type.
//
// Every chart is drawn through go-chart's Renderer interface, with two
// renderers: a vector one that writes straight into an fpdf page at a given
// rectangle with the fonts of the document (PDF), and a copy of go-chart's
// raster renderer for the images of an email body (PNG), which paints on a
// pooled surface in palette indices (raster.go, palettepaint.go). The trend is a go-chart
// Chart; bars, ranking, bullet graphs and sparklines are drawn by this
// package, because go-chart lacks grouped and horizontal bars and its bar
// chart cuts long labels.
//
// Thin data never fails: empty or all-NaN input draws a "no data" note;
// constant, all-zero, one-point and NaN-bearing series are drawn with a
// range and ticks computed here, so go-chart's "invalid data range", "zero
// x-range delta" and "nan y-range delta" errors cannot occur. Value axes of
// bars always include 0.
//
// go-chart loads its default font lazily without synchronisation; every
// chart here sets its fonts explicitly (package fonts), so charts can be
// rendered from several goroutines at once.
package charts

import (
	"fmt"
	"io"
	"math"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/locale"
	"github.com/go-pdf/fpdf"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// DPI is the resolution of the drawing space of a chart: one chart pixel
// is half a PDF point. Sizes in points are converted with it, so a chart
// looks the same in the PDF and in a PNG of the same physical size.
const DPI = 144

// Chart is a chart ready to be drawn at any size. The zero value draws the
// "no data" note.
type Chart struct {
	draw func(c *canvas) error
	loc  locale.Locale
	opts Options
}

// PDF draws the chart into the current page of pdf, inside the rectangle
// whose top-left corner is (x, y) and whose size is w × h, in the unit of
// the document. It leaves the colours, line width and font size as it
// found them and the font family set to fonts.Family (regular): set the
// font again before writing text. Fonts must have been added with
// fonts.Register.
func (ch Chart) PDF(pdf *fpdf.Fpdf, x, y, w, h float64) error {
	k := pdf.GetConversionRatio() // points per unit
	wpx := int(math.Round(w * k * DPI / 72))
	hpx := int(math.Round(h * k * DPI / 72))
	r := newPDFRenderer(pdf, x, y, 72/(DPI*k))
	r.fb = ch.opts.Fallback
	var hook func(Label)
	if on := ch.opts.OnText; on != nil {
		hook = func(l Label) {
			l.X, l.Y, l.W, l.Start = r.px(int(l.X)), r.py(int(l.Y)), r.len(l.W), r.px(int(l.Start))
			l.Left, l.Right = r.px(int(l.Left)), r.px(int(l.Right))
			on(l)
		}
	}
	dr, dg, db := pdf.GetDrawColor()
	fr, fg, fb := pdf.GetFillColor()
	tr, tg, tb := pdf.GetTextColor()
	lw := pdf.GetLineWidth()
	size, _ := pdf.GetFontSize()
	err := ch.render(r, wpx, hpx, hook, false)
	r.restore()
	pdf.SetDrawColor(dr, dg, db)
	pdf.SetFillColor(fr, fg, fb)
	pdf.SetTextColor(tr, tg, tb)
	pdf.SetLineWidth(lw)
	pdf.SetFont(fonts.Family, "", size)
	if err != nil {
		return err
	}
	return pdf.Error()
}

// PNG writes the chart as a PNG image of w × h pixels. Text is sized for a
// screen showing the image at half its pixel size (a 600 px wide image
// shown 300 px wide on a retina display, or 600 px on an email client
// with 7 pt text at 14 px).
func (ch Chart) PNG(out io.Writer, w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("png size %dx%d: must be positive", w, h)
	}
	r := newRasterRenderer(w, h)
	defer r.release()
	// An opaque white ground: a transparent PNG turns unreadable in an
	// email client's dark mode.
	r.sf.p.ground(colWhite)
	if err := ch.renderOn(r, r.sf.p, w, h, ch.opts.OnText); err != nil {
		return err
	}
	return r.sf.p.encode(out)
}

// render draws the chart on r, w × h pixels; raster says r is go-chart's
// raster renderer, whose measures of text are kept (rasterMeasures).
func (ch Chart) render(r chart.Renderer, w, h int, hook func(Label), raster bool) error {
	t := &texter{Renderer: r, f: fonts.Parsed(), fb: ch.opts.Fallback, w: w, hook: hook, memo: raster}
	return ch.drawWith(t, w, h)
}

// renderOn draws the chart on go-chart's raster renderer r, whose image
// paints on img: text is measured from rasterMeasures and painted from
// rasterTexts.
func (ch Chart) renderOn(r chart.Renderer, img spanTarget, w, h int, hook func(Label)) error {
	t := &texter{Renderer: r, f: fonts.Parsed(), fb: ch.opts.Fallback, w: w, hook: hook, memo: true, img: img}
	return ch.drawWith(t, w, h)
}

func (ch Chart) drawWith(t *texter, w, h int) error {
	t.SetDPI(DPI)
	c := &canvas{r: t, t: t, w: w, h: h, f: t.f, loc: ch.loc}
	if ch.draw == nil {
		c.noData()
		return nil
	}
	return ch.draw(c)
}

// Format says how the values of a chart are written on its axis and its
// labels, in the reader's locale.
type Format struct {
	Locale locale.Locale
	// Currency is an ISO 4217 code for amounts; empty for counts.
	Currency string
	// Percent marks values that are ratios (0.12 prints as 12 %).
	Percent bool
	// Decimals is the number of decimals of value labels (not ticks,
	// whose decimals follow the tick step).
	Decimals int
}

// integral tells whether values are whole numbers (counts, amounts shown
// without decimals), whose axes then get whole-number steps.
func (f Format) integral() bool { return !f.Percent && f.Decimals == 0 }

// Value formats a value label.
func (f Format) Value(v float64) string { return f.format(v, f.Decimals) }

// Tick formats a tick of an axis whose ticks are step apart, with just
// the decimals the step needs.
func (f Format) Tick(v, step float64) string {
	if f.Percent {
		return f.format(v, stepDecimals(step*100))
	}
	return f.format(v, stepDecimals(step))
}

func (f Format) format(v float64, dec int) string {
	switch {
	case f.Percent:
		return f.Locale.Percent(v, dec)
	case f.Currency != "":
		return f.Locale.Money(v, f.Currency, dec)
	default:
		return f.Locale.Number(v, dec)
	}
}

// The palette: one accent blue for "actual", greys for context. Meaning
// is always carried by a second channel too (shape, label, legend).
var (
	colActual    = drawing.Color{R: 31, G: 78, B: 121, A: 255}
	colActualLt  = drawing.Color{R: 120, G: 160, B: 200, A: 255}
	colContext   = drawing.Color{R: 150, G: 150, B: 150, A: 255}
	colBand      = drawing.Color{R: 205, G: 215, B: 228, A: 255}
	colText      = drawing.Color{R: 50, G: 50, B: 50, A: 255}
	colMuted     = drawing.Color{R: 110, G: 110, B: 110, A: 255}
	colGrid      = drawing.Color{R: 226, G: 226, B: 226, A: 255}
	colAxis      = drawing.Color{R: 120, G: 120, B: 120, A: 255}
	colReference = drawing.Color{R: 0, G: 0, B: 0, A: 255}
	colWhite     = drawing.Color{R: 255, G: 255, B: 255, A: 255}
	colBands     = [3]drawing.Color{ // bullet graph: poor, fair, good
		{R: 178, G: 178, B: 178, A: 255},
		{R: 208, G: 208, B: 208, A: 255},
		{R: 236, G: 236, B: 236, A: 255},
	}
)

// Text sizes, in points.
const (
	sizeLabel  = 7
	sizeLegend = 7.5
	sizeNote   = 8
	// sizeMin is the smallest size a label with a figure shrinks to
	// rather than be cut.
	sizeMin = 5
)

func bad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// finite returns the finite values of vs.
func finite(vs []float64) []float64 {
	out := make([]float64, 0, len(vs))
	for _, v := range vs {
		if !bad(v) {
			out = append(out, v)
		}
	}
	return out
}

// extent returns the smallest and largest finite values of the slices,
// and false when there is none.
func extent(vss ...[]float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, vs := range vss {
		for _, v := range finite(vs) {
			lo = math.Min(lo, v)
			hi = math.Max(hi, v)
			ok = true
		}
	}
	return lo, hi, ok
}
