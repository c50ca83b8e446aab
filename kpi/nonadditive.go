package kpi

import (
	"slices"

	"github.com/crmdigest/crmdigest/crm"
)

// cycleMedians returns the median sales cycle of each period of the
// series, from the won deals of the scope's owners: a counting sort by
// period, then a quickselect per period.
func (e *engine) cycleMedians(w *scopeWork, sc *scratch) []float64 {
	counts := make([]int, e.c.np+1)
	total := 0
	for _, mi := range w.members {
		for _, o := range e.dir.members[mi].owners {
			for _, ce := range e.c.cycles[o] {
				if ce.inCut {
					counts[ce.bucket+1]++
					total++
				}
			}
		}
	}
	for b := 1; b < len(counts); b++ {
		counts[b] += counts[b-1]
	}
	days := grow(&sc.days, total)
	next := slices.Clone(counts)
	for _, mi := range w.members {
		for _, o := range e.dir.members[mi].owners {
			for _, ce := range e.c.cycles[o] {
				if ce.inCut {
					days[next[ce.bucket]] = float64(ce.days)
					next[ce.bucket]++
				}
			}
		}
	}
	out := nanSlice(e.h)
	for i := range e.h {
		if lo, hi := counts[i+1], counts[i+2]; hi > lo {
			out[i] = median(days[lo:hi])
		}
	}
	return out
}

// saturation returns, at the end of each period, the mean over the
// scope's accounts (those it has won a deal from by then) of the share of
// the catalogue each account has bought (from anyone) by then.
func (e *engine) saturation(w *scopeWork, sc *scratch) []float64 {
	c := e.c
	sc.stamp++
	sc.touched = sc.touched[:0]
	for _, mi := range w.members {
		for _, o := range e.dir.members[mi].owners {
			for _, ae := range c.accounts[o] {
				a := ae.account
				if sc.accStamp[a] != sc.stamp {
					sc.accStamp[a] = sc.stamp
					sc.accFirst[a] = ae.day
					sc.touched = append(sc.touched, a)
				} else if ae.day < sc.accFirst[a] {
					sc.accFirst[a] = ae.day
				}
			}
		}
	}
	// Events in buckets, then running totals read like the stocks.
	accFull, accCut := make([]float64, c.np), make([]float64, c.np)
	prodFull, prodCut := make([]float64, c.np), make([]float64, c.np)
	put := func(full, cut []float64, d crm.Day) {
		b, inCut, ok := c.locate(d)
		if !ok {
			return
		}
		full[b]++
		if inCut {
			cut[b]++
		}
	}
	for _, a := range sc.touched {
		first := sc.accFirst[a]
		put(accFull, accCut, first)
		for _, pd := range c.prodFirst[a] {
			put(prodFull, prodCut, max(pd, first))
		}
	}
	cat := float64(catalogueSize(e.ds))
	out := nanSlice(e.h)
	runA, runP := accFull[0], prodFull[0]
	for i := range e.h {
		na, np := runA+accCut[i+1], runP+prodCut[i+1]
		if na > 0 {
			out[i] = np / (na * cat)
		}
		runA += accFull[i+1]
		runP += prodFull[i+1]
	}
	return out
}
