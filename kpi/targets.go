package kpi

import (
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// targetIndex finds the targets of one scope and metric by period id.
type targetIndex struct {
	byKey map[targetKey]*targetTable
	weeks bool // some target is set for an ISO week
}

// idCache remembers period ids: targetFor asks for the same few periods
// for every scope. One per goroutine.
type idCache map[Period]string

func (c idCache) id(p Period) string {
	s, ok := c[p]
	if !ok {
		s = p.String()
		c[p] = s
	}
	return s
}

type targetKey struct {
	scope  crm.TargetScope
	key    string // normalised; "" for the organisation
	metric string
}

// targetTable is one scope's targets for one metric, by period id, with
// the days they cover between them.
type targetTable struct {
	byID        map[string]float64
	first, last crm.Day
}

func newTargetIndex(ts []crm.Target, fiscal time.Month) *targetIndex {
	ti := &targetIndex{byKey: make(map[targetKey]*targetTable)}
	for _, t := range ts {
		if !crm.Has(t.Value) {
			continue
		}
		p, err := ParsePeriod(t.Period, fiscal)
		if err != nil {
			continue // the sources validate target periods
		}
		k := targetKey{t.Scope, normKey(t.Key), t.Metric}
		if t.Scope == crm.TargetOrg {
			k.key = ""
		}
		tt := ti.byKey[k]
		if tt == nil {
			tt = &targetTable{byID: make(map[string]float64), first: math.MaxInt32, last: math.MinInt32 + 1}
			ti.byKey[k] = tt
		}
		tt.byID[p.String()] += t.Value
		tt.first, tt.last = min(tt.first, p.Start()), max(tt.last, p.End())
		if p.Kind == Week {
			ti.weeks = true
		}
	}
	return ti
}

// lookup returns the targets of a scope under any of its keys (a rep's
// targets may name them by email in one row, by name in another), nil
// when there is none.
func (ti *targetIndex) lookup(scope crm.TargetScope, metric string, keys ...string) *targetTable {
	var found *targetTable
	seen := map[string]bool{}
	for _, k := range keys {
		k = normKey(k)
		if scope == crm.TargetOrg {
			k = ""
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		tt := ti.byKey[targetKey{scope, k, metric}]
		switch {
		case tt == nil:
		case found == nil:
			found = tt
		default:
			merged := &targetTable{byID: make(map[string]float64, len(found.byID)+len(tt.byID)),
				first: min(found.first, tt.first), last: max(found.last, tt.last)}
			for id, v := range found.byID {
				merged.byID[id] = v
			}
			for id, v := range tt.byID {
				if _, ok := merged.byID[id]; !ok {
					merged.byID[id] = v
				}
			}
			found = merged
		}
	}
	return found
}

// targetFor returns the target of period p: the period's own target if
// it has one; otherwise, day by day, the target of the finest period
// containing that day that has one (week, month, quarter, half, year, then
// the fiscal ones) divided by that period's number of days, summed over
// p's days (up to the as-of day for a to-date period). So a quarter
// without its own target is the sum of its months', a week gets its
// month's share, and month-to-date to the 15th of a 30-day month half the
// month's target. NaN when some day has no target.
func (ti *targetIndex) targetFor(tt *targetTable, p Period, fiscal time.Month, ids idCache) float64 {
	if tt == nil {
		return math.NaN()
	}
	m := tt.byID
	if v, ok := m[ids.id(p)]; ok {
		return v
	}
	if p.Start() < tt.first || p.End() > tt.last {
		return math.NaN() // some day has no target: skip the walk
	}
	kinds := []Kind{Month, Quarter, Half, Year}
	if ti.weeks {
		kinds = []Kind{Week, Month, Quarter, Half, Year}
	}
	total := 0.0
	for d := p.Start(); d <= p.End(); {
		var found Period
		v, ok := 0.0, false
		for _, k := range kinds {
			q := Containing(k, d)
			if v, ok = m[ids.id(q)]; ok {
				found = q
				break
			}
		}
		if !ok && fiscal > 1 {
			for _, k := range []Kind{Quarter, Half, Year} {
				q := ContainingFiscal(k, d, fiscal)
				if v, ok = m[ids.id(q)]; ok {
					found = q
					break
				}
			}
		}
		if !ok {
			return math.NaN()
		}
		// Stop the segment where a finer period could take over.
		end := min(p.End(), found.FullEnd(), Containing(Month, d).FullEnd())
		if ti.weeks {
			end = min(end, Containing(Week, d).FullEnd())
		}
		total += v * float64(end-d+1) / float64(found.Days())
		d = end + 1
	}
	return total
}

// scopeTargets returns the scope's own target table for a metric.
func (e *engine) scopeTargets(s *Scope, metric string) *targetTable {
	switch s.Kind {
	case ScopeRep:
		keys := []string{s.Key, s.Name}
		if s.Person != nil {
			keys = append(keys, s.Person.Email, s.Person.Name, s.Person.CRMID)
		}
		return e.targets.lookup(crm.TargetPerson, metric, keys...)
	case ScopeTeam:
		return e.targets.lookup(crm.TargetTeam, metric, s.Key)
	case ScopeRegion:
		return e.targets.lookup(crm.TargetRegion, metric, s.Key)
	}
	return e.targets.lookup(crm.TargetOrg, metric, "")
}

// TargetSource says where a scope's target comes from: its own rows of
// the targets export, or the sum of the targets of the level below.
type TargetSource uint8

// The target sources.
const (
	TargetNone     TargetSource = iota // no target
	TargetOwn                          // the scope's own target
	TargetSumReps                      // the sum of its reps' targets (every rep has one)
	TargetSumTeams                     // the sum of its teams' targets (every team has one)
)

// TargetCover tells where a value's target comes from and, for a region
// or the organisation, how many of its teams have one: "sum of team
// targets", or "targets for 3 of 5 teams" when the sum would be partial.
type TargetCover struct {
	Source TargetSource
	// TeamsWith of Teams teams under a region or the organisation have a
	// target of this metric for the period (0 of 0 for reps and teams).
	TeamsWith, Teams int
}

// targetSeries is one scope's target series of a metric and its source.
type targetSeries struct {
	values []float64
	source TargetSource
}

// resolveTargets fills each scope's target series (one value per period
// of the series) for every metric some target names: its own targets;
// else, for a region or the organisation, the sum of its teams' targets
// when every team below has one; else, for a team, region or the
// organisation, the sum of its reps' when every rep has one. A partial
// sum is never a target: it would make a level look ahead of a target
// that only covers part of it. e.work holds reps, then teams, regions and
// the organisation, so each level is ready when the one above sums it.
func (e *engine) resolveTargets() {
	metrics := map[string]bool{}
	for k := range e.targets.byKey {
		metrics[k.metric] = true
	}
	ids := make([]string, e.h)
	for i, p := range e.c.periods {
		ids[i] = p.String()
	}
	byRep := make([]*scopeWork, len(e.dir.members))
	teams := map[string]*scopeWork{}
	for _, w := range e.work {
		switch w.s.Kind {
		case ScopeRep:
			byRep[w.members[0]] = w
		case ScopeTeam:
			teams[w.s.Key] = w
		}
	}
	sumOf := func(ws []*scopeWork, metric string) []float64 {
		series := make([]float64, e.h)
		for _, x := range ws {
			ts, ok := x.targets[metric]
			if !ok || ts.values == nil {
				return nil
			}
			for i, v := range ts.values {
				series[i] += v
			}
		}
		return series
	}
	resolve := func(w *scopeWork, cache idCache) {
		for metric := range metrics {
			var ts targetSeries
			if m := e.scopeTargets(w.s, metric); m != nil {
				ts = targetSeries{make([]float64, e.h), TargetOwn}
				for i, p := range e.c.periods {
					if v, ok := m.byID[ids[i]]; ok {
						ts.values[i] = v
					} else {
						ts.values[i] = e.targets.targetFor(m, p, e.opt.FiscalStart, cache)
					}
				}
			}
			if ts.values == nil && (w.s.Kind == ScopeRegion || w.s.Kind == ScopeOrg) && len(w.s.Teams) > 0 {
				ws := make([]*scopeWork, 0, len(w.s.Teams))
				for _, t := range w.s.Teams {
					if tw := teams[t]; tw != nil {
						ws = append(ws, tw)
					}
				}
				if len(ws) == len(w.s.Teams) {
					ts = targetSeries{sumOf(ws, metric), TargetSumTeams}
				}
			}
			if ts.values == nil && w.s.Kind != ScopeRep && len(w.members) > 0 {
				ws := make([]*scopeWork, len(w.members))
				for i, mi := range w.members {
					ws[i] = byRep[mi]
				}
				ts = targetSeries{sumOf(ws, metric), TargetSumReps}
			}
			if ts.values == nil {
				continue
			}
			if w.targets == nil {
				w.targets = make(map[string]targetSeries)
			}
			w.targets[metric] = ts
		}
	}
	// Reps in parallel (they are the many), then the levels above, which
	// sum them.
	nReps := len(e.dir.members)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cache := idCache{}
			for _, w := range e.work[k*nReps/workers : (k+1)*nReps/workers] {
				resolve(w, cache)
			}
		}()
	}
	wg.Wait()
	cache := idCache{}
	for _, w := range e.work[nReps:] {
		resolve(w, cache)
	}
	e.teamTargets = teams
}

// targetCover returns where the target of period t of a scope's metric
// comes from and, for a region or the organisation, how many of its teams
// have one for that period.
func (e *engine) targetCover(w *scopeWork, metric string, t int) TargetCover {
	var c TargetCover
	if ts, ok := w.targets[metric]; ok && crm.Has(ts.values[t]) {
		c.Source = ts.source
	}
	if w.s.Kind == ScopeRegion || w.s.Kind == ScopeOrg {
		c.Teams = len(w.s.Teams)
		for _, k := range w.s.Teams {
			if tw := e.teamTargets[k]; tw != nil {
				if ts, ok := tw.targets[metric]; ok && crm.Has(ts.values[t]) {
					c.TeamsWith++
				}
			}
		}
	}
	return c
}

// attainment returns won revenue / its target for each period, or nil
// when the scope has no won-revenue target this period.
func (e *engine) attainment(w *scopeWork) []float64 {
	ts := w.targets[WonRevenue].values
	if ts == nil || !crm.Has(ts[e.h-1]) {
		return nil
	}
	out := nanSlice(e.h)
	for i, tg := range ts {
		if crm.Has(tg) && tg > 0 {
			out[i] = w.cut[(i+1)*nSeries+sWonAmt] / tg
		}
	}
	return out
}
