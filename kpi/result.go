package kpi

import (
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// Options tunes the indicators; the zero value takes the defaults noted
// beside each field.
type Options struct {
	// FiscalStart is the month the fiscal year starts in (0 or 1:
	// calendar years). It decides how FY ids and target ids are read.
	FiscalStart time.Month
	// UsualN is the number of comparable periods in the "usual level"
	// (trailing mean) and the trailing-mean baseline. Default 8.
	UsualN int
	// HistoryN is the number of periods in each History. Default 24.
	HistoryN int
	// StaleDays: an open deal without activity for more days is stale.
	// Default 21.
	StaleDays int
	// DueSoonDays: actions due on the as-of day or the DueSoonDays-1 days
	// after are "due soon". Default 7.
	DueSoonDays int
	// StructuralK is the number of consecutive periods beyond the
	// threshold that makes a deviation structural. Default 3.
	StructuralK int
	// StructuralFactor multiplies the robust deviation of past residuals
	// (their mean absolute deviation, scaled to equal the MAD under a
	// normal error) into the structural threshold. Default 3.
	StructuralFactor float64
	// StageProbabilities maps a stage name (as the CRM writes it, case
	// ignored) to a win probability in [0, 1]; it takes precedence over
	// the export's probability column for the weighted pipeline.
	StageProbabilities map[string]float64
	// OutlierZ is the robust z-score below which a rep is "far below" the
	// team's median in the findings. Default 2.
	OutlierZ float64
	// OrgName is the organisation scope's name. Default "Organisation".
	OrgName string
}

func (o Options) withDefaults() Options {
	if o.UsualN <= 0 {
		o.UsualN = 8
	}
	if o.HistoryN <= 0 {
		o.HistoryN = 24
	}
	if o.StaleDays <= 0 {
		o.StaleDays = 21
	}
	if o.DueSoonDays <= 0 {
		o.DueSoonDays = 7
	}
	if o.StructuralK <= 0 {
		o.StructuralK = DefaultStructuralK
	}
	if o.StructuralFactor <= 0 {
		o.StructuralFactor = DefaultStructuralFactor
	}
	if o.OutlierZ <= 0 {
		o.OutlierZ = 2
	}
	if o.OrgName == "" {
		o.OrgName = "Organisation"
	}
	if o.FiscalStart < 1 || o.FiscalStart > 12 {
		o.FiscalStart = 1
	}
	return o
}

// Request says what to compute.
type Request struct {
	// Period is the period to report (ParsePeriod reads an id).
	Period Period
	// AsOf is the day the figures are read on. A day inside Period cuts
	// it (month-to-date up to and including AsOf); a day after it leaves
	// the period whole. Actions due before AsOf are overdue. NoDay (or 0)
	// means the day after the period's last day.
	AsOf crm.Day
	// Scopes lists the levels to compute; nil means all four. Findings
	// need the rep and team levels, and are computed whatever this says.
	Scopes []ScopeKind
	// Metrics, when set, limits the Result to these metrics (by name, in
	// catalogue order, those the data supports): a caller that reads two
	// metrics of a period need not hold the other twenty-four for every
	// scope. Each metric is computed on its own, so a metric's values are
	// the same with or without the others; the findings are made from the
	// metrics computed. nil means every metric the data supports.
	Metrics []string
	// RepReadingsOnDemand leaves the reps' readings out of
	// Findings.Readings: Result.Reading makes a rep's reading when asked
	// (the same reading, a new copy each call). A 2,000-rep organisation's
	// Result would otherwise hold some 50,000 of them that its digests read
	// a few at a time. The readings of the other levels are kept.
	RepReadingsOnDemand bool
	Options             Options
}

// Result is every indicator of one period for every scope, with its
// comparisons, history, alerts and findings. The report package reads it;
// Records flattens it for scripts. Scope.Alerts reads the dataset's rows:
// do not modify the dataset while the Result is in use. A Result is
// read-only and safe for concurrent readers.
type Result struct {
	Period   Period
	AsOf     crm.Day
	Currency string
	// Scopes are sorted by level (rep, team, region, org), then key.
	Scopes []*Scope
	// Metrics lists the metrics this dataset supports, in catalogue order;
	// Absent gives the reason for each one it does not.
	Metrics []Metric
	Absent  map[string]string
	// History lists the periods of every History series, oldest first;
	// the last one is Period.
	History []Period
	// YearAgoNote says why there is no year-ago period ("" when there is
	// one), e.g. for ISO week 53.
	YearAgoNote string
	Findings    Findings

	index map[scopeRef]*Scope
	// dropped are the scopes a Request.Scopes left out: their readings
	// stay in Findings.Readings.
	dropped map[scopeRef]*Scope
	// repOnDemand: Request.RepReadingsOnDemand; findingsDone: the
	// findings are made (until then Reading finds none, on demand or not).
	repOnDemand, findingsDone bool
}

type scopeRef struct {
	kind ScopeKind
	key  string
}

// Scope returns the scope of a level and key, or nil.
func (r *Result) Scope(kind ScopeKind, key string) *Scope { return r.index[scopeRef{kind, key}] }

// Scope is one rep, team, region or the organisation.
type Scope struct {
	Kind ScopeKind
	// Key is the rep's email (or the owner's name as exported when the
	// directory lacks them), the team or region name, or "all".
	Key  string
	Name string
	// Person is the rep's directory entry (nil for an unknown owner and
	// for other levels).
	Person *crm.Person
	// Team and Region: a rep's team and region; a team's manager's region
	// (or "" when its members span regions).
	Team, Region string
	// Manager is a team's manager (nil when the directory names none).
	Manager *crm.Person
	// InExport is false for a rep with no row at all in the export (a
	// directory entry only): their figures read "no deals in this
	// export", never 0, and they are never diagnosed. True for the other
	// levels.
	InExport bool
	// Members are the keys of the reps inside a team, region or the
	// organisation; Teams the teams inside a region or the organisation.
	Members []string
	Teams   []string
	// Values holds the metrics the data supports for this scope and
	// period, by name. A metric that cannot be computed (no data, a ratio
	// with nothing to divide) is not in the map.
	Values map[string]*Value
	// alerts is a rep's to-do list as row references: an organisation may
	// have hundreds of thousands of open actions, and most are only
	// counted; Alerts builds the named list.
	alerts []alertRef
	ds     *crm.Dataset
	// readings are this scope's readings in Result.Findings.Readings,
	// which holds each scope's together: a string-keyed map of every
	// (scope, metric) pair cost 27 MB in a 2,000-rep organisation's set.
	readFrom, readN int32
}

// Value is one metric of one scope with everything it is compared with.
// Absent numbers are NaN (crm.Has tells).
type Value struct {
	Metric Metric
	Value  float64
	// Previous is the previous period (cut at the same point for a
	// to-date period); YearAgo the same period last year.
	Previous float64
	YearAgo  float64
	// Usual is the trailing mean of the last UsualN comparable periods.
	Usual float64
	// Target is the target for this period (see docs/KPIS.md for the
	// pro-rating rule), NaN when none.
	Target float64
	// TargetCover says where Target comes from (own rows, the sum of the
	// teams' or reps' targets) and how many teams below have one.
	TargetCover TargetCover
	Baseline    Baseline
	// Range is the usual range around the seasonal expectation (an ~80 %
	// interval; NaN bounds without a seasonal baseline).
	Range Range
	// Coverage says why a comparison of this value is missing, e.g. "the
	// export starts on 20 Oct 2016" for a year-ago period the export only
	// partly covers; "" when nothing is missing.
	Coverage string
	// CoveredFrom is the first day of the export's rows of this metric's
	// kind when Coverage is set (for a localised note), else NoDay.
	CoveredFrom crm.Day
	// CoverageDetail is Coverage in fields, for a report to translate.
	CoverageDetail Coverage `json:"-"`
	// Undated is the number of open deals without a created date in a
	// pipeline figure. They join the reconstructed pipeline on the
	// export's last day, so an earlier figure lacks them: the earlier
	// periods are not compared with this one (Previous, YearAgo and the
	// baseline are NaN) rather than show a rise that is only their arrival.
	Undated int `json:",omitempty"`
	History History
}

// Range is the usual range of a value around its expectation: an honest
// ~80 % prediction interval (see docs/KPIS.md).
type Range struct {
	Low, High float64
}

// History is the series behind a value, for sparklines and trend charts:
// Values[i] belongs to Result.History[i]; the last one is the period
// itself.
type History struct {
	Values []float64
	// Expected is the seasonal expectation of each period (NaN where
	// there is none: no seasonal fit, or not a full year of values before
	// it), made like the baseline, so its last value is Baseline.Value.
	// Low and High below are the band to draw around it.
	Expected []float64
	// Low and High are the usual range of each period (NaN where Expected
	// is); a value outside it counts towards a Reading's Running.
	Low, High []float64
	Threshold float64
	// Structural is the structural mark of each period, assessed for
	// teams, regions and the organisation only (nil for reps).
	Structural []crm.Tri
}
