package charts

import "math"

// NiceTicks returns evenly spaced tick values covering [lo, hi], at most
// max of them (at least 2), whose step is 1, 2, 2.5 or 5 times a power of
// ten. The first tick is <= lo and the last >= hi. A zero-width range is
// widened (to [0, 1] for 0, else by 10 % of the value each side) and NaN
// or infinite bounds give [0, 1], so the result always has two ticks or
// more and a positive step.
func NiceTicks(lo, hi float64, max int) []float64 { return niceTicks(lo, hi, max, false) }

// niceTicks is NiceTicks; with integer set the step is a whole number (no
// "2.5 calls" on an axis of counts).
func niceTicks(lo, hi float64, max int, integer bool) []float64 {
	if bad(lo) || bad(hi) {
		lo, hi = 0, 1
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	if hi == lo {
		if lo == 0 {
			hi = 1
		} else {
			pad := math.Abs(lo) * 0.1
			lo, hi = lo-pad, hi+pad
		}
	}
	if max < 2 {
		max = 2
	}
	raw := (hi - lo) / float64(max-1)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	var step float64
	for _, m := range []float64{1, 2, 2.5, 5, 10, 20} {
		step = m * mag
		if integer && (step < 1 || step != math.Trunc(step)) {
			continue
		}
		if int(math.Ceil(hi/step-1e-9)-math.Floor(lo/step+1e-9))+1 <= max {
			break
		}
	}
	if integer && step < 1 {
		step = 1
	}
	first := math.Floor(lo/step + 1e-9)
	last := math.Ceil(hi/step - 1e-9)
	dec := stepDecimals(step)
	p := math.Pow10(dec)
	ticks := make([]float64, 0, int(last-first)+1)
	for i := first; i <= last; i++ {
		t := math.Round(i*step*p) / p
		if t == 0 {
			t = 0 // no -0
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// stepDecimals returns the number of decimals needed to write multiples
// of step exactly (0 for 5, 1 for 0.5 or 2.5, 2 for 0.25).
func stepDecimals(step float64) int {
	for dec := 0; dec < 10; dec++ {
		p := math.Pow10(dec)
		if math.Abs(step*p-math.Round(step*p)) < 1e-9*p {
			return dec
		}
	}
	return 10
}

// barTicks returns the ticks of a value axis of bars: it always includes 0
// so that bar lengths compare truthfully.
func barTicks(vs []float64, max int, integer bool) []float64 {
	lo, hi, ok := extent(vs)
	if !ok {
		lo, hi = 0, 0
	}
	return niceTicks(math.Min(lo, 0), math.Max(hi, 0), max, integer)
}
