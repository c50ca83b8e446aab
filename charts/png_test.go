package charts

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/crmdigest/crmdigest/locale"
	chart "github.com/wcharczuk/go-chart/v2"
)

// rasterisedPNG is how Chart.PNG drew and encoded a chart before it was
// written paletted: the white ground as a rectangle through go-chart's
// rasteriser, every text measured by the renderer (no rasterMeasures),
// the RGBA image through png.Encode.
func rasterisedPNG(ch Chart, w, h int) ([]byte, error) {
	r, err := chart.PNG(w, h)
	if err != nil {
		return nil, err
	}
	c := &canvas{r: r, w: w, h: h}
	c.rect(0, 0, w, h, colWhite, colWhite, 0)
	if err := ch.render(r, w, h, ch.opts.OnText, false); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = r.Save(&buf)
	return buf.Bytes(), err
}

// TestPNGPixelsAsBefore draws every chart over thin and normal data, in
// two languages, at the email's size and others, and names in scripts
// the Go fonts lack with and without fallback faces, twice each (the
// second drawing takes its measures of text from the first), and checks
// that each pixel of the PNG decodes to exactly the pixel of the
// rasterised path's image; a chart with more colours than a palette
// holds (the trend's band) is written byte for byte as before.
func TestPNGPixelsAsBefore(t *testing.T) {
	sizes := [][2]int{{480, 270}, {600, 240}, {333, 171}}
	if testing.Short() {
		sizes = sizes[:1]
	}
	cases := map[string]Chart{}
	for _, lang := range []string{"en", "fr"} {
		f := Format{Locale: locale.New(lang), Currency: "EUR"}
		for dname, vs := range dataCases {
			for cname, ch := range allCharts(vs, f) {
				cases[lang+"/"+dname+"/"+cname] = ch
			}
		}
	}
	f := Format{Locale: locale.New("en"), Currency: "EUR"}
	vals, refs := []float64{10, 20, 30, 40}, []float64{12, 18, 35, 38}
	scripts := map[string]Chart{
		"scripts/bars":    RepBars(scriptNames, vals, refs, []bool{true, false, false, false}, f),
		"scripts/ranking": Ranking(scriptNames, vals, 0, f),
	}
	fb := debianFallback(t)
	for name, ch := range scripts {
		cases[name] = ch
		cases[name+"/fallback"] = ch.With(Options{Fallback: fb})
	}
	nPaletted, nRGBA := 0, 0
	for cname, ch := range cases {
		for i, s := range sizes {
			old, err := rasterisedPNG(ch, s[0], s[1])
			if err != nil {
				t.Fatalf("%s: old path: %v", cname, err)
			}
			want, err := png.Decode(bytes.NewReader(old))
			if err != nil {
				t.Fatalf("%s: decode old: %v", cname, err)
			}
			rounds := 1
			if i == 0 {
				rounds = 2
			}
			for round := 1; round <= rounds; round++ {
				name := fmt.Sprintf("%s/%dx%d/drawing %d", cname, s[0], s[1], round)
				var buf bytes.Buffer
				if err := ch.PNG(&buf, s[0], s[1]); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got, err := png.Decode(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatalf("%s: decode: %v", name, err)
				}
				if _, ok := got.(*image.Paletted); ok {
					nPaletted++
				} else {
					nRGBA++
					if !bytes.Equal(buf.Bytes(), old) {
						t.Errorf("%s: not paletted, yet its bytes differ from png.Encode's", name)
					}
				}
				if err := samePixels(got, want); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		}
	}
	if nPaletted == 0 || nRGBA == 0 {
		t.Errorf("%d paletted and %d RGBA images: both ways of writing were not tested", nPaletted, nRGBA)
	}
}

// samePixels compares two images pixel by pixel, in 16-bit RGBA.
func samePixels(got, want image.Image) error {
	if got.Bounds() != want.Bounds() {
		return fmt.Errorf("bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r0, g0, b0, a0 := got.At(x, y).RGBA()
			r1, g1, b1, a1 := want.At(x, y).RGBA()
			if r0 != r1 || g0 != g1 || b0 != b1 || a0 != a1 {
				return fmt.Errorf("pixel (%d,%d) is %04x %04x %04x %04x, want %04x %04x %04x %04x", x, y, r0, g0, b0, a0, r1, g1, b1, a1)
			}
		}
	}
	return nil
}

// TestPalettedLimits checks the choice of encoding at its edges: 256
// opaque colours are paletted, 257 or one translucent pixel are not, and
// what is written decodes to the same pixels either way.
func TestPalettedLimits(t *testing.T) {
	img := func(n int, alpha uint8) *image.RGBA {
		m := image.NewRGBA(image.Rect(0, 0, 40, 20))
		for i := range 40 * 20 {
			c := i % n
			m.Pix[4*i], m.Pix[4*i+1], m.Pix[4*i+2], m.Pix[4*i+3] = uint8(c), uint8(c*7), uint8(c>>8), 0xff
		}
		m.Pix[3] = alpha
		return m
	}
	for _, tc := range []struct {
		name     string
		m        *image.RGBA
		paletted bool
	}{
		{"one colour", img(1, 0xff), true},
		{"16 colours", img(16, 0xff), true},
		{"256 colours", img(256, 0xff), true},
		{"257 colours", img(257, 0xff), false},
		{"translucent", img(3, 0x80), false},
	} {
		var buf bytes.Buffer
		if err := encodePNG(&buf, tc.m); err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, ok := got.(*image.Paletted); ok != tc.paletted {
			t.Errorf("%s: paletted %v, want %v", tc.name, ok, tc.paletted)
		}
		if err := samePixels(got, tc.m); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// BenchmarkPaletted converts an email-sized bar chart to its palette.
func BenchmarkPaletted(b *testing.B) {
	r, err := chart.PNG(480, 270)
	if err != nil {
		b.Fatal(err)
	}
	var img rgbaOf
	r.Save(&img)
	fillOpaque(img.m, colWhite)
	f := Format{Locale: locale.New("en"), Currency: "EUR"}
	if err := allCharts(dataCases["normal"], f)["yoy"].render(r, 480, 270, nil, true); err != nil {
		b.Fatal(err)
	}
	p := image.NewPaletted(img.m.Bounds(), make(color.Palette, 0, 256))
	for b.Loop() {
		if !palettedInto(p, img.m) {
			b.Fatal("not paletted")
		}
	}
}
