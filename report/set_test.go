package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// TestRepSetSubset builds every rep digest of the demo organisation and of
// the Maven export twice: from a rep's set as NewSet makes it (the periods
// to date limited to repToDateMetrics) and from a set computed with every
// metric. The model, the PDF, the email and its chart must be the same
// bytes: the limit may only drop figures no rep digest reads.
func TestRepSetSubset(t *testing.T) { testSetSubset(t, KindRep) }

// TestManagerSetSubset does the same for the managers' reports
// (managerToDateMetrics), the diagnosis's longer periods included.
func TestManagerSetSubset(t *testing.T) { testSetSubset(t, KindManager) }

// TestDirectorSetSubset does the same for the directors' comparisons,
// whose set computes every metric but makes the reps' readings on demand.
func TestDirectorSetSubset(t *testing.T) { testSetSubset(t, KindDirector) }

func testSetSubset(t *testing.T, kind Kind) {
	cases := []struct {
		name  string
		ds    *crm.Dataset
		id    string
		asOf  crm.Day
		opts  Options
		every int // test one rep in every; the PDFs are the slow part
	}{
		{"demo week", demoData().Dataset, "2026-W48", demoAsOf, demoOptions(), 1},
		{"demo month", demoData().Dataset, "2026-10", demoAsOf, Options{Now: demoNow}, 3},
		{"maven week", maven(t), "2017-W52", mavenAsOf, Options{Now: mavenNow, TeamRank: true}, 1},
		{"maven month", maven(t), "2017-11", mavenAsOf, Options{Now: mavenNow, TeamRank: true}, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lean, err := newSet(c.ds, kind, pid(c.id), c.asOf, c.opts, false)
			if err != nil {
				t.Fatal(err)
			}
			full, err := newSet(c.ds, kind, pid(c.id), c.asOf, c.opts, true)
			if err != nil {
				t.Fatal(err)
			}
			reps := Recipients(c.ds, kind)
			if len(reps) == 0 {
				t.Fatal("no recipients")
			}
			for i, p := range reps {
				if i%c.every != 0 {
					continue
				}
				a, b := digestBytes(t, lean, p), digestBytes(t, full, p)
				for k := range a {
					if !bytes.Equal(a[k], b[k]) {
						t.Fatalf("%s: %s differs from the full set's (%d bytes, want %d)", p.Email, k, len(a[k]), len(b[k]))
					}
				}
			}
			if len(lean.diag) != len(full.diag) || len(lean.toDate) != len(full.toDate) {
				t.Fatalf("%d periods to date and %d for the diagnosis, the full set %d and %d", len(lean.toDate), len(lean.diag), len(full.toDate), len(full.diag))
			}
			limited := 0
			leanAll := append([]*kpi.Result{lean.main}, append(slices.Clone(lean.toDate), lean.diag...)...)
			fullAll := append([]*kpi.Result{full.main}, append(slices.Clone(full.toDate), full.diag...)...)
			for i, r := range leanAll {
				if kind == KindDirector {
					break
				}
				f := fullAll[i]
				if len(r.Metrics) >= len(f.Metrics) {
					t.Fatalf("%s: %d metrics, the full set %d", r.Period, len(r.Metrics), len(f.Metrics))
				}
				limited++
			}
			t.Logf("%d results limited (%d for the diagnosis)", limited, len(lean.diag))
			if kind != KindDirector && len(lean.main.Findings.Readings) >= len(full.main.Findings.Readings) {
				t.Fatalf("%d readings held, the full set %d", len(lean.main.Findings.Readings), len(full.main.Findings.Readings))
			}
			if kind == KindRep && limited == 0 {
				t.Fatal("a rep's set without periods to date")
			}
		})
	}
}

// digestBytes is everything a recipient receives from a set: the model as
// JSON, the PDF, the email's fields and its chart.
func digestBytes(t *testing.T, s *Set, p *crm.Person) map[string][]byte {
	t.Helper()
	d, err := s.Digest(p)
	if err != nil {
		t.Fatal(err)
	}
	model, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := d.PDF()
	if err != nil {
		t.Fatal(err)
	}
	email, err := json.Marshal(d.Email())
	if err != nil {
		t.Fatal(err)
	}
	png, alt, err := d.EmailChart()
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{"model": model, "pdf": pdf, "email": email, "chart": append(png, alt...)}
}
