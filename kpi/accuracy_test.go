package kpi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
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
func benchSeries(seed uint64) []float64 { return benchSeriesOf(seed, trueIndex) }

// benchSeriesOf is benchSeries with another seasonal pattern.
func benchSeriesOf(seed uint64, pattern []float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 9))
	y := make([]float64, benchLen)
	for i := range y {
		y[i] = 1000 * pattern[i%12] * (1 + benchNoise*r.NormFloat64())
	}
	return y
}

// benchMAPE is the benchmark's error of expect, which returns the
// expectation of y[t] (NaN when it has none: counted as a failure).
func benchMAPE(t *testing.T, expect func(y []float64, t int) float64) float64 {
	return benchMAPEOf(t, trueIndex, expect)
}

// benchMAPEOf is benchMAPE on series of another seasonal pattern.
func benchMAPEOf(t *testing.T, pattern []float64, expect func(y []float64, t int) float64) float64 {
	sum, n := 0.0, 0
	for seed := range uint64(benchSeeds) {
		y := benchSeriesOf(seed, pattern)
		for tt := benchLen - 12; tt < benchLen; tt++ {
			e := expect(y, tt)
			if math.IsNaN(e) {
				t.Fatalf("seed %d month %d: no expectation", seed, tt)
			}
			truth := 1000 * pattern[tt%12]
			sum += math.Abs(e-truth) / truth
			n++
		}
	}
	return sum / float64(n)
}

// sameMonthMean is the mean of the values of t's month in the fit
// (y[..t-k]). The benchmark's level is constant, so this is the
// expectation of someone who knows the level and estimates the month's
// index from its own values only: the floor of any method that leaves
// each month's index free.
func sameMonthMean(y []float64, t int) float64 {
	sum, n := 0.0, 0
	for i := t - 12; i >= 0; i -= 12 {
		if i <= t-DefaultStructuralK {
			sum += y[i]
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
	// Where the error comes from: the fit's index with the true level,
	// and the fit's level with the true index; and the floor of free
	// monthly indices, each from the three values of its month in the fit.
	var fs fitScratch
	indexOnly := benchMAPE(t, func(y []float64, tt int) float64 {
		_, fit, ok := baselineFit(y, tt, tt-12, bp, &fs)
		if !ok {
			return math.NaN()
		}
		return 1000 * fit.index[tt%12]
	})
	levelOnly := benchMAPE(t, func(y []float64, tt int) float64 {
		_, fit, ok := baselineFit(y, tt, tt-12, bp, &fs)
		if !ok {
			return math.NaN()
		}
		return fit.level * trueIndex[tt%12]
	})
	floor := benchMAPE(t, sameMonthMean)
	t.Logf("index alone %.2f %%, level alone %.2f %%; the month's own values with the level known %.2f %%",
		100*indexOnly, 100*levelOnly, 100*floor)
	for h := 1; h <= 4; h++ {
		t.Logf("trueIndex stands %.1f %% (root mean square) from its best fit by %d harmonics", 100*harmonicDistance(trueIndex, h), h)
	}
	if indexOnly >= floor {
		t.Errorf("the shrunk index errs by %.2f %%, no better than its month's own values (%.2f %%)", 100*indexOnly, 100*floor)
	}
}

// harmonicDistance is the root mean square distance of pattern from its
// least-squares fit by a constant and h Fourier harmonics.
func harmonicDistance(pattern []float64, h int) float64 {
	m, p := len(pattern), 1+2*h
	basis := func(j, q int) float64 {
		if q == 0 {
			return 1
		}
		x := 2 * math.Pi * float64((q+1)/2) * float64(j) / float64(m)
		if q%2 == 1 {
			return math.Cos(x)
		}
		return math.Sin(x)
	}
	a := make([][10]float64, p)
	for j := range m {
		for q := range p {
			for r := range p {
				a[q][r] += basis(j, q) * basis(j, r)
			}
			a[q][p] += basis(j, q) * pattern[j]
		}
	}
	coef, ok := solve(a, p)
	if !ok {
		return math.NaN()
	}
	ss := 0.0
	for j := range m {
		fit := 0.0
		for q := range p {
			fit += coef[q] * basis(j, q)
		}
		ss += (pattern[j] - fit) * (pattern[j] - fit)
	}
	return math.Sqrt(ss / float64(m))
}

// smoothIndex is a seasonal pattern of two harmonics (mean 1): the kind of
// season the shrinkage toward a smooth profile is built for, unlike
// trueIndex's December peak.
var smoothIndex = func() []float64 {
	p := make([]float64, 12)
	for j := range p {
		x := 2 * math.Pi * float64(j) / 12
		p[j] = 1 + 0.15*math.Cos(x-2*math.Pi*11/12) + 0.08*math.Sin(2*x)
	}
	return p
}()

// TestExpectationBenchmarkSmooth runs the benchmark on smoothIndex: there
// the shrinkage beats the floor of free monthly indices that trueIndex
// holds it to.
func TestExpectationBenchmarkSmooth(t *testing.T) {
	bp := monthlyParams()
	var fs fitScratch
	ours := benchMAPEOf(t, smoothIndex, func(y []float64, tt int) float64 {
		b := computeBaseline(y, tt, tt-12, bp, &fs)
		if b.Method != MethodSeasonal {
			return math.NaN()
		}
		return b.Value
	})
	floor := benchMAPEOf(t, smoothIndex, sameMonthMean)
	t.Logf("smooth two-harmonic pattern, %d seeds, %.0f %% noise: crmdigest %.2f %%, the month's own values with the level known %.2f %%",
		benchSeeds, 100*benchNoise, 100*ours, 100*floor)
	if ours >= floor {
		t.Errorf("on a smooth pattern the expectation errs by %.2f %%, no better than free monthly indices with the level known (%.2f %%)", 100*ours, 100*floor)
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

// TestExpectationBenchmarkRegion is the benchmark for teams in a region:
// 500 seeded regions of four teams, each team a series at its own level
// (2,000 to 6,000) × trueIndex × (1 + 6 % noise), the region their sum.
// Each team's expectation with its raw indices shrunk toward the
// region's fitted indices (the region has no parent here: it keeps the
// smooth profile), as Compute does, and alone (toward the smooth profile,
// as Compute did before teams pooled with their region).
func TestExpectationBenchmarkRegion(t *testing.T) {
	pooled, alone := regionBenchmark(t)
	t.Logf("teams of 4-team regions, %d seeds, %.0f %% noise: MAPE %.2f %% with the region's indices as prior, %.2f %% alone",
		benchSeeds, 100*benchNoise, 100*pooled, 100*alone)
	// docs/KPIS.md quotes 1.73 % pooled, 2.81 % alone (Compute before
	// teams pooled with their region).
	if pooled > 0.025 || pooled >= alone {
		t.Errorf("pooled team expectation error %.2f %% (alone %.2f %%), want <= 2.5 %% and better", 100*pooled, 100*alone)
	}
}

// regionBenchmark returns the MAPE of the teams' expectations pooled
// toward their region's indices and alone.
func regionBenchmark(t *testing.T) (pooled, alone float64) {
	bp := monthlyParams()
	var fs fitScratch
	const teams = 4
	n := 0
	for seed := range uint64(benchSeeds) {
		r := rand.New(rand.NewPCG(seed, 11))
		levels := make([]float64, teams)
		ys := make([][]float64, teams)
		region := make([]float64, benchLen)
		for i := range ys {
			levels[i] = 2000 + 4000*r.Float64()
			ys[i] = make([]float64, benchLen)
			for j := range benchLen {
				ys[i][j] = levels[i] * trueIndex[j%12] * (1 + benchNoise*r.NormFloat64())
				region[j] += ys[i][j]
			}
		}
		for tt := benchLen - 12; tt < benchLen; tt++ {
			fs.prior = nil
			b, fit, ok := baselineFit(region, tt, tt-12, bp, &fs)
			if !ok || b.Method != MethodSeasonal {
				t.Fatalf("seed %d: no region fit", seed)
			}
			prior := append([]float64(nil), fit.index...)
			for i := range ys {
				truth := levels[i] * trueIndex[tt%12]
				fs.prior = prior
				with := computeBaseline(ys[i], tt, tt-12, bp, &fs)
				fs.prior = nil
				without := computeBaseline(ys[i], tt, tt-12, bp, &fs)
				pooled += math.Abs(with.Value-truth) / truth
				alone += math.Abs(without.Value-truth) / truth
				n++
			}
		}
	}
	return pooled / float64(n), alone / float64(n)
}

// TestComputePoolsUpTheHierarchy checks that Compute shrinks each scope's
// raw indices toward its parent's fitted indices: a team toward its
// region's, a region toward the organisation's, and that a team alone in
// its region (the same series) pools toward the organisation like its
// region, not toward itself (here that would mostly give the same figure:
// a raw index shrunk toward its own shrunk index keeps little of its own;
// the rule makes the two equal by construction). Region N holds teams A, B, C, D of two reps
// each, region S team E alone; every rep has one won deal a month for
// four years, level × trueIndex × (1 + 6 % noise).
func TestComputePoolsUpTheHierarchy(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 12))
	ds := crm.NewDataset()
	series := map[string][]float64{} // by team, region and "org"
	add := func(key string, i int, v float64) {
		if series[key] == nil {
			series[key] = make([]float64, benchLen)
		}
		series[key][i] += v
	}
	n := 0
	for _, tm := range []struct{ team, region string }{{"A", "N"}, {"B", "N"}, {"C", "N"}, {"D", "N"}, {"E", "S"}} {
		for rep := range 2 {
			name := fmt.Sprintf("%s%d", tm.team, rep)
			ds.People = append(ds.People, crm.Person{Name: name, Email: name + "@x", Role: crm.RoleRep, Team: tm.team, Region: tm.region})
			o := ds.Owners.Intern(name)
			level := 500 + 1000*r.Float64()
			for i := range benchLen {
				amt := math.Round(level * trueIndex[i%12] * (1 + benchNoise*r.NormFloat64()))
				d := crm.DayFromDate(2014+i/12, time.Month(i%12+1), 10)
				ds.Deals = append(ds.Deals, crm.Deal{ID: fmt.Sprint(n), Owner: o, Status: crm.StatusWon, Created: d - 5, Closed: d,
					Amount: amt, Margin: math.NaN(), Probability: math.NaN(), Currency: crm.NoID, Account: crm.NoID, Product: crm.NoID, Stage: crm.NoID})
				n++
				add(tm.team, i, amt)
				add(tm.region, i, amt)
				add("org", i, amt)
			}
		}
	}
	ds.MarkFields(crm.KindDeals, "owner", "status", "created", "closed", "amount")
	res := mustCompute(t, ds, "2017-12", crm.NoDay, Options{})

	// Compute's series: its last h months (as Compute sizes them).
	opt := Options{}.withDefaults()
	h := max(opt.HistoryN, opt.UsualN+1, 13, 2*12+opt.StructuralK+structuralSpan(12)+1)
	bp := monthlyParams()
	for i := range bp.seasons {
		bp.seasons[i] = (benchLen - h + i) % 12
	}
	tt := h - 1
	fit := func(key string, prior []float64) (float64, []float64) {
		fs := fitScratch{prior: prior}
		b, f, ok := baselineFit(series[key][benchLen-h:], tt, tt-12, bp, &fs)
		if !ok {
			t.Fatalf("%s: no fit", key)
		}
		return b.Value, slices.Clone(f.index)
	}
	orgVal, orgIdx := fit("org", nil)
	_, nIdx := fit("N", orgIdx)
	sVal, _ := fit("S", orgIdx)
	check := func(kind ScopeKind, key string, want float64, what string) {
		t.Helper()
		got := value(t, res, kind, key, WonRevenue).Baseline.Value
		if math.Abs(got-want) > 1e-6*want {
			t.Errorf("%s %s: expectation %.3f, want %.3f (%s)", kind, key, got, want, what)
		}
	}
	check(ScopeOrg, OrgKey, orgVal, "the smooth profile")
	nVal, _ := fit("N", orgIdx)
	check(ScopeRegion, "N", nVal, "shrunk toward the organisation's indices")
	for _, team := range []string{"A", "B", "C", "D"} {
		pooled, _ := fit(team, nIdx)
		alone, _ := fit(team, nil)
		if math.Abs(pooled-alone) < 1e-3*alone {
			t.Fatalf("team %s: pooled and alone agree (%.3f): the test cannot tell them apart", team, pooled)
		}
		check(ScopeTeam, team, pooled, "shrunk toward region N's indices")
	}
	check(ScopeRegion, "S", sVal, "shrunk toward the organisation's indices")
	check(ScopeTeam, "E", sVal, "alone in region S: toward the organisation's indices, as S")
}
