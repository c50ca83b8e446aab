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
	if math.Abs(rd.Variation-(rd.High-rd.Low)/(2*rd.Expected)) > 1e-9 {
		t.Errorf("%s %s %s: variation %v for range [%v, %v] around %v", rd.Kind, rd.Key, rd.Metric, rd.Variation, rd.Low, rd.High, rd.Expected)
	}
}
