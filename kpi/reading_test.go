package kpi

import (
	"math"
	"testing"
)

// TestReadingStates reads the planted stories of TestDiagnosisStories:
// the collapsed rep is beyond their range in December with the run
// counted from the deviations (October, November, December: 3 running,
// since 2017-10), and the steady team's December, inside its range and
// high as the season wants, may be called seasonal. Across every
// reading, "seasonal" is never said of a value outside its range, and
// the states agree with the numbers they carry.
func TestReadingStates(t *testing.T) {
	const seeds = 10
	oct, _ := ParsePeriod("2017-10", 1)
	dec, _ := ParsePeriod("2017-12", 1)
	runs, seasonal, inRange := 0, 0, 0
	for seed := range uint64(seeds) {
		for _, st := range []story{storySteady, storyCollapse} {
			r, err := Compute(storyTeam(st, seed), Request{Period: dec})
			if err != nil {
				t.Fatal(err)
			}
			for _, rd := range r.Findings.Readings {
				checkReading(t, rd)
			}
			switch st {
			case storyCollapse:
				rd := r.Reading(ScopeRep, "rep0@x", WonRevenue)
				if rd == nil || (rd.State != StateOutside && rd.State != StateStructural) {
					t.Errorf("seed %d: collapsed rep read %+v, want outside or structural", seed, rd)
					continue
				}
				if rd.Running == 3 && rd.Since == oct {
					runs++
				} else {
					t.Logf("seed %d: collapsed rep running %d since %v", seed, rd.Running, rd.Since)
				}
			case storySteady:
				rd := r.Reading(ScopeTeam, "T", WonRevenue)
				if rd.Value >= rd.Low && rd.Value <= rd.High {
					inRange++
					if rd.Seasonal {
						seasonal++
					}
				}
			}
		}
	}
	t.Logf("collapse counted 3 running since 2017-10 in %d of %d seeds; steady December in range %d times, seasonal %d", runs, seeds, inRange, seasonal)
	if runs*10 < 9*seeds {
		t.Errorf("the collapse's run counted right in %d of %d seeds, want >= 90 %%", runs, seeds)
	}
	if inRange == 0 || seasonal*10 < 9*inRange {
		t.Errorf("a steady December in range read seasonal %d of %d times, want >= 90 %%", seasonal, inRange)
	}
}

// checkReading asserts that a reading's state agrees with its numbers.
func checkReading(t *testing.T, rd Reading) {
	t.Helper()
	if rd.State == StateNone {
		if !math.IsNaN(rd.Expected) && rd.Coverage == "" && rd.Running != 0 {
			t.Errorf("%s %s %s: state none with a run %d", rd.Kind, rd.Key, rd.Metric, rd.Running)
		}
		return
	}
	outside := rd.Value < rd.Low || rd.Value > rd.High
	switch rd.State {
	case StateOutside, StateStructural:
		if !outside || rd.Running < 1 || rd.Since.Kind == 0 {
			t.Errorf("%s %s %s: %s but value %v in [%v, %v], running %d since %v", rd.Kind, rd.Key, rd.Metric, rd.State, rd.Value, rd.Low, rd.High, rd.Running, rd.Since)
		}
	case StateWithin, StateWithinOff, StateBack:
		if outside || rd.Running != 0 {
			t.Errorf("%s %s %s: %s but value %v outside [%v, %v] or running %d", rd.Kind, rd.Key, rd.Metric, rd.State, rd.Value, rd.Low, rd.High, rd.Running)
		}
		if (rd.State == StateWithinOff) != (math.Abs(rd.Deviation) >= OffExpectation) && rd.State != StateBack {
			t.Errorf("%s %s %s: %s with deviation %v", rd.Kind, rd.Key, rd.Metric, rd.State, rd.Deviation)
		}
	}
	if rd.Seasonal && outside {
		t.Errorf("%s %s %s: seasonal said of a value outside its range", rd.Kind, rd.Key, rd.Metric)
	}
	// The ±X printed is the range's half-width on the value's side.
	want := math.Min(rd.Expected-rd.Low, rd.High-rd.Expected) / rd.Expected
	switch {
	case rd.Value < rd.Expected:
		want = (rd.Expected - rd.Low) / rd.Expected
	case rd.Value > rd.Expected:
		want = (rd.High - rd.Expected) / rd.Expected
	}
	if math.Abs(rd.Variation-want) > 1e-9 || rd.Low < 0 {
		t.Errorf("%s %s %s: variation %v for range [%v, %v] around %v", rd.Kind, rd.Key, rd.Metric, rd.Variation, rd.Low, rd.High, rd.Expected)
	}
}

// TestVariationWithinClampedRange: a range wider than its expectation
// (relative half-width 1.22, as a few random organisations of
// TestClaimsHold produced) stops at zero, and the usual variation a
// sentence prints below the expectation is what that range shows, 100 %
// at most, not "±122 %"; above the expectation it is the upper side's.
// A narrow range stays symmetric.
func TestVariationWithinClampedRange(t *testing.T) {
	for _, c := range []struct {
		value, spread  float64
		low, variation float64
	}{
		{value: 40, spread: 1.22, low: 0, variation: 1},
		{value: 180, spread: 1.22, low: 0, variation: 1.22},
		{value: 80, spread: 0.3, low: 70, variation: 0.3},
		{value: 120, spread: 0.3, low: 70, variation: 0.3},
	} {
		v := &Value{Value: c.value, Baseline: Baseline{Method: MethodSeasonal, Value: 100, Spread: c.spread, Index: 1}}
		v.Range = rangeOf(v.Baseline.Value, v.Baseline.Spread)
		v.Baseline.Deviation = c.value/100 - 1
		rd := readingOf(&Result{}, &Scope{Kind: ScopeTeam, Key: "T"}, WonRevenue, v)
		if rd.Low != c.low || math.Abs(rd.Variation-c.variation) > 1e-12 {
			t.Errorf("value %v, spread %v: range [%v, %v], variation %v; want low %v, variation %v",
				c.value, c.spread, rd.Low, rd.High, rd.Variation, c.low, c.variation)
		}
		if rd.Value < rd.Expected && rd.Expected*(1-rd.Variation) < 0 {
			t.Errorf("value %v: ±%v would reach below zero", c.value, rd.Variation)
		}
		checkReading(t, rd)
	}
}
