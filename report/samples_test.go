package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteSamples writes the PDF of every demo person and of a Maven
// rep, manager and director into $REPORT_SAMPLES, to look at the pages
// (pdftoppm -png). It is skipped unless the variable is set.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("REPORT_SAMPLES")
	if dir == "" {
		t.Skip("set REPORT_SAMPLES to a folder to write sample PDFs")
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name+".pdf"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ds := demoData().Dataset
	for k, s := range sets(t) {
		for _, p := range Recipients(ds, k) {
			_, b := render(t, s, p)
			write(string(k)+"-"+p.Locale+"-"+strings.Split(p.Email, "@")[0], b)
		}
	}
	// The first recipient of each role in each language, to look at every
	// page of the three roles in en, fr and es.
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		for _, lang := range []string{"en", "fr", "es"} {
			p := *Recipients(ds, k)[0]
			p.Locale = lang
			_, b := render(t, sets(t)[k], &p)
			write(string(k)+"-"+lang+"-first", b)
		}
	}
	m := maven(t)
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		id := "2017-12"
		if k == KindRep {
			id = "2017-W52"
		}
		ps := Recipients(m, k)
		_, b := render(t, ss2(t, m, k, id, Options{Now: mavenNow, TeamRank: true}), ps[0])
		write("maven-"+string(k), b)
	}
}
