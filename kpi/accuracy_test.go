package kpi

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The expectation benchmark of docs/KPIS.md ("How sharp the expectation
// is"): monthly series of 48 months, level 1000 × the known seasonal
// pattern trueIndex × (1 + 6 % Gaussian noise), and the mean absolute
// percentage error of each method's expectation against the true level
// (1000 × index) over the last 12 months, each month's expectation made
// as the baseline makes it (the fit ends k months before the month).
const (
	benchSeeds = 500
	benchNoise = 0.06
	benchLen   = 48
)

// benchSeries returns series seed of the benchmark.
func benchSeries(seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 9))
	y := make([]float64, benchLen)
	for i := range y {
		y[i] = 1000 * trueIndex[i%12] * (1 + benchNoise*r.NormFloat64())
	}
	return y
}

// benchMAPE is the benchmark's error of expect, which returns the
// expectation of y[t] (NaN when it has none: counted as a failure).
func benchMAPE(t *testing.T, expect func(y []float64, t int) float64) float64 {
	sum, n := 0.0, 0
	for seed := range uint64(benchSeeds) {
		y := benchSeries(seed)
		for tt := benchLen - 12; tt < benchLen; tt++ {
			e := expect(y, tt)
			if math.IsNaN(e) {
				t.Fatalf("seed %d month %d: no expectation", seed, tt)
			}
			truth := 1000 * trueIndex[tt%12]
			sum += math.Abs(e-truth) / truth
			n++
		}
	}
	return sum / float64(n)
}

// classicalExpectation is the textbook classical decomposition (FPP3
// §3.4) on y[..t-k]: indices from the mean detrended ratio, level the
// mean deseasonalised value of the fit's last 12 months.
func classicalExpectation(y []float64, t int) float64 {
	s := t - DefaultStructuralK
	x := y[:s+1]
	var ratio, count [12]float64
	for i := 6; i+6 < len(x); i++ {
		c := 0.0
		for j := i - 6; j <= i+6; j++ {
			w := 1.0
			if j == i-6 || j == i+6 {
				w = 0.5
			}
			c += w * x[j]
		}
		c /= 12
		ratio[i%12] += x[i] / c
		count[i%12]++
	}
	var idx [12]float64
	total := 0.0
	for j := range 12 {
		idx[j] = ratio[j] / count[j]
		total += idx[j]
	}
	level := 0.0
	for i := len(x) - 12; i < len(x); i++ {
		level += x[i] / (idx[i%12] * 12 / total)
	}
	level /= 12
	return level * idx[t%12] * 12 / total
}

// TestExpectationBenchmark measures the seasonal expectation against the
// two textbook methods and holds it to its documented bound. Run it with
// -v to see the figures docs/KPIS.md quotes.
func TestExpectationBenchmark(t *testing.T) {
	bp := monthlyParams()
	ours := benchMAPE(t, func(y []float64, tt int) float64 {
		b := computeBaseline(y, tt, tt-12, bp, nil)
		if b.Method != MethodSeasonal {
			return math.NaN()
		}
		return b.Value
	})
	naive := benchMAPE(t, func(y []float64, tt int) float64 { return y[tt-12] })
	classical := benchMAPE(t, classicalExpectation)
	t.Logf("MAPE over the last 12 of 48 months, %d seeds, %.0f %% noise: crmdigest %.2f %%, same month last year %.2f %%, classical decomposition %.2f %%",
		benchSeeds, 100*benchNoise, 100*ours, 100*naive, 100*classical)
	if ours >= classical || ours >= naive {
		t.Errorf("the seasonal expectation (%.2f %%) does not beat the textbook methods (%.2f %%, %.2f %%)", 100*ours, 100*classical, 100*naive)
	}
	// docs/KPIS.md quotes 2.80 %; the 2.5 % the issue asked for is not
	// reached on this pattern (see there why).
	if ours > 0.029 {
		t.Errorf("the seasonal expectation's error is %.2f %%, want <= 2.9 %% (docs/KPIS.md)", 100*ours)
	}
}

// TestExpectationBenchmarkTeam is the benchmark for reps in a team: 500
// seeded teams of five reps, each at their own level (500 to 1,500) ×
// trueIndex × (1 + 6 % noise); each rep's expectation with their raw
// indices shrunk toward the team's (as Compute does), and without.
func TestExpectationBenchmarkTeam(t *testing.T) {
	bp := monthlyParams()
	var fs fitScratch
	pooled, alone, n := 0.0, 0.0, 0
	for seed := range uint64(benchSeeds) {
		r := rand.New(rand.NewPCG(seed, 10))
		levels := make([]float64, 5)
		reps := make([][]float64, 5)
		team := make([]float64, benchLen)
		for i := range reps {
			levels[i] = 500 + 1000*r.Float64()
			reps[i] = make([]float64, benchLen)
			for j := range benchLen {
				reps[i][j] = levels[i] * trueIndex[j%12] * (1 + benchNoise*r.NormFloat64())
				team[j] += reps[i][j]
			}
		}
		for tt := benchLen - 12; tt < benchLen; tt++ {
			fs.prior = nil
			b, fit, ok := baselineFit(team, tt, tt-12, bp, &fs)
			if !ok || b.Method != MethodSeasonal {
				t.Fatalf("seed %d: no team fit", seed)
			}
			prior := append([]float64(nil), fit.index...)
			for i := range reps {
				truth := levels[i] * trueIndex[tt%12]
				fs.prior = prior
				with := computeBaseline(reps[i], tt, tt-12, bp, &fs)
				fs.prior = nil
				without := computeBaseline(reps[i], tt, tt-12, bp, &fs)
				pooled += math.Abs(with.Value-truth) / truth
				alone += math.Abs(without.Value-truth) / truth
				n++
			}
		}
	}
	pooled /= float64(n)
	alone /= float64(n)
	t.Logf("reps of 5-rep teams, %d seeds, %.0f %% noise: MAPE %.2f %% with the team's indices as prior, %.2f %% alone",
		benchSeeds, 100*benchNoise, 100*pooled, 100*alone)
	if pooled > 0.025 || pooled >= alone {
		t.Errorf("pooled rep expectation error %.2f %% (alone %.2f %%), want <= 2.5 %% and better", 100*pooled, 100*alone)
	}
}
