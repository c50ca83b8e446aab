package kpi_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/sources"
)

// mavenDir holds the real Maven export (../shared/data/maven-crm, copied).
const mavenDir = "../testdata/maven-crm"

func loadMaven(t *testing.T) *crm.Dataset {
	t.Helper()
	if _, err := os.Stat(filepath.Join(mavenDir, "sales_pipeline.csv")); err != nil {
		t.Skipf("Maven export not found in %s: copy ../shared/data/maven-crm there", mavenDir)
	}
	specs := []sources.Spec{
		{Name: "deals", Kind: crm.KindDeals, Preset: "maven", Path: filepath.Join(mavenDir, "sales_pipeline.csv")},
		{Name: "teams", Kind: crm.KindPeople, Preset: "maven", Path: filepath.Join(mavenDir, "sales_teams.csv")},
		{Name: "people", Kind: crm.KindPeople, Preset: "maven", Path: filepath.Join(mavenDir, "people.csv")},
		{Name: "products", Kind: sources.KindProducts, Preset: "maven", Path: filepath.Join(mavenDir, "products.csv")},
	}
	ds, err := sources.Load(context.Background(), specs, sources.Options{Currency: "USD"})
	if err != nil {
		t.Fatalf("load Maven: %v", err)
	}
	return ds
}

func compute(t *testing.T, ds *crm.Dataset, id string) *kpi.Result {
	t.Helper()
	p, err := kpi.ParsePeriod(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := kpi.Compute(ds, kpi.Request{Period: p})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestMavenWonRevenue checks kpi's roll-up against the facts of
// SOURCE.md: won revenue per manager's team and per regional office.
func TestMavenWonRevenue(t *testing.T) {
	ds := loadMaven(t)
	r := compute(t, ds, "2017")
	want := map[kpi.ScopeKind]map[string]float64{
		kpi.ScopeTeam: {"Melvin Marxen": 2251930, "Summer Sewald": 1964750, "Rocco Neubert": 1960545,
			"Celia Rouche": 1603897, "Cara Losch": 1130049, "Dustin Brinkmann": 1094363},
		kpi.ScopeRegion: {"West": 3568647, "Central": 3346293, "East": 3090594},
		kpi.ScopeOrg:    {"all": 10005534},
	}
	for kind, m := range want {
		for key, v := range m {
			s := r.Scope(kind, key)
			if s == nil || s.Values[kpi.WonRevenue] == nil {
				t.Errorf("%s %s: no won revenue", kind, key)
				continue
			}
			if got := s.Values[kpi.WonRevenue].Value; got != v {
				t.Errorf("%s %s: won revenue %.0f, want %.0f", kind, key, got, v)
			}
		}
	}
	if v := r.Scope(kpi.ScopeOrg, "all").Values[kpi.WinRate].Value; math.Abs(v-0.6315) > 0.00005 {
		t.Errorf("win rate %.5f, want 0.6315", v)
	}
	// Agents who own no deal have 0, not a missing figure, this period.
	if s := r.Scope(kpi.ScopeRep, "carl.lin@maventech.example.com"); s == nil || s.Values[kpi.WonRevenue] == nil || s.Values[kpi.WonRevenue].Value != 0 {
		t.Errorf("Carl Lin (no deals): %+v", s)
	}
	if u := r.Scope(kpi.ScopeTeam, kpi.Unassigned); u != nil {
		t.Errorf("every Maven agent is in the directory, yet an unassigned team exists: %v", u.Members)
	}
	// What Maven lacks is absent, not 0.
	for _, m := range []string{kpi.GrossMargin, kpi.Calls, kpi.Meetings, kpi.TargetAttainment, kpi.InvoicedVolume, kpi.NewLeads} {
		if r.Absent[m] == "" {
			t.Errorf("%s is not reported absent", m)
		}
	}
	for _, rec := range r.Records() {
		if rec.Metric == kpi.GrossMargin || rec.Metric == kpi.Calls {
			t.Fatalf("record for a metric Maven cannot support: %+v", rec)
		}
	}
}

// TestMavenNotEnoughHistory: about 14 months give no seasonal baseline
// and no structural mark anywhere, but a year-ago value where the data
// has one.
func TestMavenNotEnoughHistory(t *testing.T) {
	ds := loadMaven(t)
	r := compute(t, ds, "2017-12")
	for _, rec := range r.Records() {
		if rec.BaselineMethod == "seasonal" || rec.Structural != nil {
			t.Fatalf("Maven has ~14 months, yet: %+v", rec)
		}
	}
	// Closed deals per close month, 2017-03 .. 2017-12 (SOURCE.md).
	org := r.Scope(kpi.ScopeOrg, "all")
	// Open deals' values are blank in Maven: the pipeline has a count
	// (all 2,089 open deals on the last day) but no value.
	if v := org.Values[kpi.PipelineValue]; v != nil {
		t.Errorf("pipeline value %v, want absent: Maven leaves open deals' values blank", v.Value)
	}
	if v := org.Values[kpi.PipelineCount]; v == nil || v.Value != 2089 {
		t.Errorf("pipeline count %v, want the 2,089 open deals", v)
	}
	won, lost := org.Values[kpi.WonDeals].History.Values, org.Values[kpi.LostDeals].History.Values
	wantMonths := []float64{647, 586, 805, 641, 627, 785, 635, 566, 768, 651}
	n := len(r.History)
	for i, w := range wantMonths {
		j := n - len(wantMonths) + i
		if got := won[j] + lost[j]; got != w {
			t.Errorf("closed in %s: %v, want %v", r.History[j], got, w)
		}
	}
	// Before the first close date there is no data: absent, not 0.
	if j := n - len(wantMonths) - 1; crm.Has(won[j]) {
		t.Errorf("won deals in %s = %v, want absent (first close 2017-03-01)", r.History[j], won[j])
	}

	// The export's deals start on 20 Oct 2016 (the first engage date):
	// 2016-Q4 holds ten weeks, not a quarter, so 2017-Q4 has no year-ago
	// figure, and its note says why (docs/KPIS.md, "Coverage").
	first, firstClose := crm.Day(math.MaxInt32), crm.Day(math.MaxInt32)
	for _, d := range ds.Deals {
		if d.Created.Valid() {
			first = min(first, d.Created)
		}
		if d.Closed.Valid() {
			firstClose = min(firstClose, d.Closed)
		}
	}
	q := compute(t, ds, "2017-Q4")
	v := q.Scope(kpi.ScopeOrg, "all").Values[kpi.NewOpportunities]
	wantNote := "the export's deals start on " + first.Time().Format("2 Jan 2006")
	if crm.Has(v.YearAgo) || v.Coverage != wantNote || v.CoveredFrom != first {
		t.Errorf("2017-Q4 new opportunities: year ago %v, coverage %q from %v; want absent, %q", v.YearAgo, v.Coverage, v.CoveredFrom, wantNote)
	}
	y := compute(t, ds, "2017").Scope(kpi.ScopeOrg, "all").Values[kpi.NewOpportunities]
	if crm.Has(y.YearAgo) || y.Coverage != wantNote {
		t.Errorf("2017 new opportunities: year ago %v (coverage %q), want absent: 2016 holds ten weeks", y.YearAgo, y.Coverage)
	}
	// 2017-Q1 holds March only (the first close): 2017-Q2's won revenue
	// has no previous quarter, and its usual level does not count Q1.
	q2 := compute(t, ds, "2017-Q2")
	w := q2.Scope(kpi.ScopeOrg, "all").Values[kpi.WonRevenue]
	if crm.Has(w.Previous) || crm.Has(w.Usual) || w.Coverage == "" || w.CoveredFrom != firstClose {
		t.Errorf("2017-Q2 won revenue: previous %v, usual %v, coverage %q from %v; want absent, absent, a note from %v",
			w.Previous, w.Usual, w.Coverage, w.CoveredFrom, firstClose)
	}
	// A month after the export's last row: its figures are no month's.
	last := crm.Day(0)
	for _, q := range ds.Quality {
		if q.Kind != crm.KindPeople && q.Kind != crm.KindTargets && q.Last.Valid() {
			last = max(last, q.Last)
		}
	}
	after := kpi.Containing(kpi.Month, last+40)
	if a := compute(t, ds, after.ID()).Scope(kpi.ScopeOrg, "all").Values[kpi.WonRevenue]; a == nil ||
		a.Coverage != "the export ends on "+last.Time().Format("2 Jan 2006") {
		t.Errorf("%s won revenue %+v, want a note that the export ends on %v", after, a, last)
	}
	if rd := q2.Reading(kpi.ScopeOrg, "all", kpi.WonRevenue); rd == nil || rd.Coverage != w.Coverage {
		t.Errorf("2017-Q2 won revenue reading %+v, want the value's coverage note", rd)
	}
	for _, rec := range q.Records() {
		if rec.Scope == "org" && rec.Metric == kpi.WonRevenue && rec.YearAgo != nil {
			t.Errorf("2017-Q4 won revenue has a year-ago value %v, but nothing closed before 2017-03", *rec.YearAgo)
		}
	}
}
