package charts

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"sync"
	"testing"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/locale"
	"github.com/go-pdf/fpdf"
)

var nan = math.NaN()

func months(n int) []string {
	l := locale.New("fr")
	out := make([]string, n)
	for i := range out {
		out[i] = l.ShortMonth(timeMonth(i))
	}
	return out
}

func ramp(n int, scale float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = scale * (1 + float64(i%7)*0.3)
	}
	return out
}

// dataCases are the shapes every chart must survive.
var dataCases = map[string][]float64{
	"normal":   {12000, 18000, 9000, 15500, 21000, 7000},
	"empty":    {},
	"one":      {5000},
	"zeros":    {0, 0, 0, 0},
	"constant": {7, 7, 7, 7},
	"nan":      {nan, 3, nan, 4},
	"allnan":   {nan, nan},
	"negative": {-500, 200, -1200, 800},
	"large":    ramp(60, 1e9),
}

// allCharts builds every chart from one values slice.
func allCharts(vs []float64, f Format) map[string]Chart {
	n := len(vs)
	labels := months(n)
	half := make([]float64, n)
	lo, hi := make([]float64, n), make([]float64, n)
	for i, v := range vs {
		half[i] = v / 2
		lo[i], hi[i] = v*0.8, v*1.2
	}
	return map[string]Chart{
		"trend":     RevenueTrend(Trend{Labels: labels, Actual: vs, Expected: half, Low: lo, High: hi}, f),
		"trendbare": RevenueTrend(Trend{Labels: labels, Actual: vs}, f),
		"activity":  Activity(labels, vs, half, f),
		"pipeline":  PipelineByStage(labels, vs, f),
		"reps":      RepBars(labels, vs, hi, []bool{true}, f),
		"teams":     TeamComparison(labels, vs, nil, f),
		"yoy":       YearOverYear(labels, vs, half, f),
		"ranking":   Ranking(labels, vs, 0, f),
		"bullet":    BulletGraph(Bullet{Actual: first(vs), Target: first(hi), Baseline: first(half), Bands: []float64{first(lo), first(vs), first(hi)}}, f),
		"spark":     Sparkline(vs),
	}
}

func first(vs []float64) float64 {
	if len(vs) == 0 {
		return nan
	}
	return vs[0]
}

func newDoc() *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	fonts.Register(pdf)
	pdf.AddPage()
	return pdf
}

func TestChartsRenderIntoPDF(t *testing.T) {
	f := Format{Locale: locale.New("fr"), Currency: "EUR"}
	for dname, vs := range dataCases {
		pdf := newDoc()
		y := 10.0
		for cname, ch := range allCharts(vs, f) {
			if y > 250 {
				pdf.AddPage()
				y = 10
			}
			if err := ch.PDF(pdf, 15, y, 120, 45); err != nil {
				t.Errorf("%s/%s: %v", dname, cname, err)
			}
			y += 50
		}
		var buf bytes.Buffer
		if err := pdf.Output(&buf); err != nil {
			t.Errorf("%s: output: %v", dname, err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) || !bytes.Contains(buf.Bytes(), []byte("%%EOF")) {
			t.Errorf("%s: output is not a complete PDF", dname)
		}
	}
}

func TestChartsRenderIntoPNG(t *testing.T) {
	f := Format{Locale: locale.New("en"), Currency: "USD"}
	// PNG rasterising is slow under -race: every chart once, thin data
	// through two of them.
	cases := map[string]Chart{}
	for cname, ch := range allCharts(dataCases["normal"], f) {
		cases["normal/"+cname] = ch
	}
	cases["empty/trend"] = allCharts(dataCases["empty"], f)["trend"]
	cases["nan/activity"] = allCharts(dataCases["nan"], f)["activity"]
	for dname, ch := range cases {
		{
			cname := ""
			var buf bytes.Buffer
			if err := ch.PNG(&buf, 600, 240); err != nil {
				t.Fatalf("%s/%s: %v", dname, cname, err)
			}
			img, err := png.Decode(&buf)
			if err != nil {
				t.Fatalf("%s/%s: decode: %v", dname, cname, err)
			}
			if b := img.Bounds(); b.Dx() != 600 || b.Dy() != 240 {
				t.Errorf("%s/%s: image is %v, want 600x240", dname, cname, b)
			}
			if _, _, _, a := img.At(0, 0).RGBA(); a != 0xffff {
				t.Errorf("%s/%s: the corner is not opaque (alpha %d)", dname, cname, a)
			}
		}
	}
	if err := (Chart{}).PNG(&bytes.Buffer{}, 0, 10); err == nil {
		t.Error("PNG of size 0 did not fail")
	}
}

// TestNoDataNote checks that empty data says so in words, in the reader's
// language, rather than drawing axes.
func TestNoDataNote(t *testing.T) {
	pdf := newDoc()
	pdf.SetCompression(false)
	f := Format{Locale: locale.New("es")}
	if err := PipelineByStage(nil, nil, f).PDF(pdf, 10, 10, 100, 40); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	// fpdf writes UTF-8 text as UTF-16BE glyph codes.
	want := utf16be("sin datos")
	if !bytes.Contains(buf.Bytes(), want) {
		t.Error("the PDF does not contain the words \"sin datos\"")
	}
}

func utf16be(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}

// TestConcurrentRendering renders charts from several goroutines at once;
// run with -race it proves no font or renderer state is shared. Each
// goroutine also draws every chart as a PNG and wants the bytes drawn
// before, alone: the pooled surfaces are no goroutine's but one's at a time.
func TestConcurrentRendering(t *testing.T) {
	fPNG := Format{Locale: locale.New("fr"), Currency: "EUR"}
	alone := map[string][]byte{}
	for name, ch := range allCharts(dataCases["normal"], fPNG) {
		var buf bytes.Buffer
		if err := ch.PNG(&buf, 480, 270); err != nil {
			t.Fatal(err)
		}
		alone[name] = buf.Bytes()
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			f := Format{Locale: locale.New([]string{"en", "fr", "es", "en"}[g]), Currency: "EUR"}
			pdf := newDoc()
			for _, ch := range allCharts(dataCases["normal"], f) {
				if err := ch.PDF(pdf, 10, 10, 100, 40); err != nil {
					errs <- err
					return
				}
			}
			if err := pdf.Output(&bytes.Buffer{}); err != nil {
				errs <- err
			}
			if err := RevenueTrend(Trend{Labels: months(3), Actual: []float64{1, 2, 3}}, f).PNG(&bytes.Buffer{}, 300, 150); err != nil {
				errs <- fmt.Errorf("png: %w", err)
			}
			for range 3 {
				for name, ch := range allCharts(dataCases["normal"], fPNG) {
					var buf bytes.Buffer
					if err := ch.PNG(&buf, 480, 270); err != nil {
						errs <- fmt.Errorf("png %s: %w", name, err)
						return
					}
					if !bytes.Equal(buf.Bytes(), alone[name]) {
						errs <- fmt.Errorf("png %s: drawn with others, not the bytes drawn alone", name)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		max    int
		want   []float64
	}{
		{0, 100, 6, []float64{0, 20, 40, 60, 80, 100}},
		{0, 95, 6, []float64{0, 20, 40, 60, 80, 100}},
		{0, 48200, 5, []float64{0, 20000, 40000, 60000}},
		{0, 1, 5, []float64{0, 0.25, 0.5, 0.75, 1}},
		{0, 0, 5, []float64{0, 0.25, 0.5, 0.75, 1}},                          // all zero
		{7, 7, 5, []float64{6.2, 6.4, 6.6, 6.8, 7, 7.2, 7.4, 7.6, 7.8}[0:0]}, // checked below
		{-1200, 800, 6, []float64{-1500, -1000, -500, 0, 500, 1000}},
		{nan, 5, 5, []float64{0, 0.25, 0.5, 0.75, 1}},
		{0, 3, 6, []float64{0, 1, 2, 3}},
	}
	for _, tt := range tests {
		got := NiceTicks(tt.lo, tt.hi, tt.max)
		if len(tt.want) > 0 && fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("NiceTicks(%v, %v, %d) = %v, want %v", tt.lo, tt.hi, tt.max, got, tt.want)
		}
		checkTicks(t, tt.lo, tt.hi, tt.max, got)
	}
	for _, hi := range []float64{0.003, 1, 7, 13, 99, 101, 1234567, 9.9e9} {
		for m := 2; m <= 8; m++ {
			checkTicks(t, 0, hi, m, NiceTicks(0, hi, m))
		}
	}
}

// checkTicks asserts the properties every tick list must have: at most
// max ticks, at least 2, evenly spaced, covering [lo, hi].
func checkTicks(t *testing.T, lo, hi float64, max int, ticks []float64) {
	t.Helper()
	if len(ticks) < 2 || len(ticks) > max && max >= 2 {
		t.Errorf("NiceTicks(%v, %v, %d) = %v: wrong count", lo, hi, max, ticks)
		return
	}
	step := ticks[1] - ticks[0]
	for i := 1; i < len(ticks); i++ {
		if d := ticks[i] - ticks[i-1]; math.Abs(d-step) > step*1e-6 || d <= 0 {
			t.Errorf("NiceTicks(%v, %v, %d) = %v: uneven", lo, hi, max, ticks)
			return
		}
	}
	if !bad(lo) && (ticks[0] > lo || ticks[len(ticks)-1] < hi) {
		t.Errorf("NiceTicks(%v, %v, %d) = %v: does not cover the range", lo, hi, max, ticks)
	}
}

func TestIntegerTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string
	}{
		{0, 7, "[0 2 4 6 8]"},
		{0, 3, "[0 1 2 3]"},
		{0, 0, "[0 1]"},
		{0, 0.3, "[0 1]"},
		{-3, 41, "[-10 0 10 20 30 40 50]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(niceTicks(tt.lo, tt.hi, 7, true)); got != tt.want {
			t.Errorf("niceTicks(%v, %v, 7, integer) = %s, want %s", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestBarTicksStartAtZero(t *testing.T) {
	for name, vs := range dataCases {
		ticks := barTicks(vs, 6, false)
		if ticks[0] > 0 || ticks[len(ticks)-1] < 0 {
			t.Errorf("%s: bar ticks %v do not include 0", name, ticks)
		}
	}
}

func TestTickFormat(t *testing.T) {
	tests := []struct {
		f       Format
		v, step float64
		want    string
	}{
		{Format{Locale: locale.New("en"), Currency: "EUR"}, 40000, 20000, "€40,000"},
		{Format{Locale: locale.New("es"), Currency: "EUR"}, 40000, 20000, "40.000\u00a0€"},
		{Format{Locale: locale.New("fr")}, 0.25, 0.25, "0,25"},
		{Format{Locale: locale.New("en"), Percent: true}, 0.25, 0.05, "25%"},
		{Format{Locale: locale.New("en"), Percent: true}, 0.025, 0.005, "2.5%"},
	}
	for _, tt := range tests {
		if got := tt.f.Tick(tt.v, tt.step); got != tt.want {
			t.Errorf("Tick(%v, %v) = %q, want %q", tt.v, tt.step, got, tt.want)
		}
	}
}

func TestSegments(t *testing.T) {
	got := segments([]float64{0, 1, 2, 3, 4}, []float64{1, nan, 2, 3, nan})
	if len(got) != 2 || len(got[0].x) != 1 || len(got[1].x) != 2 || got[1].x[0] != 2 {
		t.Errorf("segments = %+v, want [0] and [2 3]", got)
	}
}
