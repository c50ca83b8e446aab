package kpi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// The synthetic series of the range and structural tests (docs/KPIS.md,
// "Structural"): 3 to 4 years of months, the seasonal pattern trueIndex,
// and either Gaussian noise of 6 to 8 % or Poisson counts of 10 to 20
// deals a month (a small team's won deals).
type synthKind int

const (
	synthGauss synthKind = iota
	synthPoisson
)

// synthSeries returns one series of kind and seed and its true expected
// values.
func synthSeries(kind synthKind, seed uint64) (y, truth []float64) {
	r := rand.New(rand.NewPCG(seed, uint64(17+kind)))
	n := 36 + r.IntN(13)
	y, truth = make([]float64, n), make([]float64, n)
	noise := 0.06 + 0.02*r.Float64()
	lambda := 10 + 10*r.Float64()
	for i := range y {
		switch kind {
		case synthGauss:
			truth[i] = 1000 * trueIndex[i%12]
			y[i] = truth[i] * (1 + noise*r.NormFloat64())
		case synthPoisson:
			truth[i] = lambda * trueIndex[i%12]
			y[i] = float64(poisson(r, truth[i]))
		}
	}
	return y, truth
}

// poisson draws a Poisson count of mean lambda (Knuth; lambda is small).
func poisson(r *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// paramsFor returns monthly baseline parameters long enough for y.
func paramsFor(y []float64) *baselineParams {
	bp := monthlyParams()
	bp.seasons = bp.seasons[:0]
	for i := range y {
		bp.seasons = append(bp.seasons, i%12)
	}
	return bp
}

// TestRangeCoverage: the usual range is an honest ~80 % interval: on
// stable series, 75 to 85 % of the months it is computed for (held out of
// the fit: each month's fit ends k months before it) fall inside it.
func TestRangeCoverage(t *testing.T) {
	for _, kind := range []synthKind{synthGauss, synthPoisson} {
		in, n := 0, 0
		for seed := range uint64(500) {
			y, _ := synthSeries(kind, seed)
			bp := paramsFor(y)
			for tt := 24; tt < len(y); tt++ {
				b := computeBaseline(y, tt, tt-12, bp, nil)
				if b.Method != MethodSeasonal {
					continue
				}
				n++
				if math.Abs(y[tt]/b.Value-1) <= b.Spread {
					in++
				}
			}
		}
		share := float64(in) / float64(n)
		t.Logf("kind %d: %d of %d held-out months inside the usual range (%.1f %%)", kind, in, n, 100*share)
		if share < 0.75 || share > 0.85 {
			t.Errorf("kind %d: %.1f %% of held-out months inside the usual range, want 75-85 %%", kind, 100*share)
		}
	}
}

// TestStructuralFalseMarks: on stable series (6-8 % noise, and Poisson
// counts of 10-20 deals a month), fewer than 1 structural mark per 100
// series-months scored (months 25 onwards), over 1,000 seeds each.
func TestStructuralFalseMarks(t *testing.T) {
	for _, kind := range []synthKind{synthGauss, synthPoisson} {
		marks, months := 0, 0
		for seed := range uint64(1000) {
			y, _ := synthSeries(kind, seed)
			bp := paramsFor(y)
			for tt := 24; tt < len(y); tt++ {
				months++
				if computeBaseline(y, tt, tt-12, bp, nil).Structural == crm.TriTrue {
					marks++
				}
			}
		}
		t.Logf("kind %d: %d structural marks in %d stable series-months (%.2f per 100)", kind, marks, months, 100*float64(marks)/float64(months))
		if marks*100 >= months {
			t.Errorf("kind %d: %d marks in %d stable series-months, want < 1 per 100", kind, marks, months)
		}
	}
}

// TestStructuralBreakAndDip: a permanent −35 % break at month 28 or later
// (6-8 % noise) is marked by its third month in at least 90 % of 1,000
// seeds, and a one-month dip (−40 % or −60 %, at month 28 or later and at
// months 28, 32 and 36) never completes a structural run: no window that
// holds it is marked when the same window of the series without the dip
// is not.
func TestStructuralBreakAndDip(t *testing.T) {
	const seeds = 1000
	found, dipMarks, dipWindows := 0, 0, 0
	for seed := range uint64(seeds) {
		base, _ := synthSeries(synthGauss, seed)
		bp := paramsFor(base)
		r := rand.New(rand.NewPCG(seed, 99))
		at := 27 + r.IntN(len(base)-27-2) // 0-based: month 28 or later, three months before the end
		broken := append([]float64(nil), base...)
		for i := at; i < len(broken); i++ {
			broken[i] *= 0.65
		}
		for tt := at; tt <= at+2; tt++ {
			if computeBaseline(broken, tt, tt-12, bp, nil).Structural == crm.TriTrue {
				found++
				break
			}
		}
		for _, pos := range []int{at, 27, 31, 35} {
			for _, depth := range []float64{0.4, 0.6} {
				dipped := append([]float64(nil), base...)
				dipped[pos] *= 1 - depth
				for tt := pos; tt < min(pos+DefaultStructuralK, len(base)); tt++ {
					dipWindows++
					if computeBaseline(dipped, tt, tt-12, bp, nil).Structural == crm.TriTrue &&
						computeBaseline(base, tt, tt-12, bp, nil).Structural != crm.TriTrue {
						dipMarks++
						t.Errorf("seed %d: a one-month −%.0f %% dip at month %d completed a structural run at month %d", seed, 100*depth, pos+1, tt+1)
					}
				}
			}
		}
	}
	t.Logf("−35 %% break marked within 3 months in %d of %d series; one-month dips marked in %d of %d windows that hold one", found, seeds, dipMarks, dipWindows)
	if found*10 < 9*seeds {
		t.Errorf("−35 %% break marked within 3 months in %d of %d series, want >= 90 %%", found, seeds)
	}
}

// TestStructuralRunIsALevelShift pins the rule on a noise-free series: three
// months at −30 % are structural; two months just beyond the threshold
// with a −45 % month between or after them are not (the −45 % month is
// farther from the run's median than that median from the expectation),
// and neither is a run with one period on the other side.
func TestStructuralRunIsALevelShift(t *testing.T) {
	bp := monthlyParams()
	clean := make([]float64, 48)
	for i := range clean {
		// A small alternating wobble gives the fit residuals, hence a
		// threshold (2 % at least).
		clean[i] = 1000 * trueIndex[i%12] * (1 + 0.01*float64(1-2*(i%2)))
	}
	thr := computeBaseline(clean, 47, 35, bp, nil).Threshold
	if !(thr > 0 && thr < 0.1) {
		t.Fatalf("threshold %v, want a small positive one", thr)
	}
	near := 1 - (thr + 0.03) // just beyond the threshold
	for _, c := range []struct {
		name string
		devs [3]float64 // factors of months 46, 47, 48
		want crm.Tri
	}{
		{"three months at −30 %", [3]float64{0.7, 0.7, 0.7}, crm.TriTrue},
		{"a deepening fall", [3]float64{0.75, 0.7, 0.62}, crm.TriTrue},
		{"three months up 30 %", [3]float64{1.3, 1.3, 1.3}, crm.TriTrue},
		{"a dip last", [3]float64{near, near, 0.55}, crm.TriFalse},
		{"a dip first", [3]float64{0.55, near, near}, crm.TriFalse},
		{"a dip between", [3]float64{near, 0.4, near}, crm.TriFalse},
		{"one period on the other side", [3]float64{0.7, 1.3, 0.7}, crm.TriFalse},
		{"one period within", [3]float64{0.7, 1, 0.7}, crm.TriFalse},
	} {
		y := append([]float64(nil), clean...)
		for i, f := range c.devs {
			y[45+i] *= f
		}
		if got := computeBaseline(y, 47, 35, bp, nil).Structural; got != c.want {
			t.Errorf("%s: structural %v, want %v (threshold %.3f)", c.name, got, c.want, thr)
		}
	}
}
