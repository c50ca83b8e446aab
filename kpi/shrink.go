package kpi

import "math"

// smoothHarmonics is the number of Fourier harmonics of the smooth
// seasonal profile the raw indices are shrunk toward (fewer for short
// seasons: at most (m − 1) / 2, so that the profile is smoother than the
// raw indices).
const smoothHarmonics = 2

// levelSpan is the number of seasons whose deseasonalised values make the
// recent level: two years rather than one halve the level's noise, and
// the fit ends k periods before the period under test anyway, so a break
// still shows in full for its first k periods.
const levelSpan = 2

// shrinkIndex pulls each raw seasonal index idx[j] (the mean of
// ratio[2j+1] detrended ratios, whose sum of squares is ratio[2m+j])
// toward a smooth profile of the season: a least-squares fit of a few
// Fourier harmonics to all the ratios. It is an empirical Bayes
// (James–Stein) estimate: the pull is strong when the ratios of a season
// scatter much (σ², the pooled within-season variance) compared with how
// far the raw indices stand from the profile beyond that scatter (τ²),
// and weak when the pattern is sharp and the noise low. With two or three
// years of history each raw index averages two or three ratios, and the
// noise of each year would otherwise go straight into next year's
// expectation.
func shrinkIndex(idx, ratio []float64, m int, fs *fitScratch) {
	if len(fs.prior) == m {
		shrinkToward(idx, ratio, m, fs.prior, 0)
		return
	}
	k := min(smoothHarmonics, (m-1)/2)
	p := 1 + 2*k
	if k < 1 || m <= p {
		return
	}
	if _, ok := withinVariance(idx, ratio, m); !ok {
		return
	}
	// Weighted least squares of the season means on the Fourier basis
	// (weights: counts), by the normal equations (p <= 9).
	var a [9][10]float64
	// The basis table is the same for every fit of a season length: it is
	// kept in the scratch (a Compute makes tens of thousands of fits).
	if fs.basisM != m || len(fs.basis) != m*p {
		fs.basisM = m
		fs.basis = make([]float64, m*p)
		for j := range m {
			for q := range p {
				v := 1.0
				if q > 0 {
					x := 2 * math.Pi * float64((q+1)/2) * float64(j) / float64(m)
					v = math.Sin(x)
					if q%2 == 1 {
						v = math.Cos(x)
					}
				}
				fs.basis[j*p+q] = v
			}
		}
	}
	basis := func(j, q int) float64 { return fs.basis[j*p+q] }
	for j := range m {
		w := ratio[2*j+1]
		for q := range p {
			bq := basis(j, q)
			for r := range p {
				a[q][r] += w * bq * basis(j, r)
			}
			a[q][p] += w * bq * idx[j]
		}
	}
	coef, ok := solve(a[:p], p)
	if !ok {
		return
	}
	smooth := grow(&fs.smooth, m)
	for j := range m {
		sm := 0.0
		for q := range p {
			sm += coef[q] * basis(j, q)
		}
		smooth[j] = sm
	}
	shrinkToward(idx, ratio, m, smooth, p)
}

// withinVariance is the pooled within-season variance of the ratios
// (ok false with fewer than two degrees of freedom).
func withinVariance(idx, ratio []float64, m int) (float64, bool) {
	ss, n := 0.0, 0.0
	for j := range m {
		c := ratio[2*j+1]
		ss += ratio[2*m+j] - c*idx[j]*idx[j]
		n += c
	}
	if n-float64(m) < 2 {
		return 0, false
	}
	return math.Max(ss/(n-float64(m)), 0), true
}

// shrinkToward pulls the raw indices toward target (a smooth profile
// fitted with p parameters, or the parent scope's indices with p = 0) by the
// empirical Bayes weight τ² / (τ² + σ²/n) of each season.
func shrinkToward(idx, ratio []float64, m int, target []float64, p int) {
	sigma2, ok := withinVariance(idx, ratio, m)
	if !ok || m <= p {
		return
	}
	dev, meanVar := 0.0, 0.0
	for j := range m {
		dev += (idx[j] - target[j]) * (idx[j] - target[j])
		meanVar += sigma2 / ratio[2*j+1]
	}
	tau2 := math.Max(dev/float64(m-p)-meanVar/float64(m), 0)
	for j := range m {
		v := sigma2 / ratio[2*j+1]
		w := 0.0
		if tau2+v > 0 {
			w = tau2 / (tau2 + v)
		}
		idx[j] = target[j] + w*(idx[j]-target[j])
	}
}

// solve solves the p×p system in a (augmented with its right-hand side in
// column p) by Gaussian elimination with partial pivoting.
func solve(a [][10]float64, p int) ([9]float64, bool) {
	var x [9]float64
	for c := range p {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		if math.Abs(a[piv][c]) < 1e-12 {
			return x, false
		}
		a[c], a[piv] = a[piv], a[c]
		for r := c + 1; r < p; r++ {
			f := a[r][c] / a[c][c]
			for q := c; q <= p; q++ {
				a[r][q] -= f * a[c][q]
			}
		}
	}
	for r := p - 1; r >= 0; r-- {
		s := a[r][p]
		for q := r + 1; q < p; q++ {
			s -= a[r][q] * x[q]
		}
		x[r] = s / a[r][r]
	}
	return x, true
}
