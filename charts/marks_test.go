package charts

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/crmdigest/crmdigest/locale"
)

// The size of a bullet graph in a digest: 64 × 9.5 mm at DPI.
const bulletW, bulletH = 363, 54

func marksOf(t *testing.T, ch Chart, w, h int) []Mark {
	t.Helper()
	ms, err := ch.Marks(w, h)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func pick(ms []Mark, is func(Mark) bool) []Mark {
	var out []Mark
	for _, m := range ms {
		if is(m) {
			out = append(out, m)
		}
	}
	return out
}

// scaleOf returns the x of 0 and the pixels per unit of a bullet graph,
// read from its actual bar (which runs from 0 to the actual value).
func scaleOf(t *testing.T, ms []Mark, actual float64) (x0, perUnit float64) {
	t.Helper()
	bars := pick(ms, Mark.IsActualBar)
	if len(bars) != 1 {
		t.Fatalf("%d actual bars, want 1", len(bars))
	}
	a, _, b, _ := bars[0].Box()
	if actual < 0 {
		a, b = b, a
	}
	return float64(a), float64(b-a) / actual
}

var rankPrefix = regexp.MustCompile(`^\d+\. `)

// checkLabels fails on a label carrying a figure that is cut or drawn
// outside the chart.
func checkLabels(t *testing.T, what string, ms []Mark, w int) {
	t.Helper()
	for _, m := range ms {
		if m.Text == "" {
			continue
		}
		// A ranking's "3. " stays whole before a shortened name.
		rest := rankPrefix.ReplaceAllString(m.Text, "")
		if strings.ContainsFunc(rest, unicode.IsDigit) && strings.Contains(rest, "…") {
			t.Errorf("%s: label %q with a figure is cut", what, m.Text)
		}
		if m.X < 0 || m.X+m.W > w {
			t.Errorf("%s: label %q spans x %d–%d, outside the chart's 0–%d", what, m.Text, m.X, m.X+m.W, w)
		}
	}
}

func TestBulletTickIsTheTargetOnly(t *testing.T) {
	f := Format{Locale: locale.New("fr"), Currency: "EUR"}
	cases := []struct {
		name                     string
		actual, target, baseline float64
	}{
		{"target and baseline", 33090, 45000, 28000},
		{"target only", 14020, 30000, nan},
		{"baseline only", 8222, nan, 9100},
		{"neither", 75643, nan, nan},
		{"target below actual", 212000, 150000, 180000},
		{"negative actual", -500, 1200, 300},
	}
	for _, tc := range cases {
		b := Bullet{Actual: tc.actual, Target: tc.target, Baseline: tc.baseline}
		if !bad(tc.target) {
			b.Bands = []float64{0.8 * tc.target, tc.target, 1.2 * tc.target}
		}
		ms := marksOf(t, BulletGraph(b, f), bulletW, bulletH)
		x0, per := scaleOf(t, ms, tc.actual)
		ticks, diamonds := pick(ms, Mark.IsTick), pick(ms, Mark.IsDiamond)
		if want := !bad(tc.target); (len(ticks) == 1) != want || len(ticks) > 1 {
			t.Errorf("%s: %d ticks, want one only when there is a target", tc.name, len(ticks))
		}
		for _, m := range ticks {
			if x := float64(m.Points[0][0]); math.Abs(x-(x0+tc.target*per)) > 2 {
				t.Errorf("%s: tick at x %.0f, the target %.0f is at %.0f", tc.name, x, tc.target, x0+tc.target*per)
			}
		}
		if want := !bad(tc.baseline); (len(diamonds) == 1) != want || len(diamonds) > 1 {
			t.Errorf("%s: %d diamonds, want one only when there is a baseline", tc.name, len(diamonds))
		}
		for _, m := range diamonds {
			if x, _ := m.Centre(); math.Abs(float64(x)-(x0+tc.baseline*per)) > 2 {
				t.Errorf("%s: diamond at x %d, the baseline %.0f is at %.0f", tc.name, x, tc.baseline, x0+tc.baseline*per)
			}
		}
		checkLabels(t, tc.name, ms, bulletW)
	}
}

func TestBulletLegendNamesWhatIsDrawn(t *testing.T) {
	for _, lang := range []string{"en", "fr", "es"} {
		l := locale.New(lang)
		f := Format{Locale: l, Currency: "EUR"}
		full := BulletKey{Actual: l.T("Actual"), Target: l.T("Target"), Bands: l.T("Grey bands: 80, 100 and 120 %% of the target")}
		rows := []Bullet{{Actual: 1, Target: nan, Baseline: 2}, {Actual: 1, Target: nan, Baseline: 3}, {Actual: 1, Target: nan, Baseline: nan}}
		names := []string{l.T("Last year"), l.T("Seasonal expectation"), l.T("Usual level")}
		k := full.For(rows, names)
		if k.Target != "" || k.Bands != "" {
			t.Errorf("%s: no row has a target, but the legend names the tick %q and the bands %q", lang, k.Target, k.Bands)
		}
		if len(k.Baselines) != 2 || k.Baselines[0] != names[0] || k.Baselines[1] != names[1] {
			t.Errorf("%s: diamonds named %q, want the two drawn %q", lang, k.Baselines, names[:2])
		}
		rows[2].Target = 4
		rows[1].Baseline = 5 // a second row of the same kind is named once
		k = full.For(rows, []string{names[0], names[0], names[2]})
		if k.Target == "" || k.Bands == "" || len(k.Baselines) != 1 {
			t.Errorf("%s: legend %+v, want tick, bands and one diamond", lang, k)
		}
		// Drawn narrower than a page, the legend wraps and keeps every name whole.
		k.Baselines = names
		const w = 700
		ms := marksOf(t, BulletLegend(k, f), w, 200)
		for _, name := range []string{k.Actual, k.Target, k.Bands, names[0], names[1], names[2]} {
			found := false
			for _, m := range ms {
				found = found || m.Text == name
			}
			if !found {
				t.Errorf("%s: legend does not write %q whole", lang, name)
			}
		}
		if d := pick(ms, Mark.IsDiamond); len(d) != len(names) {
			t.Errorf("%s: legend draws %d diamonds for %d references", lang, len(d), len(names))
		}
		if tk := pick(ms, Mark.IsTick); len(tk) != 1 {
			t.Errorf("%s: legend draws %d ticks, want 1", lang, len(tk))
		}
		checkLabels(t, lang+" legend", ms, w)
	}
}

// TestValueLabelOnItsBar: a rep's value label stays on its bar even when
// the target tick is just above it, where it used to be pushed over the
// tick and away from the bar.
func TestValueLabelOnItsBar(t *testing.T) {
	f := Format{Locale: locale.New("es"), Currency: "EUR"}
	reps := []string{"Iñaki Muñoz", "Lucía López", "Mónica López", "Rubén Giménez"}
	values := []float64{11740, 212000, 133150, 99900}
	targets := []float64{190000, 215000, 220000, 101000}
	const w, h = 1000, 280
	ms := marksOf(t, RepBars(reps, values, targets, []bool{false, false, true, false}, f), w, h)
	// The legend's swatch for "actual" comes first, then the bars.
	bars := pick(ms, Mark.IsActualBar)
	if len(bars) != len(values)+1 {
		t.Fatalf("%d bars with the legend's swatch, want %d", len(bars), len(values)+1)
	}
	bars = bars[1:]
	lh := 7 * DPI / 72 // the label size in pixels
	for i, v := range values {
		label := f.Value(v)
		var lm *Mark
		for j := range ms {
			if strings.HasSuffix(ms[j].Text, label) {
				lm = &ms[j]
			}
		}
		if lm == nil {
			t.Errorf("no value label %q", label)
			continue
		}
		x0, y0, x1, _ := bars[i].Box()
		if c := lm.X + lm.W/2; c < x0 || c > x1 {
			t.Errorf("label %q centred at x %d, its bar spans %d–%d", label, c, x0, x1)
		}
		// The baseline is at most a label's height and a gap above the
		// bar's top, or inside the bar.
		if lm.Y < y0-lh-int(4*DPI/72) || lm.Y > y0+lh+int(3*DPI/72) {
			t.Errorf("label %q at y %d, its bar's top is at %d", label, lm.Y, y0)
		}
	}
	checkLabels(t, "rep bars", ms, w)
}

// TestNoFigureCut draws charts too narrow for their labels: names may be
// shortened, but a label with a figure (a rank, a month with its year)
// and a legend entry are drawn whole.
func TestNoFigureCut(t *testing.T) {
	for _, lang := range []string{"en", "fr", "es"} {
		f := Format{Locale: locale.New(lang), Currency: "EUR"}
		labels := []string{"déc. 2024", "janv. 2025", "févr. 2025", "mars 2025", "avr. 2025", "mai 2025"}
		const w, h = 260, 200
		cs := map[string]Chart{
			"activity": Activity(labels, dataCases["normal"], ramp(6, 9000), f),
			"yoy":      YearOverYear(labels, dataCases["normal"], ramp(6, 9000), f),
			"ranking":  Ranking([]string{"Bartholomew Featherstonehaugh-Smythe", "Anna"}, []float64{3, 2}, 0, f),
		}
		for name, ch := range cs {
			ms := marksOf(t, ch, w, h)
			checkLabels(t, lang+" "+name, ms, w)
			texts := map[string]bool{}
			for _, m := range ms {
				texts[m.Text] = true
			}
			for _, want := range []string{f.Locale.T("Actual"), f.Locale.T("Usual"), f.Locale.T("Last year"), f.Locale.T("This year")} {
				for tx := range texts {
					if strings.HasSuffix(tx, "…") && strings.HasPrefix(want, strings.TrimSuffix(tx, "…")) {
						t.Errorf("%s %s: legend entry %q drawn as %q", lang, name, want, tx)
					}
				}
			}
			if name == "ranking" {
				cut := false
				for tx := range texts {
					cut = cut || strings.HasPrefix(tx, "1. Barth") && strings.HasSuffix(tx, "…")
				}
				if !cut {
					t.Errorf("%s: the long name was not shortened after its rank: %v", lang, texts)
				}
			}
		}
	}
}

// TestTrendLegendNamesTheBand: the trend's grey band is the usual range
// around the seasonal expectation, and the dashed line is the expectation;
// the legend names each swatch as the captions and sentences do, in every
// language.
func TestTrendLegendNamesTheBand(t *testing.T) {
	for _, lang := range []string{"en", "fr", "es"} {
		l := locale.New(lang)
		f := Format{Locale: l, Currency: "EUR"}
		tr := Trend{Labels: []string{"a", "b", "c"}, Actual: []float64{10, 12, 9},
			Expected: []float64{11, 11, 11}, Low: []float64{8, 8, 8}, High: []float64{14, 14, 14}}
		ms := marksOf(t, RevenueTrend(tr, f), 900, 400)
		// The name after a swatch is the text drawn next.
		nameAfter := func(is func(Mark) bool) string {
			for i, m := range ms {
				if m.Text == "" && is(m) {
					for _, n := range ms[i+1:] {
						if n.Text != "" {
							return n.Text
						}
					}
				}
			}
			return ""
		}
		band := nameAfter(func(m Mark) bool { return m.Fill == colBand })
		dashed := nameAfter(func(m Mark) bool { return m.Stroke == colMuted && len(m.Points) == 2 })
		if want := l.T("Usual range"); band != want {
			t.Errorf("%s: the band's swatch is named %q, want %q", lang, band, want)
		}
		if want := l.T("Seasonal expectation"); dashed != want {
			t.Errorf("%s: the dashed line's swatch is named %q, want %q", lang, dashed, want)
		}
		if band == dashed {
			t.Errorf("%s: band and line share the name %q", lang, band)
		}
	}
}

// TestGroupedLegendNamesDrawnSeries: a series without a single value (no
// last year in the export) draws no bar, and the legend does not name it.
func TestGroupedLegendNamesDrawnSeries(t *testing.T) {
	l := locale.New("en")
	f := Format{Locale: l, Currency: "USD"}
	months := []string{"Jan", "Feb", "Mar"}
	for _, tc := range []struct {
		last []float64
		want bool
	}{{[]float64{nan, nan, nan}, false}, {[]float64{nan, 5, 6}, true}} {
		ms := marksOf(t, YearOverYear(months, []float64{1, 2, 3}, tc.last, f), 900, 300)
		named := false
		for _, m := range ms {
			named = named || m.Text == l.T("Last year")
		}
		if named != tc.want {
			t.Errorf("last year %v: legend names it: %v, want %v", tc.last, named, tc.want)
		}
	}
}
