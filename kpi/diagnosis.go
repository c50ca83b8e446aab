package kpi

import (
	"cmp"
	"math"
	"slices"

	"github.com/crmdigest/crmdigest/crm"
)

// Minimum volumes before a diagnosis names anyone: a period whose team
// expects fewer won deals says nothing about anyone, and a rep expecting
// fewer is shown but never flagged.
const (
	MinTeamDeals = 8
	MinRepDeals  = 2
)

// FarBelow is the least shortfall against a rep's own expectation that
// reads "far below" (an individual case). The rep's won deals must also
// be improbably few for their expected number: a Poisson count of mean
// the expectation would fall this low less than farP of the time, so
// that a rep with an ordinary bad month is not singled out.
const (
	FarBelow = 0.40
	farP     = 0.002
)

// ManagerDiagnosis is the diagnosis of one team's won revenue on one
// period shared with the manager's rep table.
type ManagerDiagnosis struct {
	Team string
	// Period is the shortest of the candidate periods (week,
	// month-to-date, quarter-to-date, half-to-date) in which the team's
	// expected won deals reach MinTeamDeals, the team has a seasonal
	// expectation and at least half of its reps in the export can be
	// assessed (see RepDiagnosis.Assessed); the zero Period when none
	// does (Kind is then DiagnosisNotAssessed and Note says why). The rep
	// table should show this period and name it in its heading.
	Period Period
	// Kind is DiagnosisGeneral (most assessed reps below their own range
	// and the team below its range), DiagnosisIndividual (one or two reps
	// far below their own expectation: named), DiagnosisNone (the team
	// within or above its range, nobody far below), DiagnosisMixed (the
	// team below its range without either pattern) or
	// DiagnosisNotAssessed.
	Kind Diagnosis
	// Named are the rep keys the diagnosis names (sorted): every rep
	// below for a general case, the far-below ones for an individual one.
	Named []string
	// TeamReading is the team's won revenue reading in Period (nil when
	// not assessed).
	TeamReading *Reading
	// Reps holds every rep of the team, in the team's member order.
	Reps []RepDiagnosis
	// Note says why nothing was assessed ("" otherwise).
	Note string
	// Skipped lists the candidate periods shorter than Period (every
	// candidate when nothing was assessed), shortest first, each with the
	// reason it could not be judged, so that a digest can say why the
	// table shows a longer period: too few deals expected, no seasonal
	// expectation, or too few reps to assess.
	Skipped []SkippedPeriod
}

// SkippedPeriod is a candidate period the diagnosis passed over.
type SkippedPeriod struct {
	Period Period
	// Why is SkipFewDeals, SkipNoExpectation or SkipFewReps.
	Why string
	// Expected is the team's expected won deals in the period (its
	// seasonal expectation, else its usual level; NaN without either).
	Expected float64
	// Coverage and CoverageDetail are the team reading's when a partly
	// covered period is why there is no seasonal expectation ("" when
	// the cause is too little history).
	Coverage       string
	CoverageDetail Coverage
}

// Why a candidate period was passed over (SkippedPeriod.Why).
const (
	SkipFewDeals      = "few_deals"      // the team expects fewer than MinTeamDeals won deals
	SkipNoExpectation = "no_expectation" // no seasonal expectation for the team's won revenue
	SkipFewReps       = "few_reps"       // fewer than half of the reps in the export can be assessed
)

// RepDiagnosis is one rep in a ManagerDiagnosis.
type RepDiagnosis struct {
	Rep, Name string
	// InExport is false for a person with no row in the export: shown as
	// "no deals in this export", never as 0, and never diagnosed.
	InExport bool
	// Assessed: the rep is in the export, has a seasonal expectation and
	// expects at least MinRepDeals won deals in the period. Only assessed
	// reps count in the general/individual rule.
	Assessed bool
	// NotAssessed says why a rep in the export is not assessed, so that
	// the digest can name them rather than leave them out silently:
	// NotAssessedHistory (no seasonal expectation: too little history)
	// or NotAssessedFewDeals (expects fewer than MinRepDeals won deals);
	// "" for an assessed rep or one not in the export.
	NotAssessed string
	// Value, Expected, Low and Deviation are the rep's won revenue
	// reading in the period (NaN when absent).
	Value, Expected, Low, Deviation float64
	// Below: under their own usual range (beyond noise); FarBelow: Below,
	// at least FarBelow under their expectation, and won deals a Poisson
	// count of the expected mean reaches less than 0.2 % of the time.
	Below, FarBelow bool
}

// Why a rep in the export is not assessed (RepDiagnosis.NotAssessed).
const (
	NotAssessedHistory  = "history"
	NotAssessedFewDeals = "few_deals"
)

// Diagnose returns the diagnosis of a team from the results of the
// candidate periods (any order; each a Compute of the same dataset for
// one period). Results without the team are skipped.
func Diagnose(results []*Result, team string) ManagerDiagnosis {
	d := ManagerDiagnosis{Team: team, Kind: DiagnosisNotAssessed, Note: "no period with enough deals to judge"}
	rs := slices.Clone(results)
	slices.SortStableFunc(rs, func(a, b *Result) int { return cmp.Compare(a.Period.Days(), b.Period.Days()) })
	for _, r := range rs {
		ts := r.Scope(ScopeTeam, team)
		if ts == nil {
			continue
		}
		skip := SkippedPeriod{Period: r.Period, Expected: expectedDeals(ts)}
		tr := r.Reading(ScopeTeam, team, WonRevenue)
		if crm.Has(skip.Expected) && skip.Expected < MinTeamDeals {
			skip.Why = SkipFewDeals
			d.Skipped = append(d.Skipped, skip)
			continue
		}
		// No expected number of deals (neither a seasonal expectation nor
		// a usual level) is, like no seasonal expectation, a want of
		// history.
		if !crm.Has(skip.Expected) || tr == nil || tr.State == StateNone {
			d.Note = "no seasonal expectation for the team"
			skip.Why = SkipNoExpectation
			if tr != nil {
				skip.Coverage, skip.CoverageDetail = tr.Coverage, tr.CoverageDetail
			}
			d.Skipped = append(d.Skipped, skip)
			continue
		}
		// The reps must be readable too: at least half of those in the
		// export assessed, or a longer period is needed.
		dd := diagnoseIn(r, ts, tr)
		inExport, assessed := 0, 0
		for _, rp := range dd.Reps {
			if rp.InExport {
				inExport++
			}
			if rp.Assessed {
				assessed++
			}
		}
		if inExport == 0 || 2*assessed < inExport {
			d.Note = "too few deals per rep to judge them"
			skip.Why = SkipFewReps
			d.Skipped = append(d.Skipped, skip)
			continue
		}
		dd.Skipped = d.Skipped
		return dd
	}
	return d
}

// enoughVolume reports whether a scope expects at least n won deals in
// the period (its seasonal expectation, else its usual level).
func enoughVolume(s *Scope, n float64) bool {
	exp := expectedDeals(s)
	return crm.Has(exp) && exp >= n
}

// expectedDeals is the number of won deals a scope expects in the
// period: its seasonal expectation, else its usual level (NaN without).
func expectedDeals(s *Scope) float64 {
	v := s.Values[WonDeals]
	if v == nil {
		return math.NaN()
	}
	if v.Baseline.Method == MethodSeasonal && crm.Has(v.Baseline.Value) {
		return v.Baseline.Value
	}
	return v.Usual
}

func diagnoseIn(r *Result, ts *Scope, tr *Reading) ManagerDiagnosis {
	d := ManagerDiagnosis{Team: ts.Key, Period: r.Period, TeamReading: tr}
	var below, far []string
	assessed := 0
	for _, k := range ts.Members {
		s := r.Scope(ScopeRep, k)
		if s == nil {
			continue
		}
		rd := RepDiagnosis{Rep: s.Key, Name: s.Name, InExport: s.InExport, Value: math.NaN(),
			Expected: math.NaN(), Low: math.NaN(), Deviation: math.NaN()}
		if v := s.Values[WonRevenue]; v != nil && s.InExport {
			rd.Value = v.Value
		}
		rr := r.Reading(ScopeRep, k, WonRevenue)
		switch {
		case !s.InExport:
		case rr == nil || rr.State == StateNone:
			rd.NotAssessed = NotAssessedHistory
		case !enoughVolume(s, MinRepDeals):
			rd.NotAssessed = NotAssessedFewDeals
		default:
			rd.Assessed = true
			rd.Expected, rd.Low, rd.Deviation = rr.Expected, rr.Low, rr.Deviation
			rd.Below = rr.Value < rr.Low
			rd.FarBelow = rd.Below && rr.Deviation <= -FarBelow && improbablyFew(s)
			assessed++
			if rd.Below {
				below = append(below, s.Key)
			}
			if rd.FarBelow {
				far = append(far, s.Key)
			}
		}
		d.Reps = append(d.Reps, rd)
	}
	slices.Sort(below)
	slices.Sort(far)
	// Only the assessed reps count: "most reps below" is most of those
	// with a usual level to be below, and the far-below ones are among
	// them; a rep not assessed is named with the reason by the digest.
	teamBelow := tr.Value < tr.Low
	switch {
	case teamBelow && assessed > 0 && 2*len(below) > assessed:
		d.Kind, d.Named = DiagnosisGeneral, below
	case len(far) >= 1 && len(far) <= 2:
		d.Kind, d.Named = DiagnosisIndividual, far
	case !teamBelow:
		d.Kind = DiagnosisNone
	default:
		d.Kind = DiagnosisMixed
	}
	return d
}

// improbablyFew reports whether a scope's won deals are fewer than a
// Poisson count of its expected won deals falls to with probability farP.
func improbablyFew(s *Scope) bool {
	v, exp := s.Values[WonDeals], expectedDeals(s)
	if v == nil || !crm.Has(v.Value) || !crm.Has(exp) || exp <= 0 {
		return false
	}
	return poissonCDF(int(math.Floor(v.Value)), exp) < farP
}

// poissonCDF is P(X <= k) for a Poisson X of mean lambda.
func poissonCDF(k int, lambda float64) float64 {
	if k < 0 {
		return 0
	}
	term := math.Exp(-lambda)
	sum := term
	for i := 1; i <= k; i++ {
		term *= lambda / float64(i)
		sum += term
	}
	return math.Min(sum, 1)
}
