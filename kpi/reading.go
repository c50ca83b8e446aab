package kpi

import (
	"math"

	"github.com/crmdigest/crmdigest/crm"
)

// State is what one value says against its seasonal expectation. Tables
// and sentences take their words from the state only, so that a reading
// never says "seasonal" of a value outside the usual range.
type State string

// The states of a Reading.
const (
	// StateNone: no expectation (not enough history, a period the export
	// only partly covers); Reading.Coverage says why when it is known.
	StateNone State = "none"
	// StateWithin: inside the usual range and less than OffExpectation
	// away from the expectation.
	StateWithin State = "within"
	// StateWithinOff: inside the usual range but OffExpectation (15 %) or
	// more away from the expectation: "below (above) expectation, within
	// usual variation (±Variation)".
	StateWithinOff State = "within_off"
	// StateOutside: beyond the usual range; Running periods in a row,
	// since Since.
	StateOutside State = "outside"
	// StateStructural: a lasting break, dated Break; Running and Since
	// count the periods beyond the range since it.
	StateStructural State = "structural"
	// StateBack: inside the usual range again after one or more periods
	// beyond it (Since is the first period of that run).
	StateBack State = "back"
)

// OffExpectation is the relative distance from the expectation from which
// a value inside the usual range still reads "below/above expectation".
const OffExpectation = 0.15

// RangeCoverage is the share of values the usual range is built to hold
// when nothing has changed (an 80 % prediction interval).
const RangeCoverage = 0.80

// Reading is the reading of one metric of one scope in one period (the
// Result's Period) against its seasonal expectation. Findings.Readings
// holds one for every scope (reps included) and metric with a value.
type Reading struct {
	Kind   ScopeKind
	Key    string
	Metric string
	// Period is the period read (the Result's Period, to-date or whole).
	Period Period
	// State is what the value says; see the State constants.
	State State
	// Value is the scope's value; Expected the expectation it is read
	// against (NaN with StateNone); Low and High the usual range around
	// it, an honest ~80 % interval (RangeCoverage): about one period in
	// five falls outside it when nothing has changed.
	Value, Expected, Low, High float64
	// Deviation is Value / Expected − 1 (NaN without an expectation).
	Deviation float64
	// Variation is the range's half-width relative to the expectation,
	// the X of "within usual variation (±X %)", on the value's side of
	// the expectation: (Expected − Low) / Expected below it, (High −
	// Expected) / Expected above it, the smaller of the two when equal.
	// The range is symmetric unless its low end was clamped at zero (see
	// rangeOf), so this is (High − Low) / (2 × Expected) except for a
	// range wider than the expectation itself, where the low side is
	// 100 % at most: a usual variation of ±122 % would say the value
	// could usually fall below zero, which no metric can.
	Variation float64
	// Direction is −1 below the expectation, +1 above, 0 when equal or
	// not assessed.
	Direction int
	// Running is the number of consecutive periods, ending with this one,
	// whose value lies beyond the usual range on the same side, counted
	// from the deviations themselves (not from the lagging structural
	// marks); 0 inside the range.
	Running int
	// Since is the first period of that run (StateOutside,
	// StateStructural) or of the run that just ended (StateBack); the
	// zero Period otherwise.
	Since Period
	// Ended and EndedSide are, for StateBack, the length of the run that
	// just ended and its side (−1 below the range, +1 above); 0 otherwise.
	Ended, EndedSide int
	// Break is the period a structural break is dated from (the first
	// period of the run that made it structural); zero otherwise.
	Break Period
	// Seasonal is true when the seasonal pattern itself explains the move
	// against the non-seasonal level (Expected / seasonal index): the
	// value is within range of its seasonal expectation, and both the
	// value and the index stand 5 % or more away from that level on the
	// same side. Only then may a sentence say "seasonal".
	Seasonal bool
	// Coverage says why a comparison is missing or was left out, e.g.
	// "the export starts on 20 Oct 2016"; "" when nothing is missing.
	Coverage string
	// CoverageDetail is Coverage in fields, for a report to translate.
	CoverageDetail Coverage `json:"-"`

	// Reading is the old three-way word: "structural", "cyclical" or
	// "not_assessed". Deprecated: use State; kept until the report
	// package no longer reads it.
	Reading string
	// Threshold is the old structural threshold. Deprecated: use Low and
	// High.
	Threshold float64
	// Marked lists the history periods marked structural (teams, regions
	// and the organisation).
	Marked []Period
}

// Reading returns the reading of one metric of one scope, or nil.
func (r *Result) Reading(kind ScopeKind, key, metric string) *Reading {
	s := r.index[scopeRef{kind, key}]
	if s == nil {
		if s = r.dropped[scopeRef{kind, key}]; s == nil {
			return nil
		}
	}
	if r.repOnDemand && s.Kind == ScopeRep {
		v := s.Values[metric]
		if v == nil || !s.InExport || !r.findingsDone {
			return nil
		}
		rd := readingOf(r, s, metric, v)
		return &rd
	}
	rs := r.Findings.Readings[s.readFrom : s.readFrom+s.readN]
	for i := range rs {
		if rs[i].Metric == metric {
			return &rs[i]
		}
	}
	return nil
}

// indexReadings records where each scope's readings are in
// Findings.Readings (findings writes them scope by scope). Until it has
// run, Reading finds none.
func (r *Result) indexReadings() {
	r.findingsDone = true
	rs := r.Findings.Readings
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && rs[j].Kind == rs[i].Kind && rs[j].Key == rs[i].Key {
			j++
		}
		if s := r.index[scopeRef{rs[i].Kind, rs[i].Key}]; s != nil {
			s.readFrom, s.readN = int32(i), int32(j-i)
		}
		i = j
	}
}

// readingOf builds the reading of a value of scope s in r.
func readingOf(r *Result, s *Scope, name string, v *Value) Reading {
	rd := Reading{Kind: s.Kind, Key: s.Key, Metric: name, Period: r.Period, State: StateNone,
		Value: v.Value, Expected: math.NaN(), Low: math.NaN(), High: math.NaN(),
		Deviation: math.NaN(), Variation: math.NaN(), Reading: "not_assessed",
		Threshold: v.Baseline.Threshold, Coverage: v.Coverage, CoverageDetail: v.CoverageDetail}
	switch v.Baseline.Structural {
	case crm.TriTrue:
		rd.Reading = "structural"
	case crm.TriFalse:
		rd.Reading = "cyclical"
	}
	for i, st := range v.History.Structural {
		if st == crm.TriTrue {
			rd.Marked = append(rd.Marked, r.History[i])
		}
	}
	b := v.Baseline
	if b.Method != MethodSeasonal || !crm.Has(b.Value) || b.Value <= 0 || !crm.Has(v.Value) {
		return rd
	}
	rd.Expected, rd.Deviation = b.Value, b.Deviation
	rd.Low, rd.High = v.Range.Low, v.Range.High
	below, above := (rd.Expected-rd.Low)/rd.Expected, (rd.High-rd.Expected)/rd.Expected
	rd.Variation = math.Min(below, above)
	switch {
	case v.Value < rd.Expected:
		rd.Direction, rd.Variation = -1, below
	case v.Value > rd.Expected:
		rd.Direction, rd.Variation = 1, above
	}
	// Run of periods beyond the range on the same side, from the
	// deviations of the history against its own ranges.
	hv, lo, hi := v.History.Values, v.History.Low, v.History.High
	side := func(i int) int {
		if i < 0 || i >= len(hv) || i >= len(lo) || !crm.Has(hv[i]) || !crm.Has(lo[i]) || !crm.Has(hi[i]) {
			return 0
		}
		switch {
		case hv[i] < lo[i]:
			return -1
		case hv[i] > hi[i]:
			return 1
		}
		return 0
	}
	last := len(hv) - 1
	cur := side(last)
	run := func(end, sd int) int {
		n := 0
		for i := end; i >= 0 && side(i) == sd; i-- {
			n++
		}
		return n
	}
	switch {
	case cur != 0:
		rd.State = StateOutside
		rd.Running = run(last, cur)
		if i := last - rd.Running + 1; i >= 0 && i < len(r.History) {
			rd.Since = r.History[i]
		}
	case last > 0 && side(last-1) != 0:
		rd.State = StateBack
		rd.EndedSide = side(last - 1)
		rd.Ended = run(last-1, rd.EndedSide)
		if i := last - rd.Ended; i >= 0 && i < len(r.History) {
			rd.Since = r.History[i]
		}
	case math.Abs(rd.Deviation) >= OffExpectation:
		rd.State = StateWithinOff
	default:
		rd.State = StateWithin
	}
	if b.Structural == crm.TriTrue && cur != 0 {
		rd.State = StateStructural
		rd.Break = rd.Since
	}
	// "Seasonal" only when the seasonal index explains the move: the
	// value is inside the range of its seasonal expectation, and it
	// stands away from the non-seasonal level (expected / index) the way
	// the index pulls, by a visible amount.
	if cur == 0 && crm.Has(b.Index) && b.Index > 0 {
		pull, move := b.Index-1, v.Value/(rd.Expected/b.Index)-1
		rd.Seasonal = math.Abs(pull) >= 0.05 && math.Abs(move) >= 0.05 && (pull < 0) == (move < 0)
	}
	return rd
}

// rangeOf is the usual range around an expectation e whose relative
// half-width is w (NaN bounds when either is absent). Its low end stops
// at zero: every metric is an amount, a count, a rate or a duration, and
// a noisy series (w > 1) would otherwise show a range below zero.
func rangeOf(e, w float64) Range {
	if !crm.Has(e) || !crm.Has(w) {
		return Range{Low: math.NaN(), High: math.NaN()}
	}
	return Range{Low: math.Max(e*(1-w), 0), High: e * (1 + w)}
}
