// Package report builds the digest of each recipient from the kpi
// package's results — a rep's weekly digest, a manager's team report, a
// director's monthly comparison — as a plain model (Digest), then lays it
// out as a PDF with charts and gives the few numbers of the email body.
//
// A Set holds the kpi results of one run, computed once for the whole
// organisation; Set.Digest then builds one person's digest, keeping only
// what that person may see: a rep their own figures, deals, accounts and
// activities (and their rank in the team when Options.TeamRank is set), a
// manager their team, a director their region or, without a region, the
// organisation. The kind of digest follows the person's role.
//
// Everything a digest prints is in the recipient's language and formats
// (package locale); a comparison that cannot be made says so in words,
// never with a 0. The same input gives the same bytes: the PDF's creation
// date is Options.Now and every list has a stable order.
package report

import (
	"errors"
	"fmt"
	"github.com/crmdigest/crmdigest/charts/fonts"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/crmlink"
	"github.com/crmdigest/crmdigest/kpi"
)

// Options tune the digests. The zero value works.
type Options struct {
	// KPI are the indicator options (fiscal year, usual periods, ...).
	KPI kpi.Options
	// TeamRank shows a rep their rank in the team on won revenue (never
	// anyone else's figures).
	TeamRank bool
	// Now is the instant the digests are made: printed as the as-of time
	// (in each recipient's time zone) and written as the PDF's creation
	// date. Pass the run's clock, never time.Now inside a test. Zero means
	// midnight UTC of the as-of day, which keeps output reproducible.
	Now time.Time
	// Fallback is the face for the runes of names the Go fonts cannot
	// draw (CJK, Vietnamese); nil draws pdfkit.Placeholder for them.
	Fallback *fonts.Fallback
	// Location is the organisation's zone, for recipients without a valid
	// time zone of their own (default UTC).
	Location *time.Location
	// Links makes ids and names links into the CRM; the zero Set links
	// nothing.
	Links crmlink.Set
	// Delivery is the instant a schedule delivers the digests (its
	// firing), zero when they are rendered on demand. The figures stay
	// as of the as-of day; the rep's to-do list speaks of the reader's
	// day and week: the delivery day in the recipient's zone, else the
	// as-of day (see builder.todo).
	Delivery time.Time
}

// Kind is a kind of digest.
type Kind string

// The kinds of digest.
const (
	KindRep      Kind = "rep"
	KindManager  Kind = "manager"
	KindDirector Kind = "director"
)

// KindOf returns the digest a role receives: managers the team report,
// directors the monthly comparison, everyone else the rep digest.
func KindOf(r crm.Role) Kind {
	switch r {
	case crm.RoleManager:
		return KindManager
	case crm.RoleDirector:
		return KindDirector
	}
	return KindRep
}

// ErrNoPerson is returned when a recipient is not in the directory.
var ErrNoPerson = errors.New("no such person in the people directory")

// Set is the kpi results of one run for one kind of digest, computed once
// for the whole organisation and shared by every recipient. It is safe for
// concurrent use.
type Set struct {
	ds     *crm.Dataset
	kind   Kind
	opts   Options
	period kpi.Period // the requested period, whole
	asOf   crm.Day
	now    time.Time

	// main is the requested period; toDate the longer periods up to its
	// end (month, quarter, half-year to date), in that order; ytd the
	// year to date (directors).
	main   *kpi.Result
	toDate []*kpi.Result
	ytd    *kpi.Result
	// toDateMetrics limits the periods to date (and the diagnosis's) to
	// the metrics the kind of digest reads from them; nil keeps all.
	toDateMetrics       []string
	mainMetrics         []string // the same for the reported period
	repReadingsOnDemand bool
	// diag are the longer periods to date a manager's diagnosis may fall
	// back on (quarter and half-year) when the week and the month hold
	// too few deals; computed once, when a digest first needs them.
	diagOnce sync.Once
	diag     []*kpi.Result

	zones sync.Map // time zone name -> *time.Location

	// pipe indexes the deals by owner and probs holds the stages' mean
	// probabilities, both for every digest's pipeline section: built once,
	// when a digest first needs them, instead of a scan of the whole export
	// per digest.
	pipeOnce sync.Once
	pipe     *kpi.PipelineIndex
	probs    map[crm.ID]float64
	owners   ownerIndex // rep.go
}

// pipeline returns the Set's pipeline index and stage probabilities.
func (s *Set) pipeline() (*kpi.PipelineIndex, map[crm.ID]float64) {
	s.pipeOnce.Do(func() {
		s.pipe = kpi.NewPipelineIndex(s.ds)
		s.probs = stageProbabilities(s.ds, s.opts.KPI.StageProbabilities)
	})
	return s.pipe, s.probs
}

// NewSet computes every kpi result the digests of kind need, once for the
// whole organisation. period is the reported period (a week such as
// 2026-W48 for reps, a week or a month for managers, a month for
// directors); asOf is the day the figures are read on (actions due before
// it are overdue), crm.NoDay for the day after the period.
//
// A rep's set holds the week and the month, quarter and half-year to the
// week's last day; a manager's the period and, for a week, the month to
// its last day; a director's the month (with its previous month, same
// month last year and seasonal expectation inside each value) and the year
// to date.
func NewSet(ds *crm.Dataset, kind Kind, period kpi.Period, asOf crm.Day, opts Options) (*Set, error) {
	return newSet(ds, kind, period, asOf, opts, false)
}

// repToDateMetrics are the only metrics a rep's digest reads from the
// periods to date: won revenue and margin (their bullet rows, the headline
// and the email's numbers), and for the team rank won revenue and what
// sellers looks at (ownsFigures). A rep's set computes just these for the
// month, quarter and half-year to date: three results of every scope in
// the organisation, held while every rep is served, shrink from the whole
// catalogue to five metrics. TestRepSetSubset builds every demo and Maven
// rep digest from both and requires the same bytes; a digest that starts
// reading another metric of a period to date must add it here.
var repToDateMetrics = []string{kpi.WonRevenue, kpi.GrossMargin, kpi.PipelineValue, kpi.Calls, kpi.Meetings}

// repMainMetrics are the metrics a rep's digest reads from the reported
// period: won revenue and margin, the activity row (activityMetrics) and
// the open pipeline's figures. TestRepSetSubset guards it like
// repToDateMetrics.
var repMainMetrics = append([]string{kpi.WonRevenue, kpi.GrossMargin, kpi.PipelineValue, kpi.PipelineCount,
	kpi.WeightedPipeline, kpi.NewOpportunities}, activityMetrics...)

// managerToDateMetrics are the metrics a manager's report reads from the
// month to date and from the quarter and half-year its diagnosis may fall
// back on: the team's won revenue and margin rows, the rep table
// (tableMetrics), the team findings' comparisons (kpi.FindingMetrics),
// the won deals the diagnosis expects, the lost deals that size a win
// rate's chance spread (kpi's chanceScale), and what sellers looks at. The
// reported period is asked for the same: the team's figures and the small
// multiples (multipleMetrics) read no other. TestManagerSetSubset holds
// the digests to the same bytes as the full set's.
var managerToDateMetrics = func() []string {
	out := []string{kpi.WonRevenue, kpi.GrossMargin, kpi.WonDeals, kpi.LostDeals, kpi.PipelineValue, kpi.Calls, kpi.Meetings}
	for _, m := range append(slices.Clone(tableMetrics), kpi.FindingMetrics...) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}()

// newSet is NewSet; allMetrics computes every metric in every result and
// keeps every reading (the reference a test compares a set with).
func newSet(ds *crm.Dataset, kind Kind, period kpi.Period, asOf crm.Day, opts Options, allMetrics bool) (*Set, error) {
	if ds == nil {
		return nil, errors.New("report: no dataset")
	}
	if period.Kind == 0 {
		return nil, errors.New("report: no period")
	}
	p := period.Whole()
	var err error
	if !asOf.Valid() || asOf == 0 {
		asOf = p.FullEnd() + 1
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if !opts.Delivery.IsZero() {
		// The to-do list shows the actions due in the reader's week: the
		// alerts must reach its Sunday, a day later for a zone ahead of
		// the organisation's.
		d := crm.DayOf(opts.Delivery.In(opts.Location))
		if n := int(weekEnd(d)+1-asOf) + 1; n > max(opts.KPI.DueSoonDays, 7) {
			opts.KPI.DueSoonDays = n
		}
	}
	s := &Set{ds: ds, kind: kind, opts: opts, period: p, asOf: asOf, now: opts.Now}
	// A digest reads a few of a rep's readings (no digest lists every
	// rep's): they are made when asked rather than held for every rep.
	s.repReadingsOnDemand = !allMetrics
	switch {
	case allMetrics:
	case kind == KindRep:
		s.mainMetrics, s.toDateMetrics = repMainMetrics, repToDateMetrics
	case kind == KindManager:
		s.mainMetrics, s.toDateMetrics = managerToDateMetrics, managerToDateMetrics
	}
	if s.now.IsZero() {
		s.now = asOf.Time()
	}
	if s.main, err = s.compute(p, asOf, s.mainMetrics); err != nil {
		return nil, err
	}
	end := min(p.FullEnd(), asOf)
	var longer []kpi.Kind
	switch kind {
	case KindRep:
		longer = []kpi.Kind{kpi.Month, kpi.Quarter, kpi.Half}
	case KindManager:
		longer = []kpi.Kind{kpi.Month}
	case KindDirector:
		longer = nil
	default:
		return nil, fmt.Errorf("report: unknown digest kind %q", kind)
	}
	for _, k := range longer {
		if k <= p.Kind {
			continue
		}
		q, err := kpi.ContainingFiscal(k, end, opts.KPI.FiscalStart).ToDate(end)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		r, err := s.compute(q, end, s.toDateMetrics)
		if err != nil {
			return nil, err
		}
		s.toDate = append(s.toDate, r)
	}
	if kind == KindDirector && p.Kind != kpi.Year {
		q, err := kpi.ContainingFiscal(kpi.Year, end, opts.KPI.FiscalStart).ToDate(end)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		if s.ytd, err = s.compute(q, end, nil); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// compute computes one result: every metric the data supports, or only
// those of metrics when it is set (see kpi.Request.Metrics).
func (s *Set) compute(p kpi.Period, asOf crm.Day, metrics []string) (*kpi.Result, error) {
	r, err := kpi.Compute(s.ds, kpi.Request{Period: p, AsOf: asOf, Metrics: metrics, Options: s.opts.KPI,
		RepReadingsOnDemand: s.repReadingsOnDemand})
	if err != nil {
		return nil, fmt.Errorf("report: compute %s: %w", p, err)
	}
	return r, nil
}

// diagResults returns the quarter and half-year to date for a manager's
// diagnosis, computing them on first use (nil on an error: the diagnosis
// then stays with the periods shown).
func (s *Set) diagResults() []*kpi.Result {
	s.diagOnce.Do(func() {
		end := min(s.period.FullEnd(), s.asOf)
		for _, k := range []kpi.Kind{kpi.Quarter, kpi.Half} {
			if k <= s.period.Kind {
				continue
			}
			q, err := kpi.ContainingFiscal(k, end, s.opts.KPI.FiscalStart).ToDate(end)
			if err != nil {
				return
			}
			r, err := s.compute(q, end, s.toDateMetrics)
			if err != nil {
				return
			}
			s.diag = append(s.diag, r)
		}
	})
	return s.diag
}

// Kind returns the kind of digest the set builds.
func (s *Set) Kind() Kind { return s.kind }

// Period returns the reported period.
func (s *Set) Period() kpi.Period { return s.period }

// Digest builds the digest of p, who must be in the set's dataset; the
// set's kind decides the digest, whatever p's role (use KindOf(p.Role) to
// pick the set).
func (s *Set) Digest(p *crm.Person) (*Digest, error) {
	if p == nil {
		return nil, errors.New("report: no person")
	}
	b := s.newBuilder(p)
	switch s.kind {
	case KindRep:
		b.rep()
	case KindManager:
		b.manager()
	case KindDirector:
		b.director()
	}
	b.quality()
	return b.d, nil
}

// location returns the time zone of a person (cached), else the
// organisation's.
func (s *Set) location(name string) *time.Location {
	if name == "" {
		return s.opts.Location
	}
	if l, ok := s.zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = s.opts.Location
	}
	s.zones.Store(name, l)
	return l
}

// FindPerson returns the person whose email, name or CRM id is key (case
// and surrounding spaces ignored).
func FindPerson(ds *crm.Dataset, key string) (*crm.Person, error) {
	k := strings.ToLower(strings.TrimSpace(key))
	for _, field := range []func(*crm.Person) string{
		func(p *crm.Person) string { return p.Email },
		func(p *crm.Person) string { return p.Name },
		func(p *crm.Person) string { return p.CRMID },
	} {
		for i := range ds.People {
			if v := field(&ds.People[i]); v != "" && strings.ToLower(strings.TrimSpace(v)) == k {
				return &ds.People[i], nil
			}
		}
	}
	return nil, fmt.Errorf("report: %q: %w", key, ErrNoPerson)
}

// Render builds and lays out the digest of one person, found by email,
// name or CRM id, for one period: the person's role picks the digest. It
// computes a Set for that person alone; to render many people, make one
// Set per kind and call Digest for each.
func Render(ds *crm.Dataset, period kpi.Period, asOf crm.Day, who string, opts Options) ([]byte, error) {
	p, err := FindPerson(ds, who)
	if err != nil {
		return nil, err
	}
	s, err := NewSet(ds, KindOf(p.Role), period, asOf, opts)
	if err != nil {
		return nil, err
	}
	d, err := s.Digest(p)
	if err != nil {
		return nil, err
	}
	return d.PDF()
}

// Recipients returns the people of the dataset who receive a digest of
// kind k, in directory order.
func Recipients(ds *crm.Dataset, k Kind) []*crm.Person {
	var out []*crm.Person
	for i := range ds.People {
		if KindOf(ds.People[i].Role) == k {
			out = append(out, &ds.People[i])
		}
	}
	return out
}

// normKey is how package kpi matches owners to people.
func normKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
