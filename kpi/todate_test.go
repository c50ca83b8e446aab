package kpi

import (
	"math"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// TestToDateExpectationFollowsWorkingDays: the seasonal expectation of a
// month- or quarter-to-date moves with the working days elapsed,
// not with last year's deals of one day: from Friday 24 November 2017 to
// the Saturday or Sunday after it changes by less than 0.5 %; to the
// Monday, by one working day's share of the whole period's expectation,
// ± 1 point. (Halves take the same path; the synthetic organisation's
// three years are too short for a seasonal fit of halves.)
func TestToDateExpectationFollowsWorkingDays(t *testing.T) {
	ds := synthOrg(100, 40_000, 20_000, 2_000, 5)
	fri := crm.DayFromDate(2017, 11, 24)
	for _, id := range []string{"2017-11", "2017-Q4"} {
		p, err := ParsePeriod(id, 1)
		if err != nil {
			t.Fatal(err)
		}
		exp := map[int]*Result{}
		for _, off := range []int{0, 1, 2, 3} {
			r, err := Compute(ds, Request{Period: p, AsOf: fri + crm.Day(off)})
			if err != nil {
				t.Fatal(err)
			}
			exp[off] = r
		}
		whole := float64(workingDays(p.Start(), p.FullEnd()))
		checked := 0
		for _, s := range exp[0].Scopes {
			if s.Kind == ScopeRep {
				continue
			}
			for _, name := range []string{WonRevenue, WonDeals, NewOpportunities, Calls} {
				v0 := s.Values[name]
				if v0 == nil || v0.Baseline.Method != MethodSeasonal {
					continue
				}
				at := func(off int) float64 {
					v := exp[off].Scope(s.Kind, s.Key).Values[name]
					if v == nil || v.Baseline.Method != MethodSeasonal {
						t.Fatalf("%s %s %s: no seasonal expectation %d days after Friday", id, s.Key, name, off)
					}
					return v.Baseline.Value
				}
				fr := at(0)
				for _, off := range []int{1, 2} {
					if d := math.Abs(at(off)/fr - 1); d >= 0.005 {
						t.Errorf("%s %s %s: the expectation moves %.2f %% from Friday to %d days later, want < 0.5 %%", id, s.Key, name, 100*d, off)
					}
				}
				// One working day's share of the whole period's expectation.
				wholeExp := fr / elapsedShare(exp[0].Period)
				step := (at(3) - fr) / wholeExp
				if math.Abs(step-1/whole) > 0.01 {
					t.Errorf("%s %s %s: Friday to Monday adds %.2f %% of the period's expectation, want %.2f ± 1 point", id, s.Key, name, 100*step, 100/whole)
				}
				checked++
			}
		}
		if checked == 0 {
			t.Fatalf("%s: no seasonal expectation to check", id)
		}
		t.Logf("%s: %d expectations checked", id, checked)
	}
}
