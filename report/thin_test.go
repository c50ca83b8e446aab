package report

import (
	"maps"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/demo"
	"github.com/crmdigest/crmdigest/locale"
)

// honest checks a digest model for fabricated numbers: every absent
// figure is written in words, never as a number.
func honest(t *testing.T, d *Digest) {
	t.Helper()
	loc := locale.New(d.Locale)
	for _, bl := range d.Blocks {
		for _, b := range bl.Bullets {
			if math.IsNaN(float64(b.Actual)) && b.Value != loc.NotAvailable() {
				t.Errorf("%s: absent value shown as %q", b.Label, b.Value)
			}
			if b.Comparison == "" {
				t.Errorf("%s: a figure without comparison", b.Label)
			}
		}
		for _, k := range bl.KPIs {
			if k.Comparison == "" {
				t.Errorf("%s = %s: a figure without comparison", k.Label, k.Value)
			}
		}
	}
	for _, s := range append([]string{d.Headline}, d.Sources...) {
		if strings.Contains(s, "NaN") || strings.Contains(s, "%!") {
			t.Errorf("bad text %q", s)
		}
	}
}

// renderAll renders a digest model and its PDF, checks both and returns
// the PDF's text.
func renderAll(t *testing.T, s *Set, p *crm.Person) (*Digest, string) {
	t.Helper()
	d, pdf := render(t, s, p)
	honest(t, d)
	text := pdfText(t, pdf)
	for _, bad := range []string{"NaN", "%!", "+Inf"} {
		if strings.Contains(text, bad) {
			t.Errorf("PDF text contains %q", bad)
		}
	}
	return d, strings.ReplaceAll(text, "\n", " ")
}

func person(t *testing.T, ds *crm.Dataset, email string) *crm.Person {
	t.Helper()
	p, err := FindPerson(ds, email)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewRepWithoutHistory(t *testing.T) {
	d := demoData()
	p := person(t, d.Dataset, d.NewRep)
	en := *p
	en.Locale = "en"
	dg, text := renderAll(t, sets(t)[KindRep], &en)
	if !strings.Contains(text, "no history yet") {
		t.Errorf("the new rep's digest does not say there is no history yet:\n%s", text)
	}
	_ = dg
}

// withoutActivities returns a copy of ds as if no activity export had
// been configured.
func withoutActivities(ds *crm.Dataset) *crm.Dataset {
	c := *ds
	c.Activities = nil
	c.Fields = maps.Clone(ds.Fields)
	delete(c.Fields, crm.KindActivities)
	c.Quality = nil
	for _, q := range ds.Quality {
		if q.Kind != crm.KindActivities {
			c.Quality = append(c.Quality, q)
		}
	}
	return &c
}

func TestNoActivityExport(t *testing.T) {
	ds := withoutActivities(demoData().Dataset)
	for _, k := range []Kind{KindRep, KindManager} {
		s := ss(t, ds, k, "2026-W48", Options{Now: demoNow})
		p := *Recipients(ds, k)[0]
		p.Locale = "en"
		_, text := renderAll(t, s, &p)
		if !strings.Contains(text, "No activity data in this export") {
			t.Errorf("%s digest does not say the activity export is missing", k)
		}
		if k == KindRep && strings.Contains(text, "Calls") {
			t.Errorf("rep digest shows calls without an activity export")
		}
		// Without activities nothing is known to be overdue: the
		// headline must not say there is nothing (it does with them).
		d, err := s.Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		if k == KindRep && strings.Contains(d.Headline, "overdue") {
			t.Errorf("rep headline speaks of overdue actions without an activity export: %q", d.Headline)
		}
	}
	withActs := ss(t, demoData().Dataset, KindRep, "2026-W48", Options{Now: demoNow})
	said := 0
	for _, p := range Recipients(demoData().Dataset, KindRep) {
		q := *p
		q.Locale = "en"
		d, err := withActs.Digest(&q)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(d.Headline, "overdue") {
			said++
		}
	}
	if said == 0 {
		t.Error("no demo rep headline speaks of overdue actions although the export has activities")
	}
}

func TestTeamOfOne(t *testing.T) {
	d := demo.Build(demo.Options{Reps: 3})
	for _, k := range []Kind{KindManager, KindDirector, KindRep} {
		id := demoPeriods[k]
		s := ss(t, d.Dataset, k, id, Options{Now: demoNow, TeamRank: true})
		for _, p := range Recipients(d.Dataset, k) {
			dg, _ := renderAll(t, s, p)
			if k == KindManager {
				rows := 0
				for _, b := range dg.Blocks {
					if b.Table != nil {
						rows = len(b.Table.Rows)
					}
				}
				if rows != 1 {
					t.Errorf("%s: %d rows in the rep table of a team of one", p.Name, rows)
				}
			}
		}
	}
}

func TestMonthWithoutDeals(t *testing.T) {
	src := demoData().Dataset
	ds := *src
	oct := func(d crm.Day) bool { y, m, _ := d.Date(); return d.Valid() && y == 2026 && m == time.October }
	ds.Deals = nil
	for _, d := range src.Deals {
		if !oct(d.Closed) && !oct(d.Created) {
			ds.Deals = append(ds.Deals, d)
		}
	}
	s := ss(t, &ds, KindDirector, "2026-10", Options{Now: demoNow})
	head := Recipients(&ds, KindDirector)[0]
	en := *head
	en.Locale = "en"
	dg, text := renderAll(t, s, &en)
	// Nothing was won in October: a real zero, with its comparisons.
	zero := locale.New("en").Money(0, "EUR", 0)
	if !strings.Contains(dg.Headline, "won revenue "+zero) {
		t.Errorf("headline %q does not report the real zero", dg.Headline)
	}
	if !strings.Contains(text, "Previous month") {
		t.Error("no comparison with the previous month")
	}
}

func TestMaven(t *testing.T) {
	ds := maven(t)
	opts := Options{Now: mavenNow}
	rep := ss2(t, ds, KindRep, "2017-W52", opts)
	agents := Recipients(ds, KindRep)
	if len(agents) == 0 {
		t.Fatal("no agents in the Maven directory")
	}
	_, text := renderAll(t, rep, agents[0])
	for _, want := range []string{"No activity data in this export", "no target set"} {
		if !strings.Contains(text, want) {
			t.Errorf("Maven rep digest lacks %q", want)
		}
	}
	dir := ss2(t, ds, KindDirector, "2017-12", opts)
	head := person(t, ds, "head.of.sales@maventech.example.com")
	_, text = renderAll(t, dir, head)
	if !strings.Contains(text, "Not enough history for a seasonal") {
		t.Errorf("Maven director digest does not say the history is too short:\n%s", text)
	}
	mgr := ss2(t, ds, KindManager, "2017-12", opts)
	for _, p := range Recipients(ds, KindManager) {
		renderAll(t, mgr, p)
	}
}

func ss2(t *testing.T, ds *crm.Dataset, k Kind, id string, o Options) *Set {
	t.Helper()
	s, err := NewSet(ds, k, pid(id), mavenAsOf, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
