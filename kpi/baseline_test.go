package kpi

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// trueIndex is a known monthly seasonal pattern (mean 1): low summer, high
// year end.
var trueIndex = []float64{0.85, 0.9, 1.05, 1.0, 1.0, 0.95, 0.8, 0.7, 1.05, 1.1, 1.2, 1.4}

func monthlyParams() *baselineParams {
	bp := &baselineParams{m: 12, k: DefaultStructuralK, factor: DefaultStructuralFactor, usualN: 8, minThr: 0.02}
	for i := range 48 {
		bp.seasons = append(bp.seasons, i%12)
	}
	return bp
}

// seasonalSeries returns 4 years of level × index × (1 + 5 % Gaussian noise).
func seasonalSeries(r *rand.Rand, level float64) []float64 {
	y := make([]float64, 48)
	for i := range y {
		y[i] = level * trueIndex[i%12] * (1 + 0.05*r.NormFloat64())
	}
	return y
}

func TestSeasonalIndexMeanIsOne(t *testing.T) {
	sum := 0.0
	for _, v := range trueIndex {
		sum += v
	}
	if math.Abs(sum-12) > 1e-9 {
		t.Fatalf("test indices sum to %v, want 12", sum)
	}
}

func TestSeasonalBaselineAccuracy(t *testing.T) {
	bp := monthlyParams()
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		y := seasonalSeries(r, 1000)
		var errSum float64
		for tt := 36; tt < 48; tt++ {
			b := computeBaseline(y, tt, tt-12, bp, nil)
			if b.Method != MethodSeasonal {
				t.Fatalf("seed %d period %d: method %v, want seasonal", seed, tt, b.Method)
			}
			truth := 1000 * trueIndex[tt%12]
			errSum += math.Abs(b.Value-truth) / truth
		}
		if avg := errSum / 12; avg > 0.05 {
			t.Errorf("seed %d: mean relative error of the baseline over the last year = %.3f, want <= 0.05", seed, avg)
		}
	}
}

// TestStructuralShiftAndDip runs 200 seeds: a permanent 30 % shift from
// period 38 must be marked by period 40 (its third period) in at least
// 90 % of them, and a one-month 40 % dip must never add a mark that the
// same series without the dip does not have in the windows that contain
// it.
func TestStructuralShiftAndDip(t *testing.T) {
	bp := monthlyParams()
	const seeds = 200
	detected, dipMarks := 0, 0
	for seed := range uint64(seeds) {
		r := rand.New(rand.NewPCG(seed, 2))
		base := seasonalSeries(r, 1000)

		shifted := append([]float64(nil), base...)
		for i := 38; i < 48; i++ {
			shifted[i] *= 1.3
		}
		b := computeBaseline(shifted, 40, 28, bp, nil)
		if b.Structural == crm.TriTrue {
			detected++
			if b.Deviation <= 0 {
				t.Errorf("seed %d: an upward shift marked with deviation %.3f", seed, b.Deviation)
			}
		}

		dipped := append([]float64(nil), base...)
		dipped[40] *= 0.6
		for tt := 40; tt < 43; tt++ { // the windows that contain the dip
			if computeBaseline(dipped, tt, tt-12, bp, nil).Structural == crm.TriTrue &&
				computeBaseline(base, tt, tt-12, bp, nil).Structural != crm.TriTrue {
				dipMarks++
				t.Errorf("seed %d: the one-month dip led to a structural mark at %d", seed, tt)
			}
		}
	}
	t.Logf("30 %% shift marked within 3 periods in %d of %d series", detected, seeds)
	if detected*10 < 9*seeds {
		t.Errorf("30 %% shift marked within 3 periods in %d of %d series, want >= 90 %%", detected, seeds)
	}
	t.Logf("a one-month 40 %% dip led to %d structural marks in %d series", dipMarks, seeds)
}

func TestBaselineFallbacks(t *testing.T) {
	bp := monthlyParams()
	nan := math.NaN()
	// 14 months of history (like Maven): no seasonal fit, year-ago when present.
	y := make([]float64, 48)
	for i := range y {
		y[i] = nan
	}
	for i := 34; i < 48; i++ {
		y[i] = float64(i)
	}
	b := computeBaseline(y, 47, 35, bp, nil)
	if b.Method != MethodYearAgo || b.Value != 35 || b.Structural != crm.TriUnknown {
		t.Errorf("14 months: %+v, want year_ago 35 and structural not assessed", b)
	}
	// Year ago absent: the trailing mean of the last 8 present periods.
	b = computeBaseline(y, 40, 28, bp, nil)
	want := (34.0 + 35 + 36 + 37 + 38 + 39) / 6
	if b.Method != MethodTrailingMean || math.Abs(b.Value-want) > 1e-12 {
		t.Errorf("7 months: %+v, want trailing_mean %v", b, want)
	}
	if math.Abs(b.Deviation-(40/want-1)) > 1e-12 {
		t.Errorf("deviation %v, want %v", b.Deviation, 40/want-1)
	}
	// No history at all.
	b = computeBaseline(y, 34, 22, bp, nil)
	if b.Method != MethodNone || crm.Has(b.Value) || crm.Has(b.Deviation) {
		t.Errorf("first period: %+v, want none", b)
	}
	// A series of zeros cannot be decomposed multiplicatively: fall back.
	z := make([]float64, 48)
	b = computeBaseline(z, 47, 35, bp, nil)
	if b.Method != MethodYearAgo || b.Value != 0 {
		t.Errorf("zeros: %+v, want year_ago 0", b)
	}
}

func TestExpectedSeries(t *testing.T) {
	bp := monthlyParams()
	y := make([]float64, 48)
	for i := range y {
		y[i] = 100 * trueIndex[i%12]
	}
	e := expectedSeries(y, 47, bp, nil, make([]float64, 48))
	// The window of period i ends k = 3 periods before it.
	for i := 14; i < 48; i++ {
		if math.Abs(e[i]-y[i]) > 1e-6 {
			t.Fatalf("noise-free series: expected[%d] = %v, want %v", i, e[i], y[i])
		}
	}
	if crm.Has(e[13]) {
		t.Errorf("expected[13] = %v, want NaN (no full year before its window)", e[13])
	}
	// The last expectation is the baseline itself.
	y[40] *= 2
	e = expectedSeries(y, 47, bp, nil, make([]float64, 48))
	if b := computeBaseline(y, 47, 35, bp, nil); math.Abs(e[47]-b.Value) > 1e-9 {
		t.Errorf("expected[47] = %v, baseline %v", e[47], b.Value)
	}
}

func TestStructuralFalseAlarmRate(t *testing.T) {
	bp := monthlyParams()
	const seeds = 1000
	alarms := 0
	for seed := range uint64(seeds) {
		r := rand.New(rand.NewPCG(seed, 3))
		y := seasonalSeries(r, 1000)
		for tt := 36; tt < 48; tt++ {
			if computeBaseline(y, tt, tt-12, bp, nil).Structural == crm.TriTrue {
				alarms++
				break
			}
		}
	}
	t.Logf("%d of %d purely seasonal series got a structural mark in their last year", alarms, seeds)
	if alarms*100 >= 5*seeds {
		t.Errorf("%d of %d purely seasonal series marked structural, want < 5 %%", alarms, seeds)
	}
}

func TestMedianMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for n := 1; n < 60; n++ {
		for range 20 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(r.IntN(10)) // many ties
			}
			s := append([]float64(nil), v...)
			slices.Sort(s)
			want := s[n/2]
			if n%2 == 0 {
				want = (s[n/2-1] + s[n/2]) / 2
			}
			if got := median(v); got != want {
				t.Fatalf("median of %v = %v, want %v", s, got, want)
			}
		}
	}
	if v := trimmedMean([]float64{1, 100, 2, 3, -50}); v != 2 {
		t.Errorf("trimmed mean %v, want 2", v)
	}
}
