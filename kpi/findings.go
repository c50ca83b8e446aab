package kpi

import (
	"cmp"
	"math"
	"slices"

	"github.com/crmdigest/crmdigest/crm"
)

// Findings are the structured diagnoses the digests put into words.
type Findings struct {
	// Teams holds, per team, each rep against the team median and the
	// classification of a shortfall (for managers).
	Teams []TeamFinding
	// Rankings order teams and regions for sales challenges (for
	// directors).
	Rankings []Ranking
	// Readings is the reading of every metric of every scope (reps
	// included, but not those without a row in the export) in the
	// Result's period; Result.Reading finds one. With
	// Request.RepReadingsOnDemand the reps' are left out (Result.Reading
	// makes them).
	Readings []Reading
}

// FindingMetrics are the metrics compared rep by rep in a team, when the
// data supports them.
var FindingMetrics = []string{WonRevenue, WonDeals, WinRate, NewOpportunities, PipelineValue,
	NewContacts, NewLeads, Calls, Meetings, Demos, Proposals}

// Diagnosis classifies a team's shortfall.
type Diagnosis string

// The diagnoses.
const (
	// DiagnosisNone: the team is at or above its target (or baseline).
	DiagnosisNone Diagnosis = "none"
	// DiagnosisGeneral: most reps are below their own baseline: a
	// team-wide problem.
	DiagnosisGeneral Diagnosis = "general"
	// DiagnosisIndividual: one or two reps far below the rest: individual
	// coaching.
	DiagnosisIndividual Diagnosis = "individual"
	// DiagnosisMixed: a shortfall that fits neither pattern.
	DiagnosisMixed Diagnosis = "mixed"
	// DiagnosisNotAssessed: nothing to compare the team with (no target,
	// no baseline).
	DiagnosisNotAssessed Diagnosis = "not_assessed"
)

// RepComparison is one rep's value of one metric against the team.
type RepComparison struct {
	Rep, Name  string // the rep's scope key and name
	Metric     string
	Value      float64
	TeamMedian float64
	// Z is (value − median) over the larger of the team's robust spread
	// (MAD / 0.6745; when the MAD is 0, 1.2533 × the mean absolute
	// deviation) and the spread chance alone gives a count or a rate
	// (chanceScale); 0 when both are 0.
	Z float64
	// Outlier is -1 when Z <= -OutlierZ, +1 when Z >= OutlierZ, else 0.
	Outlier int
}

// TeamFinding is the diagnosis of one team on won revenue.
type TeamFinding struct {
	Team      string
	Metric    string // the metric the shortfall is judged on: won_revenue
	Shortfall bool
	// Against is "target" or "baseline" (the team's own), "" when not
	// assessed.
	Against   string
	Diagnosis Diagnosis
	// Below are the reps (keys) below their own target or baseline;
	// FarBelow those whose robust z-score is <= -OutlierZ; Named the reps
	// the diagnosis names (FarBelow, or Below for an individual case).
	Below, FarBelow, Named []string
	Reps                   int // reps in the export with a value
	Comparisons            []RepComparison
}

// Ranking orders teams or regions by one criterion, best first.
type Ranking struct {
	Kind ScopeKind // ScopeTeam or ScopeRegion
	// By is "target_attainment" or "growth_vs_baseline" (won revenue /
	// baseline − 1, with the baseline's method).
	By      string
	Entries []RankEntry
}

// RankEntry is one place in a ranking.
type RankEntry struct {
	Rank   int
	Key    string
	Name   string
	Value  float64
	Method Method // for growth: the baseline's method
}

func findings(r *Result, opt *Options) Findings {
	var f Findings
	for _, s := range r.Scopes {
		if s.Kind == ScopeTeam {
			f.Teams = append(f.Teams, teamFinding(r, s, opt))
		}
	}
	for _, kind := range []ScopeKind{ScopeTeam, ScopeRegion} {
		f.Rankings = append(f.Rankings, ranking(r, kind, TargetAttainment), ranking(r, kind, "growth_vs_baseline"))
	}
	kept := func(s *Scope) bool {
		// A directory entry without rows is read as such, never against
		// an expectation; a rep's reading may be made on demand.
		return s.InExport && !(r.repOnDemand && s.Kind == ScopeRep)
	}
	n := 0
	for _, s := range r.Scopes {
		if kept(s) {
			n += len(s.Values)
		}
	}
	f.Readings = make([]Reading, 0, n)
	for _, s := range r.Scopes {
		if !kept(s) {
			continue
		}
		for _, mt := range r.Metrics {
			if v := s.Values[mt.Name]; v != nil {
				f.Readings = append(f.Readings, readingOf(r, s, mt.Name, v))
			}
		}
	}
	return f
}

func teamFinding(r *Result, team *Scope, opt *Options) TeamFinding {
	tf := TeamFinding{Team: team.Key, Metric: WonRevenue, Diagnosis: DiagnosisNotAssessed}
	// A person with no row in the export has no figures, not zeros: they
	// are never counted in the team's median, z-scores or shortfall.
	var reps []*Scope
	for _, k := range team.Members {
		if s := r.Scope(ScopeRep, k); s != nil && s.InExport {
			reps = append(reps, s)
		}
	}
	for _, name := range FindingMetrics {
		var vals []float64
		var who []*Scope
		for _, s := range reps {
			if v := s.Values[name]; v != nil && crm.Has(v.Value) {
				vals = append(vals, v.Value)
				who = append(who, s)
			}
		}
		if len(vals) == 0 {
			continue
		}
		med, scale := robustScale(vals)
		for i, s := range who {
			x := s.Values[name].Value
			z := 0.0
			if sc := max(scale, chanceScale(name, med, s)); sc > 0 {
				z = (x - med) / sc
			}
			out := 0
			if z <= -opt.OutlierZ {
				out = -1
			} else if z >= opt.OutlierZ {
				out = 1
			}
			tf.Comparisons = append(tf.Comparisons, RepComparison{Rep: s.Key, Name: s.Name, Metric: name,
				Value: vals[i], TeamMedian: med, Z: z, Outlier: out})
			if name == WonRevenue && out == -1 {
				tf.FarBelow = append(tf.FarBelow, s.Key)
			}
		}
	}
	tv := team.Values[WonRevenue]
	if tv == nil {
		return tf
	}
	// Judge against the target when there is one, else the baseline.
	below := func(v *Value) (bool, string) {
		if crm.Has(v.Target) && v.Target > 0 {
			return v.Value < v.Target, "target"
		}
		if v.Baseline.Method != MethodNone && crm.Has(v.Baseline.Value) {
			return v.Value < v.Baseline.Value, "baseline"
		}
		return false, ""
	}
	short, against := below(tv)
	if against == "" {
		return tf
	}
	tf.Shortfall, tf.Against = short, against
	for _, s := range reps {
		v := s.Values[WonRevenue]
		if v == nil {
			continue
		}
		tf.Reps++
		if b, how := below(v); b && how != "" {
			tf.Below = append(tf.Below, s.Key)
		}
	}
	switch {
	case !short:
		tf.Diagnosis = DiagnosisNone
	case 2*len(tf.Below) > tf.Reps:
		tf.Diagnosis = DiagnosisGeneral
		tf.Named = tf.Below
	case len(tf.FarBelow) >= 1 && len(tf.FarBelow) <= max(2, tf.Reps/5):
		tf.Diagnosis = DiagnosisIndividual
		tf.Named = tf.FarBelow
	case len(tf.FarBelow) == 0 && len(tf.Below) >= 1 && len(tf.Below) <= 2:
		tf.Diagnosis = DiagnosisIndividual
		tf.Named = tf.Below
	default:
		tf.Diagnosis = DiagnosisMixed
		tf.Named = tf.Below
	}
	return tf
}

// chanceScale is how far a rep's value of a count or a rate strays from
// the team's median by chance alone, had the rep the team's median level:
// √median for a count (Poisson), √(p(1−p)/n) for a win rate over the
// rep's n closed deals (binomial). Robust z-scores over three to six reps
// of small integers are degenerate: with calls 2, 3, 3 and 6 the MAD is
// 0.5, and 6 read "more than two robust deviations above the team" where
// chance alone gives ±1.7. A mark needs the deviation to exceed both
// the team's spread and this. 0 for money and other metrics, where the
// team's spread already carries the deals' sizes.
func chanceScale(name string, med float64, rep *Scope) float64 {
	switch name {
	case WonDeals, NewOpportunities, NewContacts, NewLeads, Calls, Meetings, Demos, Proposals:
		return math.Sqrt(max(med, 1))
	case WinRate:
		won, lost := rep.Values[WonDeals], rep.Values[LostDeals]
		if won == nil || lost == nil || !crm.Has(won.Value) || !crm.Has(lost.Value) {
			return 0
		}
		n := won.Value + lost.Value
		if n <= 0 {
			return 0
		}
		// A median rate of 0 or 1 would make any other rate infinitely
		// unlikely: keep p one deal away from either end.
		p := min(max(med, 1/(n+1)), n/(n+1))
		return math.Sqrt(p * (1 - p) / n)
	}
	return 0
}

// robustScale returns the median of v and the scale that turns a distance
// to it into a robust z-score: MAD / 0.6745, or the mean absolute
// deviation × 1.2533 when the MAD is 0 (Iglewicz & Hoaglin), 0 when all
// values are equal.
func robustScale(v []float64) (med, scale float64) {
	w := slices.Clone(v)
	med = median(w)
	for i := range w {
		w[i] = math.Abs(v[i] - med)
	}
	mean := 0.0
	for _, x := range w {
		mean += x
	}
	mean /= float64(len(w))
	if mad := median(w); mad > 0 {
		return med, mad / 0.6745
	}
	return med, mean * 1.2533
}

func ranking(r *Result, kind ScopeKind, by string) Ranking {
	rk := Ranking{Kind: kind, By: by}
	for _, s := range r.Scopes {
		if s.Kind != kind || s.Key == Unassigned {
			continue
		}
		var e RankEntry
		if by == TargetAttainment {
			v := s.Values[TargetAttainment]
			if v == nil {
				continue
			}
			e = RankEntry{Key: s.Key, Name: s.Name, Value: v.Value}
		} else {
			v := s.Values[WonRevenue]
			if v == nil || !crm.Has(v.Baseline.Deviation) {
				continue
			}
			e = RankEntry{Key: s.Key, Name: s.Name, Value: v.Baseline.Deviation, Method: v.Baseline.Method}
		}
		rk.Entries = append(rk.Entries, e)
	}
	slices.SortStableFunc(rk.Entries, func(a, b RankEntry) int {
		return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.Key, b.Key))
	})
	for i := range rk.Entries {
		rk.Entries[i].Rank = i + 1
	}
	return rk
}
