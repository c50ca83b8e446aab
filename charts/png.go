package charts

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"io"
	"sync"
)

// The encoders share their zlib writers between images: a new writer
// allocates and clears about 1 MB of compressor state, a reset one writes
// the same bytes. A paletted chart compresses about as small at BestSpeed
// as at the default level (6.8 against 6.5 KB for a rep's email chart)
// and saves 0.7 ms of CPU per chart (BenchmarkRepEmailChart).
var (
	palettedEncoder = &png.Encoder{BufferPool: &pngBuffers{}, CompressionLevel: png.BestSpeed}
	rgbaEncoder     = &png.Encoder{BufferPool: &pngBuffers{}}
)

type pngBuffers struct{ p sync.Pool }

func (b *pngBuffers) Get() *png.EncoderBuffer {
	e, _ := b.p.Get().(*png.EncoderBuffer)
	return e
}

func (b *pngBuffers) Put(e *png.EncoderBuffer) { b.p.Put(e) }

// encodePNG writes m as a PNG. A chart has a few colours — its palette
// and the shades antialiasing puts between them and the ground —, so an
// opaque image of at most 256 colours is written as a paletted image:
// one byte per pixel instead of three, and no row filters to choose,
// which was most of the cost of the email's chart. The pixels decode to
// exactly m's. Any other image (a trend with its band has about 950
// colours) is written byte for byte as png.Encode writes it.
func encodePNG(out io.Writer, m *image.RGBA) error {
	r := m.Bounds()
	p, _ := palettes.Get().(*image.Paletted)
	if p == nil || cap(p.Pix) < r.Dx()*r.Dy() {
		p = image.NewPaletted(r, make(color.Palette, 0, 256))
	}
	defer palettes.Put(p)
	if !palettedInto(p, m) {
		return rgbaEncoder.Encode(out, m)
	}
	return palettedEncoder.Encode(out, p)
}

// palettes holds the paletted images encodePNG wrote, for the next.
var palettes sync.Pool

// palettedInto makes p m as a paletted image whose palette lists m's
// colours in the order they first appear (rows top to bottom), and
// returns false when m has more than 256 colours or a pixel that is not
// opaque (the PNG palette holds non-premultiplied colours, which an opaque
// pixel is already). p's pixels must have room for m's, and its palette
// for 256 colours; they are all written anew.
func palettedInto(p *image.Paletted, m *image.RGBA) bool {
	r := m.Bounds()
	p.Pix, p.Stride, p.Rect, p.Palette = p.Pix[:r.Dx()*r.Dy()], r.Dx(), r, p.Palette[:0]
	var t colourTable
	var prev []byte
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := m.Pix[m.PixOffset(r.Min.X, y):][:4*r.Dx()]
		dst := p.Pix[p.PixOffset(r.Min.X, y):][:r.Dx()]
		// A row equal to the one above it (the ground, the inside of
		// bars) has its indices and brings no new colour.
		if prev != nil && bytes.Equal(src, prev) {
			copy(dst, p.Pix[p.PixOffset(r.Min.X, y-1):][:r.Dx()])
			continue
		}
		prev = src
		// Runs of one colour are the rule: a pixel equal to the one
		// before it (all four bytes) takes its index.
		last, lastIdx := uint32(0), -1
		for i := range dst {
			px := binary.LittleEndian.Uint32(src[4*i:])
			if px != last || lastIdx < 0 {
				if px>>24 != 0xff {
					return false
				}
				c := px & 0xffffff // 0xBBGGRR
				idx, ok := t.index(c)
				if !ok {
					if len(p.Palette) == 256 {
						return false
					}
					idx = len(p.Palette)
					t.add(c, idx)
					p.Palette = append(p.Palette, color.RGBA{R: uint8(c), G: uint8(c >> 8), B: uint8(c >> 16), A: 0xff})
				}
				last, lastIdx = px, idx
			}
			dst[i] = uint8(lastIdx)
		}
	}
	return true
}

// colourTable maps a colour to its palette index: an open-addressed
// table with room for 256 colours at most half full. paletted keys it
// with opaque colours (0xBBGGRR), palettePainter with whole pixels.
type colourTable struct {
	keys [512]uint32
	used [512]bool
	idx  [512]uint8
}

func (t *colourTable) slot(c uint32) int {
	h := int((c * 0x9E3779B1) >> 23) // top 9 bits
	for t.used[h] && t.keys[h] != c {
		h = (h + 1) & 511
	}
	return h
}

func (t *colourTable) index(c uint32) (int, bool) {
	h := t.slot(c)
	return int(t.idx[h]), t.used[h]
}

func (t *colourTable) add(c uint32, idx int) {
	h := t.slot(c)
	t.keys[h], t.used[h], t.idx[h] = c, true, uint8(idx)
}
