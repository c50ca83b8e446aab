package charts

import (
	"encoding/binary"
	"image"
	"image/color"
	"io"

	"github.com/golang/freetype/raster"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// spanTarget is what a chart's spans are painted on: an RGBA image
// (overPainter) or a chart's surface (palettePainter).
type spanTarget interface {
	raster.Painter
	SetColor(color.Color)
	Bounds() image.Rectangle
}

func (p *overPainter) Bounds() image.Rectangle { return p.m.Bounds() }

// palettePainter paints a chart's spans as overPainter paints them on an
// RGBA image, but on an image of palette indices, one byte a pixel
// instead of four, while the chart has painted at most 256 colours: most
// charts are written as paletted PNGs (encodePNG), and converting their
// RGBA image to a palette was a fifth of the time of the email's chart.
// Each colour painted is computed from the colour under it by
// overPainter's arithmetic, so the pixels are the same. Past 256 colours
// (a trend's band) it writes the image so far into the RGBA image and
// paints there from then on.
type palettePainter struct {
	img  *image.RGBA // the RGBA image, used past 256 colours
	over overPainter // paints img
	rgba bool        // painting on img

	pix  []uint8 // the indices, img.Bounds() row by row
	cols [256]uint32
	n    int // colours in cols
	t    colourTable

	cr, cg, cb, ca uint32

	// The encoder's palette, kept to be reused.
	pal     [256]color.RGBA
	palette color.Palette
}

func newPalettePainter(img *image.RGBA) *palettePainter {
	return &palettePainter{img: img, over: overPainter{m: img}, pix: make([]uint8, img.Rect.Dx()*img.Rect.Dy()),
		palette: make(color.Palette, 0, 256)}
}

func (p *palettePainter) Bounds() image.Rectangle { return p.img.Rect }

// pixel packs a pixel as its bytes in memory (R first).
func pixel(r, g, b, a uint8) uint32 {
	return uint32(r) | uint32(g)<<8 | uint32(b)<<16 | uint32(a)<<24
}

// ground paints every pixel col and starts a new palette.
func (p *palettePainter) ground(col drawing.Color) {
	p.rgba = false
	p.t = colourTable{}
	p.n = 0
	p.index(pixel(col.R, col.G, col.B, col.A))
	clear(p.pix)
}

// index returns the index of colour c, added when new; false when there
// is no room for it.
func (p *palettePainter) index(c uint32) (uint8, bool) {
	idx, ok := p.t.index(c)
	if ok {
		return uint8(idx), true
	}
	if p.n == len(p.cols) {
		return 0, false
	}
	p.t.add(c, p.n)
	p.cols[p.n] = c
	p.n++
	return uint8(p.n - 1), true
}

// toRGBA writes the image into img, where painting goes on.
func (p *palettePainter) toRGBA() {
	if p.rgba {
		return
	}
	for i, c := range p.pix {
		binary.LittleEndian.PutUint32(p.img.Pix[4*i:], p.cols[c])
	}
	p.rgba = true
}

func (p *palettePainter) SetColor(c color.Color) {
	p.cr, p.cg, p.cb, p.ca = c.RGBA()
	p.over.SetColor(c)
}

// Paint paints ss as overPainter does: see there for the arithmetic.
func (p *palettePainter) Paint(ss []raster.Span, done bool) {
	const m = 1<<16 - 1
	b := p.img.Rect
	w := b.Dx()
	for k, s := range ss {
		if p.rgba {
			p.over.Paint(ss[k:], done)
			return
		}
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
		i0 := (s.Y-b.Min.Y)*w + s.X0 - b.Min.X
		row := p.pix[i0 : i0+s.X1-s.X0]
		a := (m - (p.ca * ma / m)) * 0x101
		kr, kg, kb, ka := p.cr*ma, p.cg*ma, p.cb*ma, p.ca*ma
		if a == 0 {
			idx, ok := p.index(pixel(uint8(kr/m>>8), uint8(kg/m>>8), uint8(kb/m>>8), uint8(ka/m>>8)))
			if !ok {
				p.toRGBA()
				p.over.Paint(ss[k:k+1], false)
				continue
			}
			for i := range row {
				row[i] = idx
			}
			continue
		}
		in, out := -1, uint8(0)
		for i, d := range row {
			if int(d) != in {
				c := p.cols[d]
				dr, dg, db, da := c&0xff, (c>>8)&0xff, (c>>16)&0xff, c>>24
				idx, ok := p.index(pixel(
					uint8((dr*a+kr)/m>>8),
					uint8((dg*a+kg)/m>>8),
					uint8((db*a+kb)/m>>8),
					uint8((da*a+ka)/m>>8)))
				if !ok {
					// The pixels before i are painted: paint the rest
					// of the span on the RGBA image.
					p.toRGBA()
					s.X0 += i
					p.over.Paint([]raster.Span{s}, false)
					break
				}
				in, out = int(d), idx
			}
			row[i] = out
		}
	}
}

// encode writes the image as a PNG, as encodePNG writes the same pixels
// in an RGBA image: paletted, its palette in the order the colours first
// appear (rows top to bottom), when every pixel is opaque; else the RGBA
// image, through encodePNG.
func (p *palettePainter) encode(out io.Writer) error {
	if p.rgba {
		return encodePNG(out, p.img)
	}
	// The palette's order: first appearance.
	var order [256]int16
	for i := range order {
		order[i] = -1
	}
	n := int16(0)
	last := -1
	for _, c := range p.pix {
		if int(c) != last {
			last = int(c)
			if order[c] < 0 {
				if p.cols[c]>>24 != 0xff {
					p.toRGBA()
					return encodePNG(out, p.img)
				}
				order[c] = n
				n++
			}
		}
	}
	identity := true
	for i := range n {
		identity = identity && order[i] == i
	}
	if !identity {
		var to [256]uint8
		for i, o := range order {
			to[i] = uint8(o) // unused colours (-1) map to nothing seen
		}
		for i, c := range p.pix {
			p.pix[i] = to[c]
		}
	}
	p.palette = p.palette[:0]
	for i, o := range order[:p.n] {
		if o >= 0 {
			c := p.cols[i]
			p.pal[o] = color.RGBA{R: uint8(c), G: uint8(c >> 8), B: uint8(c >> 16), A: 0xff}
		}
	}
	for i := range n {
		p.palette = append(p.palette, &p.pal[i])
	}
	m := &image.Paletted{Pix: p.pix, Stride: p.img.Rect.Dx(), Rect: p.img.Rect, Palette: p.palette}
	// The indices are now in the palette's order: the image can be
	// painted no further.
	p.rgba = false
	p.n = 0
	return palettedEncoder.Encode(out, m)
}
