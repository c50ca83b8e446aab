package kpi

import (
	"math"
	"testing"
	"time"

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

// TestWorkingDaysCountsEachDay: the closed form counts what a walk over
// the days, asking each one's weekday, counts: every span of up to 40
// days starting on each day of four weeks around 1970-01-01 (negative day
// numbers included), around 2026 and in the year 2400, and a span of
// centuries.
func TestWorkingDaysCountsEachDay(t *testing.T) {
	walk := func(a, b crm.Day) int {
		n := 0
		for d := a; d <= b; d++ {
			if wd := d.Time().Weekday(); wd >= time.Monday && wd <= time.Friday {
				n++
			}
		}
		return n
	}
	for _, base := range []crm.Day{-30, crm.DayFromDate(2026, 11, 20), crm.DayFromDate(2400, 2, 20), -800_000} {
		for a := base; a < base+28; a++ {
			for b := a - 2; b < a+40; b++ {
				if got, want := workingDays(a, b), walk(a, b); got != want {
					t.Fatalf("workingDays(%s, %s) = %d, a walk over the days counts %d", a, b, got, want)
				}
			}
		}
	}
	a, b := crm.DayFromDate(1900, 1, 1), crm.DayFromDate(2200, 12, 31)
	if got, want := workingDays(a, b), walk(a, b); got != want {
		t.Fatalf("workingDays over three centuries = %d, a walk counts %d", got, want)
	}
}
