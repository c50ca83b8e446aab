package charts

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/golang/freetype/raster"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// TestPalettePainterAsRGBA paints the same random spans — coverage from
// none to full, opaque and translucent colours, spans past the edges —
// with palettePainter and with overPainter on an RGBA image of the same
// ground, and wants encode to write the very bytes encodePNG writes for
// the RGBA image: a paletted image while the colours fit, the RGBA image
// when they do not, when they did not at some time but do at the end (a
// last span covers the image), or when a pixel is translucent. The
// painter is reused from one case to the next, as a pooled surface is.
func TestPalettePainterAsRGBA(t *testing.T) {
	const w, h = 97, 41
	rng := rand.New(rand.NewPCG(5, 6))
	white := drawing.Color{R: 255, G: 255, B: 255, A: 255}
	randomColour := func(alphas []uint8) drawing.Color {
		return drawing.Color{R: uint8(rng.IntN(256)), G: uint8(rng.IntN(256)), B: uint8(rng.IntN(256)), A: alphas[rng.IntN(len(alphas))]}
	}
	type paint struct {
		col   drawing.Color
		spans []raster.Span
	}
	randomPaints := func(n, colours int, alphas []uint8) []paint {
		cols := make([]drawing.Color, colours)
		for i := range cols {
			cols[i] = randomColour(alphas)
		}
		var ps []paint
		for range n {
			p := paint{col: cols[rng.IntN(len(cols))]}
			for range 1 + rng.IntN(6) {
				x0 := rng.IntN(w+20) - 10
				p.spans = append(p.spans, raster.Span{Y: rng.IntN(h+4) - 2, X0: x0, X1: x0 + rng.IntN(w/2),
					Alpha: []uint32{0xffff, 0xffff, 0x8000, uint32(rng.IntN(0x10000)), 0}[rng.IntN(5)]})
			}
			ps = append(ps, p)
		}
		return ps
	}
	cover := func(col drawing.Color, rows int) paint {
		p := paint{col: col}
		for y := range rows {
			p.spans = append(p.spans, raster.Span{Y: y, X0: 0, X1: w, Alpha: 0xffff})
		}
		return p
	}
	// solid paints n opaque colours with full coverage, one a pixel.
	solid := func(n int) []paint {
		var ps []paint
		for i := range n {
			ps = append(ps, paint{col: drawing.Color{R: uint8(i), G: uint8(i >> 8), B: 7, A: 255},
				spans: []raster.Span{{Y: i / w, X0: i % w, X1: i%w + 1, Alpha: 0xffff}}})
		}
		return ps
	}
	cases := []struct {
		name     string
		ground   drawing.Color
		paints   []paint
		paletted bool
		overflow bool // more than 256 colours were painted
	}{
		{"few colours", white, randomPaints(60, 3, []uint8{255}), true, false},
		{"translucent colours", white, randomPaints(60, 3, []uint8{255, 128, 0}), true, false},
		{"too many colours", white, randomPaints(400, 200, []uint8{255, 128}), false, true},
		{"too many, then covered", white, append(randomPaints(400, 200, []uint8{255}),
			cover(drawing.Color{R: 1, G: 2, B: 3, A: 255}, h), paint{col: white, spans: []raster.Span{{Y: 3, X0: 5, X1: 50, Alpha: 0x4000}}}), true, true},
		{"too many solid colours", white, solid(300), false, true},
		{"translucent ground", drawing.Color{R: 255, G: 255, B: 255, A: 200}, randomPaints(30, 3, []uint8{255}), false, false},
		{"opaque rows, then translucent", drawing.Color{R: 255, G: 255, B: 255, A: 200},
			append([]paint{cover(drawing.Color{R: 9, G: 8, B: 7, A: 255}, 5), cover(drawing.Color{R: 200, G: 8, B: 7, A: 255}, 2)},
				randomPaints(30, 3, []uint8{255})...), false, false},
		{"equal rows, renumbered", white, []paint{
			{col: drawing.Color{R: 50, A: 255}, spans: []raster.Span{{Y: 10, X0: 0, X1: w, Alpha: 0xffff}, {Y: 11, X0: 0, X1: w, Alpha: 0xffff}, {Y: 12, X0: 0, X1: w, Alpha: 0xffff}}},
			{col: drawing.Color{G: 50, A: 255}, spans: []raster.Span{{Y: 1, X0: 3, X1: 4, Alpha: 0xffff}}},
		}, true, false},
		{"none", white, nil, true, false},
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	pp := newPalettePainter(img)
	for _, tc := range cases {
		want := image.NewRGBA(image.Rect(0, 0, w, h))
		fillOpaque(want, tc.ground)
		over := &overPainter{m: want}
		pp.ground(tc.ground)
		for _, p := range tc.paints {
			for _, pt := range []spanTarget{over, pp} {
				pt.SetColor(p.col)
				pt.Paint(append([]raster.Span(nil), p.spans...), true)
			}
		}
		if pp.rgba != tc.overflow {
			t.Errorf("%s: painting on the RGBA image %v, want %v", tc.name, pp.rgba, tc.overflow)
		}
		var wantPNG, gotPNG bytes.Buffer
		if err := encodePNG(&wantPNG, want); err != nil {
			t.Fatal(err)
		}
		if err := pp.encode(&gotPNG); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gotPNG.Bytes(), wantPNG.Bytes()) {
			t.Errorf("%s: palettePainter wrote %d bytes unlike encodePNG's %d", tc.name, gotPNG.Len(), wantPNG.Len())
		}
		m, err := png.Decode(&gotPNG)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, ok := m.(*image.Paletted); ok != tc.paletted {
			t.Errorf("%s: paletted %v, want %v", tc.name, ok, tc.paletted)
		}
		if err := samePixels(m, want); err != nil && tc.ground.A == 255 {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
