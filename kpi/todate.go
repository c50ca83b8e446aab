package kpi

import (
	"math"

	"github.com/crmdigest/crmdigest/crm"
)

// sumsOverDays reports whether a metric sums over the days of a period, so
// that a to-date value grows with the share of the period elapsed: won
// revenue, counts of deals and activities; not ratios, averages, cycle
// times or stocks.
func sumsOverDays(mt Metric) bool {
	return !mt.Stock && (mt.Unit == UnitCurrency || mt.Unit == UnitCount) && mt.Name != AvgDealSize
}

// workingDays counts the Monday-to-Friday days from a to b included (no
// public holidays: the export carries no calendar).
func workingDays(a, b crm.Day) int {
	if b < a {
		return 0
	}
	return int(workdaysBefore(int64(b)+1) - workdaysBefore(int64(a)))
}

// workdaysBefore counts the Monday-to-Friday days from Monday 5 January
// 1970 (day 4) up to day d excluded, negative before it: whole weeks
// count five, the days of a last part week up to five. A loop over the
// days asked time.Weekday of every one of them, which Compute did millions
// of times (kpi's CPU profile).
func workdaysBefore(d int64) int64 {
	k := d - 4 // days since a Monday
	w := k / 7
	if k%7 < 0 {
		w-- // floor division for days before 1970
	}
	return 5*w + min(k-7*w, 5)
}

// elapsedShare is the share of period p elapsed at its cut, in working
// days: 1 for a whole period. A cut that falls on a weekend adds nothing
// to the Friday before it, so the expectation of a to-date does not move
// over a weekend, and one working day adds one working day's share.
func elapsedShare(p Period) float64 {
	if !p.IsToDate() {
		return 1
	}
	all := workingDays(p.Start(), p.FullEnd())
	if all == 0 {
		return float64(p.Days()) / float64(int(p.FullEnd()-p.Start())+1)
	}
	return float64(workingDays(p.Start(), p.End())) / float64(all)
}

// toDateBaseline is the baseline of a to-date value y[t] of an additive
// metric. The seasonal expectation is fitted on the whole periods (full:
// every period complete, the request's own one excepted) and scaled by
// the working-day share elapsed (shares[t]): it does not follow last
// year's deals of one particular day. The series under test is full for
// the past periods and the request's to-date value extrapolated at its
// working-day pace (y[t] / shares[t]), so the structural rule reads whole
// periods. The range widens by 1 / √share: a part of a period is noisier
// than a whole one (Poisson-like counts). Without a seasonal fit it falls
// back to computeBaseline on the cut series.
func toDateBaseline(y, full, shares []float64, t, yearAgo int, bp *baselineParams, fs *fitScratch, s []float64) (Baseline, seasonalFit, bool) {
	sh := shares[t]
	if sh <= 0 || !crm.Has(y[t]) {
		return baselineFit(y, t, yearAgo, bp, fs)
	}
	copy(s, full[:t])
	s[t] = y[t] / sh
	b, fit, ok := baselineFit(s[:t+1], t, yearAgo, bp, fs)
	if !ok {
		return baselineFit(y, t, yearAgo, bp, fs)
	}
	b.Value *= sh
	b.Spread = math.Min(b.Spread/math.Sqrt(sh), 1)
	b.Deviation = math.NaN()
	if b.Value != 0 {
		b.Deviation = y[t]/b.Value - 1
	}
	return b, fit, true
}
