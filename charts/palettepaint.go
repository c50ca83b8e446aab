package charts

import (
	"bytes"
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
	// spanBuffer returns room for the spans of a Paint, to be filled
	// before each.
	spanBuffer() []raster.Span
}

func (p *overPainter) Bounds() image.Rectangle      { return p.m.Bounds() }
func (p *overPainter) spanBuffer() []raster.Span    { return make([]raster.Span, 64) }
func (p *palettePainter) spanBuffer() []raster.Span { return p.spans[:] }

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

	// The encoder's palette and encode's copy of a row, kept to be
	// reused.
	pal     [256]color.RGBA
	palette color.Palette
	prev    []uint8
	spans   [64]raster.Span
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
// image, through encodePNG. The image can be painted no further.
func (p *palettePainter) encode(out io.Writer) error {
	if p.rgba {
		return encodePNG(out, p.img)
	}
	// One pass renumbers the indices in the order of first appearance,
	// in place. Runs of one index are the rule, and rows equal to the
	// one above them (the ground, the inside of bars): a row is kept
	// as it was (prev) to be compared with the next.
	var order [256]int16 // -1: not seen yet
	for i := range order {
		order[i] = -1
	}
	n := int16(0)
	w := p.img.Rect.Dx()
	if cap(p.prev) < w {
		p.prev = make([]uint8, w)
	}
	prev := p.prev[:w]
	for y := 0; y*w < len(p.pix); y++ {
		row := p.pix[y*w : (y+1)*w]
		if y > 0 && bytes.Equal(row, prev) {
			copy(row, p.pix[(y-1)*w:y*w])
			continue
		}
		copy(prev, row)
		for i := 0; i < w; {
			c := row[i]
			if order[c] < 0 {
				if p.cols[c]>>24 != 0xff {
					// A translucent pixel: undo the renumbering
					// and write the RGBA image.
					var back [256]uint8
					for c, o := range order {
						if o >= 0 {
							back[o] = uint8(c)
						}
					}
					for k, o := range p.pix[:y*w+i] {
						p.pix[k] = back[o]
					}
					p.toRGBA()
					return encodePNG(out, p.img)
				}
				order[c] = n
				n++
			}
			// The run of c from i: 8 indices at a time, then one by one.
			j := i + 1
			run := uint64(c) * 0x0101010101010101
			for j+8 <= w && binary.LittleEndian.Uint64(row[j:]) == run {
				j += 8
			}
			for j < w && row[j] == c {
				j++
			}
			if o := uint8(order[c]); o != c {
				for k := i; k < j; k++ {
					row[k] = o
				}
			}
			i = j
		}
	}
	p.palette = p.palette[:0]
	for c, o := range order[:p.n] {
		if o >= 0 {
			col := p.cols[c]
			p.pal[o] = color.RGBA{R: uint8(col), G: uint8(col >> 8), B: uint8(col >> 16), A: 0xff}
		}
	}
	for i := range n {
		p.palette = append(p.palette, &p.pal[i])
	}
	p.n = 0
	m := &image.Paletted{Pix: p.pix, Stride: w, Rect: p.img.Rect, Palette: p.palette}
	return palettedEncoder.Encode(out, m)
}
