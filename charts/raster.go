package charts

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"sync"

	"github.com/golang/freetype/raster"
	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// rasterRenderer is go-chart's raster renderer (chart.PNG, from
// raster_renderer.go of go-chart v2.1.2, MIT licence, Copyright (c) 2016
// William Charczuk) drawing on a surface taken from a pool instead of a
// new image, graphic context and rasterisers for every chart (about
// 560 KB a chart at the email's size), and painting with palettePainter.
// Each method does what go-chart's does, so a chart draws the same
// pixels on either (TestPNGPixelsAsBefore draws the old way with
// chart.PNG); Save hands the image to an RGBACollector, writes nothing to
// nopWriter (go-chart's Chart.Render saves into it) and else encodes the
// image as go-chart's does.
type rasterRenderer struct {
	sf            *surface
	i             *image.RGBA
	gc            *drawing.RasterGraphicContext
	rotateRadians *float64
	s             chart.Style
}

var _ chart.Renderer = (*rasterRenderer)(nil)

// surface is an image with the graphic context that draws on it.
type surface struct {
	img *image.RGBA
	gc  *drawing.RasterGraphicContext
	p   *palettePainter // gc's painter
}

var surfaces sync.Pool

// newRasterRenderer returns a renderer on a w × h surface from the pool;
// its pixels are left as the last chart drawn on it left them (Chart.PNG
// paints every pixel of the ground first, palettePainter.ground). release
// returns the surface.
func newRasterRenderer(w, h int) *rasterRenderer {
	sf, _ := surfaces.Get().(*surface)
	if sf == nil || sf.img.Rect.Dx() != w || sf.img.Rect.Dy() != h {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		p := newPalettePainter(img)
		sf = &surface{img: img, gc: drawing.NewRasterGraphicContextWithPainter(img, p), p: p}
	}
	// A new graphic state, as a new context starts with (its rasterisers
	// are cleared after every path they paint, its glyph buffer is loaded
	// afresh for every glyph).
	sf.gc.StackGraphicContext = drawing.NewStackGraphicContext()
	sf.gc.SetDPI(drawing.DefaultDPI)
	return &rasterRenderer{sf: sf, i: sf.img, gc: sf.gc}
}

// release returns rr's surface to the pool: rr and its image must not be
// used after.
func (rr *rasterRenderer) release() {
	if rr.sf != nil {
		surfaces.Put(rr.sf)
		rr.sf, rr.i, rr.gc = nil, nil, nil
	}
}

func (rr *rasterRenderer) ResetStyle() {
	rr.s = chart.Style{Font: rr.s.Font}
	rr.ClearTextRotation()
}

func (rr *rasterRenderer) GetDPI() float64                        { return rr.gc.GetDPI() }
func (rr *rasterRenderer) SetDPI(dpi float64)                     { rr.gc.SetDPI(dpi) }
func (rr *rasterRenderer) SetClassName(string)                    {}
func (rr *rasterRenderer) SetStrokeColor(c drawing.Color)         { rr.s.StrokeColor = c }
func (rr *rasterRenderer) SetStrokeWidth(width float64)           { rr.s.StrokeWidth = width }
func (rr *rasterRenderer) SetStrokeDashArray(dashArray []float64) { rr.s.StrokeDashArray = dashArray }
func (rr *rasterRenderer) SetFillColor(c drawing.Color)           { rr.s.FillColor = c }
func (rr *rasterRenderer) MoveTo(x, y int)                        { rr.gc.MoveTo(float64(x), float64(y)) }
func (rr *rasterRenderer) LineTo(x, y int)                        { rr.gc.LineTo(float64(x), float64(y)) }
func (rr *rasterRenderer) Close()                                 { rr.gc.Close() }
func (rr *rasterRenderer) SetFont(f *truetype.Font)               { rr.s.Font = f }
func (rr *rasterRenderer) SetFontSize(size float64)               { rr.s.FontSize = size }
func (rr *rasterRenderer) SetFontColor(c drawing.Color)           { rr.s.FontColor = c }

func (rr *rasterRenderer) QuadCurveTo(cx, cy, x, y int) {
	rr.gc.QuadCurveTo(float64(cx), float64(cy), float64(x), float64(y))
}

func (rr *rasterRenderer) ArcTo(cx, cy int, rx, ry, startAngle, delta float64) {
	rr.gc.ArcTo(float64(cx), float64(cy), rx, ry, startAngle, delta)
}

func (rr *rasterRenderer) Stroke() {
	rr.gc.SetStrokeColor(rr.s.StrokeColor)
	rr.gc.SetLineWidth(rr.s.StrokeWidth)
	rr.gc.SetLineDash(rr.s.StrokeDashArray, 0)
	rr.gc.Stroke()
}

func (rr *rasterRenderer) Fill() {
	rr.gc.SetFillColor(rr.s.FillColor)
	rr.gc.Fill()
}

func (rr *rasterRenderer) FillStroke() {
	rr.gc.SetFillColor(rr.s.FillColor)
	rr.gc.SetStrokeColor(rr.s.StrokeColor)
	rr.gc.SetLineWidth(rr.s.StrokeWidth)
	rr.gc.SetLineDash(rr.s.StrokeDashArray, 0)
	rr.gc.FillStroke()
}

// Circle builds the path of a circle; it neither fills nor strokes it.
func (rr *rasterRenderer) Circle(radius float64, x, y int) {
	xf, yf := float64(x), float64(y)
	rr.gc.MoveTo(xf-radius, yf)
	rr.gc.QuadCurveTo(xf-radius, yf-radius, xf, yf-radius)
	rr.gc.QuadCurveTo(xf+radius, yf-radius, xf+radius, yf)
	rr.gc.QuadCurveTo(xf+radius, yf+radius, xf, yf+radius)
	rr.gc.QuadCurveTo(xf-radius, yf+radius, xf-radius, yf)
}

func (rr *rasterRenderer) Text(body string, x, y int) {
	xf, yf := rr.getCoords(x, y)
	rr.gc.SetFont(rr.s.Font)
	rr.gc.SetFontSize(rr.s.FontSize)
	rr.gc.SetFillColor(rr.s.FontColor)
	rr.gc.CreateStringPath(body, float64(xf), float64(yf))
	rr.gc.Fill()
}

func (rr *rasterRenderer) MeasureText(body string) chart.Box {
	rr.gc.SetFont(rr.s.Font)
	rr.gc.SetFontSize(rr.s.FontSize)
	rr.gc.SetFillColor(rr.s.FontColor)
	l, t, r, b, err := rr.gc.GetStringBounds(body)
	if err != nil {
		return chart.Box{}
	}
	if l < 0 {
		r = r - l
		l = 0
	}
	if t < 0 {
		b = b - t
		t = 0
	}
	if l > 0 {
		r = r + l
		l = 0
	}
	if t > 0 {
		b = b + t
		t = 0
	}
	box := chart.Box{Top: int(math.Ceil(t)), Left: int(math.Ceil(l)), Right: int(math.Ceil(r)), Bottom: int(math.Ceil(b))}
	if rr.rotateRadians == nil {
		return box
	}
	return box.Corners().Rotate(chart.RadiansToDegrees(*rr.rotateRadians)).Box()
}

func (rr *rasterRenderer) SetTextRotation(radians float64) { rr.rotateRadians = &radians }

func (rr *rasterRenderer) getCoords(x, y int) (xf, yf int) {
	if rr.rotateRadians == nil {
		return x, y
	}
	rr.gc.Translate(float64(x), float64(y))
	rr.gc.Rotate(*rr.rotateRadians)
	return 0, 0
}

func (rr *rasterRenderer) ClearTextRotation() {
	rr.gc.SetMatrixTransform(drawing.NewIdentityMatrix())
	rr.rotateRadians = nil
}

func (rr *rasterRenderer) Save(w io.Writer) error {
	switch w := w.(type) {
	case chart.RGBACollector:
		rr.sf.p.toRGBA()
		w.SetRGBA(rr.i)
		return nil
	case nopWriter:
		return nil
	}
	return png.Encode(w, rr.i)
}

// overPainter paints spans on an RGBA image as raster.RGBAPainter does
// with draw.Over — the same arithmetic on every pixel, so the same
// pixels —, faster where the arithmetic allows: a span whose colour and
// coverage are opaque sets its pixels to the colour, and a pixel equal to
// the one before it in its span gets that one's result.
type overPainter struct {
	m              *image.RGBA
	cr, cg, cb, ca uint32
}

var _ raster.Painter = (*overPainter)(nil)

func (p *overPainter) SetColor(c color.Color) { p.cr, p.cg, p.cb, p.ca = c.RGBA() }

func (p *overPainter) Paint(ss []raster.Span, done bool) {
	const m = 1<<16 - 1
	img := p.m
	b := img.Bounds()
	for _, s := range ss {
		if s.Y < b.Min.Y {
			continue
		}
		if s.Y >= b.Max.Y {
			return
		}
		s.X0 = max(s.X0, b.Min.X)
		s.X1 = min(s.X1, b.Max.X)
		if s.X0 >= s.X1 {
			continue
		}
		ma := s.Alpha
		i0 := (s.Y-img.Rect.Min.Y)*img.Stride + (s.X0-img.Rect.Min.X)*4
		pix := img.Pix[i0 : i0+(s.X1-s.X0)*4]
		a := (m - (p.ca * ma / m)) * 0x101
		// The colour's part of each channel, the same for every pixel.
		kr, kg, kb, ka := p.cr*ma, p.cg*ma, p.cb*ma, p.ca*ma
		if a == 0 {
			// dst*a is 0: every pixel becomes the same.
			r, g, bl, al := uint8(kr/m>>8), uint8(kg/m>>8), uint8(kb/m>>8), uint8(ka/m>>8)
			for i := 0; i < len(pix); i += 4 {
				pix[i+0], pix[i+1], pix[i+2], pix[i+3] = r, g, bl, al
			}
			continue
		}
		var last, out [4]uint8
		have := false
		for i := 0; i < len(pix); i += 4 {
			d := [4]uint8(pix[i : i+4])
			if !have || d != last {
				last, have = d, true
				out = [4]uint8{
					uint8((uint32(d[0])*a + kr) / m >> 8),
					uint8((uint32(d[1])*a + kg) / m >> 8),
					uint8((uint32(d[2])*a + kb) / m >> 8),
					uint8((uint32(d[3])*a + ka) / m >> 8),
				}
			}
			copy(pix[i:i+4], out[:])
		}
	}
}
