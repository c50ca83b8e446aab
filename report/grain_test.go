package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/locale"
)

// TestGrainWording builds the digest of every role for a period of every
// grain in en, fr and es, and checks that the title and the comparison
// labels name the reported grain: a quarterly director digest says
// "Quarterly comparison" and "Previous quarter", and no digest but a
// monthly one says "Previous month" or "this month".
func TestGrainWording(t *testing.T) {
	ds := demoData().Dataset
	grains := []struct {
		period string
		kind   kpi.Kind
		// title holds the title's wording per role; prev and this the
		// director's comparison labels.
		title      map[Kind]string
		prev, this string
	}{
		{"2026-W47", kpi.Week, map[Kind]string{KindRep: "Weekly digest", KindManager: "Weekly team report", KindDirector: "Weekly comparison"}, "Previous week", "This week"},
		{"2026-10", kpi.Month, map[Kind]string{KindRep: "Monthly digest", KindManager: "Monthly team report", KindDirector: "Monthly comparison"}, "Previous month", "This month"},
		{"2026-Q3", kpi.Quarter, map[Kind]string{KindRep: "Quarterly digest", KindManager: "Quarterly team report", KindDirector: "Quarterly comparison"}, "Previous quarter", "This quarter"},
		{"2026-H1", kpi.Half, map[Kind]string{KindRep: "Half-yearly digest", KindManager: "Half-yearly team report", KindDirector: "Half-yearly comparison"}, "Previous half-year", "This half-year"},
		{"2025", kpi.Year, map[Kind]string{KindRep: "Annual digest", KindManager: "Annual team report", KindDirector: "Annual comparison"}, "Previous year", "This year"},
	}
	people := map[Kind]string{KindRep: "zoe.rousseau@example.com", KindManager: "jose.dominguez@example.com", KindDirector: "francois.marchand@example.com"}
	// monthOnly is wording that only a monthly digest may hold.
	monthOnly := []string{"Monthly comparison", "Monthly digest", "Monthly team report", "Previous month", "Same month last year", "This month", "vs previous month"}
	for _, g := range grains {
		if pid(g.period).Kind != g.kind {
			t.Fatalf("%s is not of the grain under test", g.period)
		}
		for _, k := range []Kind{KindRep, KindManager, KindDirector} {
			s, err := NewSet(ds, k, pid(g.period), demoAsOf, demoOptions())
			if err != nil {
				t.Fatalf("%s %s: %v", g.period, k, err)
			}
			for _, lang := range []string{"en", "fr", "es"} {
				t.Run(g.period+"/"+string(k)+"/"+lang, func(t *testing.T) {
					loc := locale.New(lang)
					p := *person(t, ds, people[k])
					p.Locale = lang
					d, err := s.Digest(&p)
					if err != nil {
						t.Fatal(err)
					}
					if want := loc.T(g.title[k]) + " — "; !strings.HasPrefix(d.Title, want) {
						t.Errorf("title %q, want it to start with %q", d.Title, want)
					}
					js, err := json.Marshal(d)
					if err != nil {
						t.Fatal(err)
					}
					text := string(js)
					if k == KindDirector {
						for _, w := range []string{g.prev, g.this} {
							if !strings.Contains(text, `"`+loc.T(w)+`"`) {
								t.Errorf("director digest lacks the label %q", loc.T(w))
							}
						}
					}
					if g.kind == kpi.Month {
						return
					}
					for _, w := range monthOnly {
						if tr := loc.T(w); strings.Contains(text, `"`+tr) {
							t.Errorf("a %s digest holds the monthly wording %q", g.period, tr)
						}
					}
					if this := strings.TrimSuffix(loc.T("this month %s"), "%s"); strings.Contains(text, this) {
						t.Errorf("a %s digest holds the monthly wording %q", g.period, this)
					}
				})
			}
		}
	}
}
