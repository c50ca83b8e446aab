package report

import (
	"strconv"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/locale"
)

// TestDiagnosisNamesWhoIsNotAssessed: the Paris manager's table has four
// reps; François Boucher's month compares with last year only (no
// seasonal expectation), so the general slowdown counts three. The
// headline must say "of the 3 reps assessed" and name him with the
// reason, in en, fr and es, or "3 of 3" above a 4-rep table reads as if
// one were forgotten. The count is checked against the table's rows.
func TestDiagnosisNamesWhoIsNotAssessed(t *testing.T) {
	d := demoData()
	var boucher int = -1
	for i, p := range d.People {
		if p.Name == "François Boucher" {
			boucher = i
		}
	}
	if boucher < 0 {
		t.Fatal("no François Boucher in the demo")
	}
	mgr := -1
	for i, p := range d.People {
		if p.Email == d.People[boucher].Manager || p.Name == d.People[boucher].Manager {
			mgr = i
		}
	}
	if mgr < 0 {
		t.Fatalf("no manager %q in the demo", d.People[boucher].Manager)
	}
	for _, code := range []string{"en", "fr", "es"} {
		loc := locale.New(code)
		p := d.People[mgr]
		p.Locale = code
		dg, err := sets(t)[KindManager].Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for _, bl := range dg.Blocks {
			if bl.Table != nil && bl.Table.MarkTitle == loc.T("vs team") {
				rows = len(bl.Table.Rows)
			}
		}
		want := loc.T("Not assessed: %s.", loc.T("%s (not enough history)", "François Boucher"))
		if !strings.Contains(dg.Headline, want) {
			t.Errorf("%s: the headline does not say %q: %s", code, want, dg.Headline)
		}
		mm := storyPhrase(loc, "General slowdown: %d of the %d reps assessed below their usual range (%s).").FindStringSubmatch(dg.Headline)
		if mm == nil {
			t.Errorf("%s: no general slowdown: %s", code, dg.Headline)
			continue
		}
		if n, _ := strconv.Atoi(mm[2]); n != rows-1 {
			t.Errorf("%s: %d reps assessed, the table has %d rows and one rep is not assessed: %s", code, n, rows, dg.Headline)
		}
	}
}
