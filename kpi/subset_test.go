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
