package charts

import (
	"io"
	"math"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/go-pdf/fpdf"
	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// pdfRenderer implements go-chart's Renderer on an fpdf page. Chart
// pixels are mapped to the page by an offset and a scale; text is written
// with the document's own fonts and measured with fpdf, so labels are laid
// out with the metrics they are printed with.
type pdfRenderer struct {
	pdf    *fpdf.Fpdf
	x0, y0 float64 // page position of chart pixel (0, 0), in document units
	scale  float64 // document units per chart pixel
	dpi    float64

	fb *fonts.Fallback // the faces of letters the Go fonts lack

	stroke, fill, fontColor drawing.Color
	strokeWidth             float64
	dash                    []float64
	family                  string // fonts.Family or a fallback face's
	bold                    bool
	fontSize                float64 // points
	rotation                *float64

	path    []pathOp
	alpha   float64
	dashSet bool
}

type pathOp struct {
	kind byte // 'M', 'L', 'Q', 'Z'
	a    [4]float64
}

var _ chart.Renderer = (*pdfRenderer)(nil)

func newPDFRenderer(pdf *fpdf.Fpdf, x, y, scale float64) *pdfRenderer {
	return &pdfRenderer{pdf: pdf, x0: x, y0: y, scale: scale, dpi: DPI, fontSize: 10, alpha: 1, family: fonts.Family}
}

func (p *pdfRenderer) px(x int) float64      { return p.x0 + float64(x)*p.scale }
func (p *pdfRenderer) py(y int) float64      { return p.y0 + float64(y)*p.scale }
func (p *pdfRenderer) len(v float64) float64 { return v * p.scale }

// restore undoes the graphics state the chart may have left behind.
func (p *pdfRenderer) restore() {
	p.setAlpha(1)
	if p.dashSet {
		p.pdf.SetDashPattern(nil, 0)
		p.dashSet = false
	}
}

func (p *pdfRenderer) ResetStyle() {
	p.stroke, p.fill, p.fontColor = drawing.Color{}, drawing.Color{}, drawing.Color{}
	p.strokeWidth = 0
	p.dash = nil
	p.rotation = nil
}

func (p *pdfRenderer) GetDPI() float64                { return p.dpi }
func (p *pdfRenderer) SetDPI(dpi float64)             { p.dpi = dpi }
func (p *pdfRenderer) SetClassName(string)            {}
func (p *pdfRenderer) SetStrokeColor(c drawing.Color) { p.stroke = c }
func (p *pdfRenderer) SetFillColor(c drawing.Color)   { p.fill = c }
func (p *pdfRenderer) SetStrokeWidth(w float64)       { p.strokeWidth = w }
func (p *pdfRenderer) SetStrokeDashArray(d []float64) { p.dash = d }

func (p *pdfRenderer) MoveTo(x, y int) {
	p.path = append(p.path, pathOp{kind: 'M', a: [4]float64{p.px(x), p.py(y)}})
}

func (p *pdfRenderer) LineTo(x, y int) {
	if len(p.path) == 0 {
		p.MoveTo(x, y)
		return
	}
	p.path = append(p.path, pathOp{kind: 'L', a: [4]float64{p.px(x), p.py(y)}})
}

func (p *pdfRenderer) QuadCurveTo(cx, cy, x, y int) {
	p.path = append(p.path, pathOp{kind: 'Q', a: [4]float64{p.px(cx), p.py(cy), p.px(x), p.py(y)}})
}

// ArcTo approximates the arc with line segments, as go-chart's raster
// renderer does; only pie and donut charts use it.
func (p *pdfRenderer) ArcTo(cx, cy int, rx, ry, startAngle, delta float64) {
	n := int(math.Ceil(math.Abs(delta) / (math.Pi / 36)))
	if n < 1 {
		n = 1
	}
	for i := 0; i <= n; i++ {
		a := startAngle + delta*float64(i)/float64(n)
		x := p.px(cx) + p.len(rx)*math.Cos(a)
		y := p.py(cy) + p.len(ry)*math.Sin(a)
		kind := byte('L')
		if i == 0 && len(p.path) == 0 {
			kind = 'M'
		}
		p.path = append(p.path, pathOp{kind: kind, a: [4]float64{x, y}})
	}
}

func (p *pdfRenderer) Close() { p.path = append(p.path, pathOp{kind: 'Z'}) }

func (p *pdfRenderer) Stroke()     { p.paint(false, true) }
func (p *pdfRenderer) Fill()       { p.paint(true, false) }
func (p *pdfRenderer) FillStroke() { p.paint(true, true) }

func visible(c drawing.Color) bool { return !c.IsZero() && c.A > 0 }

// paint emits the buffered path with the current style. Colours and
// widths are set before the path is opened, as PDF requires.
func (p *pdfRenderer) paint(fill, stroke bool) {
	defer func() { p.path = p.path[:0] }()
	fill = fill && visible(p.fill)
	stroke = stroke && visible(p.stroke) && p.strokeWidth > 0
	if len(p.path) == 0 || (!fill && !stroke) {
		return
	}
	style := ""
	alpha := 1.0
	if fill {
		p.pdf.SetFillColor(int(p.fill.R), int(p.fill.G), int(p.fill.B))
		style += "F"
		alpha = float64(p.fill.A) / 255
	}
	if stroke {
		p.applyStroke()
		style += "D"
		if !fill {
			alpha = float64(p.stroke.A) / 255
		}
	}
	p.setAlpha(alpha)
	for _, op := range p.path {
		switch op.kind {
		case 'M':
			p.pdf.MoveTo(op.a[0], op.a[1])
		case 'L':
			p.pdf.LineTo(op.a[0], op.a[1])
		case 'Q':
			p.pdf.CurveTo(op.a[0], op.a[1], op.a[2], op.a[3])
		case 'Z':
			p.pdf.ClosePath()
		}
	}
	p.pdf.DrawPath(style)
}

func (p *pdfRenderer) applyStroke() {
	p.pdf.SetDrawColor(int(p.stroke.R), int(p.stroke.G), int(p.stroke.B))
	p.pdf.SetLineWidth(p.len(p.strokeWidth))
	if len(p.dash) > 0 {
		d := make([]float64, len(p.dash))
		for i, v := range p.dash {
			d[i] = p.len(v)
		}
		p.pdf.SetDashPattern(d, 0)
		p.dashSet = true
	} else if p.dashSet {
		p.pdf.SetDashPattern(nil, 0)
		p.dashSet = false
	}
}

func (p *pdfRenderer) setAlpha(a float64) {
	if a != p.alpha {
		p.pdf.SetAlpha(a, "Normal")
		p.alpha = a
	}
}

func (p *pdfRenderer) Circle(radius float64, x, y int) {
	style := ""
	if visible(p.fill) {
		p.pdf.SetFillColor(int(p.fill.R), int(p.fill.G), int(p.fill.B))
		style += "F"
	}
	if visible(p.stroke) && p.strokeWidth > 0 {
		p.applyStroke()
		style += "D"
	}
	if style == "" {
		return
	}
	p.setAlpha(1)
	p.pdf.Circle(p.px(x), p.py(y), p.len(radius), style)
}

// SetFont selects the face: the bold Go font maps to the document's bold
// style, a fallback face to its family (added to the document the first
// time a chart needs it; adding it again is a no-op in fpdf), anything
// else to regular.
func (p *pdfRenderer) SetFont(f *truetype.Font) {
	p.family, p.bold = fonts.Family, f != nil && f == fonts.Parsed().Bold
	if i := p.fb.IndexOf(f); i >= 0 {
		p.fb.Register(p.pdf, i)
		p.family, p.bold = p.fb.Family(i), false
	}
}

func (p *pdfRenderer) SetFontColor(c drawing.Color) { p.fontColor = c }
func (p *pdfRenderer) SetFontSize(size float64)     { p.fontSize = size }

func (p *pdfRenderer) selectFont() {
	style := ""
	if p.bold {
		style = "B"
	}
	p.pdf.SetFont(p.family, style, p.fontSize)
}

// Text writes body with its baseline at (x, y), as go-chart expects.
func (p *pdfRenderer) Text(body string, x, y int) {
	if body == "" {
		return
	}
	p.selectFont()
	c := p.fontColor
	if c.IsZero() {
		c = drawing.ColorBlack
	}
	p.pdf.SetTextColor(int(c.R), int(c.G), int(c.B))
	p.setAlpha(1)
	if p.rotation != nil {
		p.pdf.TransformBegin()
		// go-chart turns clockwise on a y-down canvas; fpdf counter-clockwise.
		p.pdf.TransformRotate(-*p.rotation*180/math.Pi, p.px(x), p.py(y))
		p.pdf.Text(p.px(x), p.py(y), body)
		p.pdf.TransformEnd()
		return
	}
	p.pdf.Text(p.px(x), p.py(y), body)
}

// MeasureText returns the size of body in chart pixels: its advance width
// and the font size as height, like go-chart's own renderers.
func (p *pdfRenderer) MeasureText(body string) chart.Box {
	p.selectFont()
	w := p.pdf.GetStringWidth(body) / p.scale
	box := chart.Box{Right: int(math.Ceil(w)), Bottom: int(math.Round(p.fontSize * p.dpi / 72))}
	if p.rotation == nil {
		return box
	}
	return box.Corners().Rotate(*p.rotation * 180 / math.Pi).Box()
}

func (p *pdfRenderer) SetTextRotation(radians float64) { p.rotation = &radians }
func (p *pdfRenderer) ClearTextRotation()              { p.rotation = nil }

// Save does nothing: the chart is already on the page.
func (p *pdfRenderer) Save(io.Writer) error { return nil }
