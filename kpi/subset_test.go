package kpi

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// valueDump prints a value in full, every history slice included (%v
// writes floats in their shortest exact form, NaN as NaN).
func valueDump(v *Value) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%+v", *v)
}

// TestMetricsSubset checks that a Result limited to a few metrics
// (Request.Metrics) holds, for every scope, exactly the values and
// readings of those metrics that the full Result holds, and nothing else.
func TestMetricsSubset(t *testing.T) {
	medium := synthOrg(20, 5_000, 40_000, 2_000, 3)
	random := randomDataset(rand.New(rand.NewPCG(5, 7)))
	subsets := [][]string{
		{WonRevenue, GrossMargin, PipelineValue, Calls, Meetings},
		{SalesCycleMedian, TargetAttainment, CrossSellSaturation, WinRate},
		{WonRevenue},
	}
	cases := []struct {
		ds  *crm.Dataset
		ids []string
	}{
		{medium, []string{"2017-11", "2017-W48", "2017-Q4..2017-11-15", "2017-H2..2017-11-29", "2017"}},
		{random, []string{"2017-12", "2018-Q1..2018-02-28"}},
	}
	for _, c := range cases {
		for _, id := range c.ids {
			p, err := ParsePeriod(id, 0)
			if err != nil {
				t.Fatal(err)
			}
			full := mustCompute(t, c.ds, id, crm.NoDay, Options{})
			for _, names := range subsets {
				sub, err := Compute(c.ds, Request{Period: p, Metrics: names})
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, m := range full.Metrics {
					if slices.Contains(names, m.Name) {
						want = append(want, m.Name)
					}
				}
				var got []string
				for _, m := range sub.Metrics {
					got = append(got, m.Name)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%s %v: metrics %v, want %v", id, names, got, want)
				}
				if len(sub.Scopes) != len(full.Scopes) {
					t.Fatalf("%s %v: %d scopes, want %d", id, names, len(sub.Scopes), len(full.Scopes))
				}
				compared := 0
				for i, s := range sub.Scopes {
					fs := full.Scopes[i]
					if s.Kind != fs.Kind || s.Key != fs.Key {
						t.Fatalf("%s: scope %d is %s %q, want %s %q", id, i, s.Kind, s.Key, fs.Kind, fs.Key)
					}
					if len(s.Values) > len(names) {
						t.Fatalf("%s %v: scope %q holds %d values", id, names, s.Key, len(s.Values))
					}
					for _, name := range want {
						if g, w := valueDump(s.Values[name]), valueDump(fs.Values[name]); g != w {
							t.Fatalf("%s %s %q %s:\n got %s\nwant %s", id, s.Kind, s.Key, name, g, w)
						}
						gr, wr := sub.Reading(s.Kind, s.Key, name), full.Reading(s.Kind, s.Key, name)
						if (gr == nil) != (wr == nil) || gr != nil && fmt.Sprintf("%+v", *gr) != fmt.Sprintf("%+v", *wr) {
							t.Fatalf("%s %s %q %s: reading\n got %+v\nwant %+v", id, s.Kind, s.Key, name, gr, wr)
						}
						if s.Values[name] != nil {
							compared++
						}
					}
				}
				if compared == 0 {
					t.Fatalf("%s %v: no value compared", id, names)
				}
			}
		}
	}
}

// TestReadingLookup checks Result.Reading against Findings.Readings: every
// reading is found at its own place, and a metric a scope has no reading
// of (no value, or a rep without rows) gives nil, as the (scope, metric)
// map it replaced did; and the scopes a Request.Scopes leaves out keep
// their readings findable, as before.
func TestReadingLookup(t *testing.T) {
	ds := synthOrg(20, 5_000, 40_000, 2_000, 3)
	for _, id := range []string{"2017-11", "2017-Q4..2017-11-15"} {
		r := mustCompute(t, ds, id, crm.NoDay, Options{})
		want := map[[3]string]*Reading{}
		for i := range r.Findings.Readings {
			rd := &r.Findings.Readings[i]
			want[[3]string{rd.Kind.String(), rd.Key, rd.Metric}] = rd
		}
		if len(want) != len(r.Findings.Readings) || len(want) == 0 {
			t.Fatalf("%s: %d readings, %d distinct", id, len(r.Findings.Readings), len(want))
		}
		found := 0
		for _, s := range r.Scopes {
			for _, mt := range Catalogue {
				got := r.Reading(s.Kind, s.Key, mt.Name)
				if w := want[[3]string{s.Kind.String(), s.Key, mt.Name}]; got != w {
					t.Fatalf("%s %s %q %s: reading %p, want %p", id, s.Kind, s.Key, mt.Name, got, w)
				}
				if got != nil {
					found++
				}
			}
		}
		if found != len(want) {
			t.Fatalf("%s: found %d readings of %d", id, found, len(want))
		}
		if r.Reading(ScopeRep, "nobody@x", WonRevenue) != nil {
			t.Fatal("a reading of an unknown scope")
		}
	}
	p, err := ParsePeriod("2017-11", 0)
	if err != nil {
		t.Fatal(err)
	}
	teams, err := Compute(ds, Request{Period: p, Scopes: []ScopeKind{ScopeTeam}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range teams.Findings.Readings {
		rd := &teams.Findings.Readings[i]
		if teams.Reading(rd.Kind, rd.Key, rd.Metric) != rd {
			t.Fatalf("%s %q %s: not found after Request.Scopes", rd.Kind, rd.Key, rd.Metric)
		}
		if rd.Kind == ScopeRep {
			n++
		}
	}
	if n == 0 {
		t.Fatal("no rep reading kept to look up")
	}
}

// TestRepReadingsOnDemand checks that a Result made with
// Request.RepReadingsOnDemand gives for every scope and metric the same
// reading as one that stores them all, and that its Findings.Readings are
// the stored ones without the reps', in the same order.
func TestRepReadingsOnDemand(t *testing.T) {
	medium := synthOrg(20, 5_000, 40_000, 2_000, 3)
	random := randomDataset(rand.New(rand.NewPCG(11, 7)))
	for _, c := range []struct {
		ds *crm.Dataset
		id string
	}{{medium, "2017-11"}, {medium, "2017-W48"}, {medium, "2017-Q4..2017-11-15"}, {random, "2018-Q1..2018-02-28"}} {
		p, err := ParsePeriod(c.id, 0)
		if err != nil {
			t.Fatal(err)
		}
		full := mustCompute(t, c.ds, c.id, crm.NoDay, Options{})
		lean, err := Compute(c.ds, Request{Period: p, RepReadingsOnDemand: true})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		reps := 0
		for _, rd := range full.Findings.Readings {
			if rd.Kind == ScopeRep {
				reps++
				continue
			}
			want = append(want, fmt.Sprintf("%+v", rd))
		}
		var got []string
		for _, rd := range lean.Findings.Readings {
			got = append(got, fmt.Sprintf("%+v", rd))
		}
		if reps == 0 || !slices.Equal(got, want) {
			t.Fatalf("%s: %d readings kept of %d (%d of reps); they differ", c.id, len(got), len(full.Findings.Readings), reps)
		}
		if g, w := fmt.Sprintf("%+v %+v", lean.Findings.Teams, lean.Findings.Rankings), fmt.Sprintf("%+v %+v", full.Findings.Teams, full.Findings.Rankings); g != w {
			t.Fatalf("%s: team findings or rankings differ", c.id)
		}
		made := 0
		for _, s := range full.Scopes {
			for _, mt := range Catalogue {
				w, g := full.Reading(s.Kind, s.Key, mt.Name), lean.Reading(s.Kind, s.Key, mt.Name)
				if (w == nil) != (g == nil) || w != nil && fmt.Sprintf("%+v", *w) != fmt.Sprintf("%+v", *g) {
					t.Fatalf("%s %s %q %s:\n got %+v\nwant %+v", c.id, s.Kind, s.Key, mt.Name, g, w)
				}
				if g != nil && s.Kind == ScopeRep {
					made++
				}
			}
		}
		if made != reps {
			t.Fatalf("%s: %d rep readings made on demand, %d stored", c.id, made, reps)
		}
	}
}
