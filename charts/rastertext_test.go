package charts

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/crmdigest/crmdigest/charts/fonts"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// TestRasterTextSamePixels draws the same random texts — strings of
// chart labels, sizes, faces, colours, positions up to and past the
// image's edges, some after a path left pending (Circle), on a noisy
// ground — once through the raster renderer's Text and once painted
// from rasterTexts (twice, the second time from the cache), and wants
// the same bytes in every pixel.
func TestRasterTextSamePixels(t *testing.T) {
	const w, h = 240, 120
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"€0", "€20k", "1 234 €", "Jan", "févr.", "Won", "Target", "−12 %", "Q4 2026",
		"Usual range", "Zoë Ødegaard", "ŁŚŻ ąęó", "…", "▲ 3", "(a)", "WWW", "il1|", " ", ""}
	type op struct {
		s      string
		x, y   int
		size   float64
		bold   bool
		col    drawing.Color
		circle bool
	}
	var ops []op
	for range 400 {
		o := op{
			s:    words[rng.IntN(len(words))],
			x:    rng.IntN(w+40) - 20,
			y:    rng.IntN(h+40) - 20,
			size: []float64{5, 6.5, 7, 8, 11}[rng.IntN(5)],
			bold: rng.IntN(3) == 0,
			col: drawing.Color{R: uint8(rng.IntN(256)), G: uint8(rng.IntN(256)), B: uint8(rng.IntN(256)),
				A: []uint8{255, 255, 128, 0}[rng.IntN(4)]},
			circle: rng.IntN(10) == 0,
		}
		if rng.IntN(4) == 0 {
			o.s += " " + words[rng.IntN(len(words))]
		}
		ops = append(ops, o)
	}
	ground := make([]byte, 4*w*h)
	for i := range ground {
		ground[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			ground[i] = 255
		}
	}
	draw := func(cached bool) []byte {
		r, err := chart.PNG(w, h)
		if err != nil {
			t.Fatal(err)
		}
		var img rgbaOf
		if err := r.Save(&img); err != nil {
			t.Fatal(err)
		}
		copy(img.m.Pix, ground)
		tx := &texter{Renderer: r, f: fonts.Parsed(), w: w, memo: true}
		if cached {
			tx.img = &overPainter{m: img.m}
		}
		tx.SetDPI(DPI)
		for _, o := range ops {
			tx.ResetStyle()
			if o.bold {
				tx.SetFont(tx.f.Bold)
			} else {
				tx.SetFont(tx.f.Regular)
			}
			tx.SetFontSize(o.size)
			tx.SetFontColor(o.col)
			if o.circle {
				tx.Circle(4, o.x, o.y)
			}
			tx.Text(o.s, o.x, o.y)
		}
		return img.m.Pix
	}
	want := draw(false)
	if bytes.Equal(want, ground) {
		t.Fatal("the texts changed no pixel: the comparison proves nothing")
	}
	for round := 1; round <= 2; round++ {
		if got := draw(true); !bytes.Equal(got, want) {
			for i := range got {
				if got[i] != want[i] {
					p := i / 4
					t.Fatalf("round %d: pixel (%d,%d) differs: %v, the renderer's %v", round, p%w, p/w, got[4*p:4*p+4], want[4*p:4*p+4])
				}
			}
		}
	}
	// Most texts were painted from the cache, not by the renderer.
	n := 0
	rasterTexts.Lock()
	for k, g := range rasterTexts.m {
		if k.dpi == DPI && g.ok && len(g.spans) > 0 {
			n++
		}
	}
	rasterTexts.Unlock()
	if n < 20 {
		t.Errorf("only %d strings kept in rasterTexts", n)
	}
}
