package charts

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/locale"
	"github.com/go-pdf/fpdf"
)

// debianFallback loads the two Debian fonts the documentation names, or
// skips (fails in CI, where .ci/run installs them).
func debianFallback(t *testing.T) *fonts.Fallback {
	t.Helper()
	paths := []string{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"}
	for _, f := range paths {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is absent in CI: .ci/run should have installed it", f)
			}
			t.Skipf("%s is absent: install fonts-dejavu-core and fonts-droid-fallback", f)
		}
	}
	fb, err := fonts.LoadFallback(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return fb
}

var scriptNames = []string{"王小明", "Nguyễn Thị Hương", "Дмитрий", "Αλέξανδρος"}

// TestChartLabelsUseFallback draws rep bars and a ranking whose names
// are in scripts the Go fonts lack: with fallback faces every text mark
// is drawn in a face that has each of its letters, and the runs of a
// label put together are the name; without them, the letters no face has
// are drawn as the placeholder, never in a face that lacks them.
func TestChartLabelsUseFallback(t *testing.T) {
	fb := debianFallback(t)
	f := Format{Locale: locale.New("en"), Currency: "EUR"}
	vals, refs := []float64{10, 20, 30, 40}, []float64{12, 18, 35, 38}
	for name, ch := range map[string]Chart{
		"bars":    RepBars(scriptNames, vals, refs, []bool{true, false, false, false}, f),
		"ranking": Ranking(scriptNames, vals, 0, f),
	} {
		for _, withFB := range []bool{true, false} {
			o := Options{}
			if withFB {
				o.Fallback = fb
			}
			var labels []Label
			o.OnText = func(l Label) { labels = append(labels, l) }
			ms := marksOf(t, ch.With(o), 1200, 500)
			for _, m := range ms {
				for _, r := range m.Text {
					if m.Font.Index(r) == 0 {
						t.Errorf("%s (fallback %v): %q drawn in a face without %q", name, withFB, m.Text, r)
					}
				}
			}
			drawn := map[string]string{} // whole → its runs put together
			for _, l := range labels {
				drawn[l.Whole] += l.Text
			}
			for _, n := range scriptNames {
				got, ok := drawn[n]
				if !ok {
					for w, d := range drawn { // a ranking prefixes "1. "
						if strings.HasSuffix(w, " "+n) {
							got, ok = strings.TrimPrefix(d, strings.TrimSuffix(w, n)), true
						}
					}
				}
				switch {
				case !ok:
					t.Errorf("%s (fallback %v): %q not drawn whole; drawn: %q", name, withFB, n, drawn)
				case withFB && got != n:
					t.Errorf("%s: %q drawn as %q with the fallback faces", name, n, got)
				case !withFB && n == "王小明" && got != strings.Repeat(Placeholder, 3):
					t.Errorf("%s: %q drawn as %q without fallback faces, want placeholders", name, n, got)
				}
			}
		}
	}
}

// TestChartFallbackInPDF draws the rep bars into a PDF with the fallback
// faces: the chart adds the face it needs to the document, and the
// labels it reports are in that face's family.
func TestChartFallbackInPDF(t *testing.T) {
	fb := debianFallback(t)
	f := Format{Locale: locale.New("fr"), Currency: "EUR"}
	pdf := fpdf.New("P", "mm", "A4", "")
	fonts.Register(pdf)
	pdf.AddPage()
	families := map[string]bool{}
	ch := RepBars(scriptNames, []float64{1, 2, 3, 4}, nil, nil, f).With(Options{Fallback: fb, OnText: func(l Label) {
		if strings.ContainsRune(l.Text, '王') {
			families[fb.Family(l.Face)] = l.Face >= 0
		}
	}})
	if err := ch.PDF(pdf, 10, 10, 180, 60); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	if len(families) != 1 || !families[fb.Family(1)] {
		t.Errorf("王 drawn in %v, want the second fallback face %s", families, fb.Family(1))
	}
	if !bytes.Contains(buf.Bytes(), []byte("/BaseFont /utf8"+fb.Family(1))) {
		t.Errorf("the PDF does not embed the face %s", fb.Family(1))
	}
}

// TestRunsAsByLetter wants runs, which takes a string all in the Go fonts
// as one run, to split every string as runsByLetter does, letter by
// letter, with and without fallback faces.
func TestRunsAsByLetter(t *testing.T) {
	strs := append([]string{"", "Jan", "€ 12 345", "févr. −3 %", "Zoë Ødegaard", "● 1 234", "a\tb\x01",
		"bad \xff byte", "\xe2\x82", "王", "x王y", "Дмитрий Ив", "…"}, scriptNames...)
	fbs := map[string]*fonts.Fallback{"none": nil, "debian": debianFallback(t)}
	for name, fb := range fbs {
		tx := &texter{f: fonts.Parsed(), fb: fb}
		oneRun := 0
		for _, s := range strs {
			got, want := tx.runs(s), tx.runsByLetter(s)
			if len(got) != len(want) {
				t.Errorf("%s: runs(%q) = %v, by letter %v", name, s, got, want)
				continue
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s: runs(%q) = %v, by letter %v", name, s, got, want)
					break
				}
			}
			if len(want) == 1 && want[0].face < 0 && want[0].text == s {
				oneRun++
			}
		}
		if oneRun < 5 {
			t.Errorf("%s: only %d strings were one run in the Go fonts", name, oneRun)
		}
	}
}
