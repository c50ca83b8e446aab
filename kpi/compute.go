package kpi

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/crmdigest/crmdigest/crm"
)

// Compute computes every supported metric of req.Period for every scope,
// with comparisons, history, alerts and findings. It reads the rows once.
func Compute(ds *crm.Dataset, req Request) (*Result, error) {
	if ds == nil {
		return nil, errors.New("kpi: no dataset")
	}
	opt := req.Options.withDefaults()
	p := req.Period
	if p.Kind < Week || p.Kind > Year {
		return nil, errors.New("kpi: no period")
	}
	asOf := req.AsOf
	if !asOf.Valid() || asOf == 0 {
		asOf = p.End() + 1
	} else {
		var err error
		if p, err = p.ToDate(asOf); err != nil {
			return nil, fmt.Errorf("kpi: %w", err)
		}
	}
	m := p.Kind.seasons()
	// Enough periods for the history, the usual level, the year ago, and
	// a seasonal fit of two full years before the k periods under test
	// for each period whose structural mark the history shows.
	h := max(opt.HistoryN, opt.UsualN+1, m+1, 2*m+opt.StructuralK+structuralSpan(m)+1)
	periods := make([]Period, h)
	periods[h-1] = p
	for i := h - 2; i >= 0; i-- {
		periods[i] = p.Back(h - 1 - i)
	}
	periods = clipToData(ds, periods, m)

	computing <- struct{}{}
	defer func() { <-computing }()
	if computeHook != nil {
		computeHook()
	}
	c := aggregate(ds, periods, asOf, &opt)
	dir := resolve(ds, c.owned)
	ok, why := supported(ds, &opt)

	r := &Result{Period: p, AsOf: asOf, Currency: ds.Currency, Absent: why, index: make(map[scopeRef]*Scope),
		repOnDemand: req.RepReadingsOnDemand}
	for _, mt := range Catalogue {
		if ok[mt.Name] && (req.Metrics == nil || slices.Contains(req.Metrics, mt.Name)) {
			r.Metrics = append(r.Metrics, mt)
		}
	}
	hn := min(opt.HistoryN, len(periods))
	r.History = periods[len(periods)-hn:]
	if _, err := p.YearAgo(); err != nil {
		r.YearAgoNote = err.Error()
	}

	e := &engine{ds: ds, c: c, dir: dir, opt: &opt, res: r, targets: newTargetIndex(ds.Targets, opt.FiscalStart),
		exportLast: exportLast(ds)}
	e.prepare()
	e.buildScopes()
	e.resolveTargets()
	e.run()
	r.Findings = findings(r, &opt)
	r.indexReadings()
	if len(req.Scopes) > 0 {
		r.keepOnly(req.Scopes)
	}
	return r, nil
}

// computing lets one Compute at a time aggregate and compute in a process.
// Each spreads its work over every core already, so two at once finish no
// sooner; but each holds its cube, the sums of every owner and period (80
// MB for a week at 2,000 reps), and two digest sets computed at once by
// two delivery workers (a manager's and a director's) held both, which
// set the peak of a whole run's memory.
var computing = make(chan struct{}, 1)

// computeHook, when set by a test, runs in Compute while it holds the slot.
var computeHook func()

// clipToData drops the periods that end before the first dated row of
// any source (they would only hold absent values), keeping at least two
// seasons and the last period.
func clipToData(ds *crm.Dataset, periods []Period, m int) []Period {
	first := crm.Day(math.MaxInt32)
	for _, q := range ds.Quality {
		if q.First.Valid() && q.First < first && q.Kind != crm.KindTargets && q.Kind != crm.KindPeople {
			first = q.First
		}
	}
	if first == math.MaxInt32 {
		return periods
	}
	i := 0
	for i < len(periods)-2*m-1 && periods[i].End() < first {
		i++
	}
	return periods[i:]
}

// engine carries the state of one Compute.
type engine struct {
	ds      *crm.Dataset
	c       *cube
	dir     *directory
	opt     *Options
	res     *Result
	targets *targetIndex
	bp      baselineParams

	h       int // periods in the series; the request's is h-1
	ends    []crm.Day
	yearAgo []int     // by period index: the index of the same period a year before, or -1
	shares  []float64 // by period index: the working-day share elapsed at its cut (1 when whole)
	// exportLast is the last day of the export's dated rows (MaxInt32 when unknown).
	exportLast crm.Day
	// partials holds, for each family's first day (famStart), whether
	// each period of the series is only partly covered (see partial).
	partials [nFamilies]struct {
		start crm.Day
		by    []bool
	}
	metrics []Metric
	// nans is the History.Expected, Low and High of every value without
	// a seasonal fit, shared: a Result is read-only.
	nans []float64

	work []*scopeWork
	// teamTargets are the team scopes by key, for the target cover of the
	// levels above.
	teamTargets map[string]*scopeWork
}

// scopeWork is one scope being computed: its buckets and members.
type scopeWork struct {
	s       *Scope
	members []int // indexes in dir.members
	full    []float64
	cut     []float64
	first   crm.Day
	// targets holds, per metric, the target of each period of the series
	// and where it comes from.
	targets map[string]targetSeries
	// parent is the scope whose fitted seasonal indices this one's raw
	// indices are shrunk toward (nil: toward the smooth profile): a rep's
	// team, a team's region, a region's organisation, or the next one up
	// when that one holds the same members (see linkParents).
	parent *scopeWork
	// indices hold, by position in engine.metrics, the seasonal indices
	// of this scope's fit (nil when it has none), the prior of the scopes
	// below it; indices[k] is set before ready[k] is closed. Only scopes
	// that are some scope's parent have them.
	indices [][]float64
	ready   []chan struct{}
}

func (e *engine) prepare() {
	c := e.c
	e.h = len(c.periods)
	e.ends = make([]crm.Day, e.h)
	for i, q := range c.periods {
		e.ends[i] = q.End()
	}
	e.metrics = e.res.Metrics
	hn := len(e.res.History)
	e.nans = nanSlice(hn)[:hn:hn]
	byStart := make(map[Period]int, e.h)
	for i, q := range c.periods {
		byStart[q.Whole()] = i
	}
	e.yearAgo = make([]int, e.h)
	e.shares = make([]float64, e.h)
	for i, q := range c.periods {
		e.shares[i] = elapsedShare(q)
	}
	e.bp = baselineParams{m: c.periods[0].Kind.seasons(), k: e.opt.StructuralK, factor: e.opt.StructuralFactor,
		usualN: e.opt.UsualN, minThr: minThreshold, seasons: make([]int, e.h)}
	if c.periods[0].Kind == Year {
		e.bp.m = 1 // no seasons within a year
	}
	for i, q := range c.periods {
		e.yearAgo[i] = -1
		if ya, err := q.YearAgo(); err == nil {
			if j, ok := byStart[ya.Whole()]; ok {
				e.yearAgo[i] = j
			}
		}
		e.bp.seasons[i] = q.seasonOf()
	}
	for f, start := range c.famStart {
		pp := &e.partials[f]
		pp.start = start
		pp.by = make([]bool, e.h)
		for i, q := range c.periods {
			pp.by[i] = partlyCovered(q, start) || endsUncovered(q, e.exportLast)
		}
	}
}

// partial reports whether period i of the series is covered only in part
// by the export, whose rows of a family start on start: it starts after
// the period began, or the export ends before the period does. Every scope
// asks it of every metric and period with one of the cube's family
// starts, so it is worked out once per Compute (prepare); another start
// is worked out again.
func (e *engine) partial(start crm.Day, i int) bool {
	for f := range e.partials {
		if pp := &e.partials[f]; pp.start == start {
			return pp.by[i]
		}
	}
	q := e.c.periods[i]
	return partlyCovered(q, start) || endsUncovered(q, e.exportLast)
}

// run computes every scope's values, spread over the available cores.
func (e *engine) run() {
	// Rep-level target tables first: team fallbacks read them.
	jobs := make(chan *scopeWork)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := newScratch(e)
			for w := range jobs {
				e.computeScope(w, sc)
			}
		}()
	}
	// The organisation, regions and teams first: they are few and the
	// longest to compute, and a long job taken last would leave the other
	// cores idle at the end.
	for i := len(e.work) - 1; i >= 0; i-- {
		jobs <- e.work[i]
	}
	close(jobs)
	wg.Wait()
}

// scratch is one worker's reusable memory.
type scratch struct {
	y, stock []float64
	full, s  []float64 // whole-period series of a to-date metric, and its test series
	fs       fitScratch
	exp      []float64
	days     []float64
	accFirst []crm.Day
	accStamp []int32
	stamp    int32
	touched  []crm.ID

	alertKeys []uint64
	alertTmp  []alertRef
}

func newScratch(e *engine) *scratch {
	return &scratch{
		y:        make([]float64, e.h),
		full:     make([]float64, e.h),
		s:        make([]float64, e.h),
		stock:    make([]float64, e.h*nSeries),
		exp:      make([]float64, e.h),
		accFirst: make([]crm.Day, e.ds.Accounts.Len()),
		accStamp: make([]int32, e.ds.Accounts.Len()),
	}
}

// computeScope fills w.s.Values.
func (e *engine) computeScope(w *scopeWork, sc *scratch) {
	c, h := e.c, e.h
	// published is the number of metrics whose indices the scopes below
	// may read; every one is published when the scope ends, fitted or not.
	published := 0
	publish := func(upto int) {
		for ; published < upto && published < len(w.ready); published++ {
			close(w.ready[published])
		}
	}
	defer publish(len(w.ready))
	defer func() { sc.fs.prior = nil }()
	// stock[i] = running totals at the end of period i (cut like the
	// request): every full bucket before it plus its own cut bucket.
	run := make([]float64, nSeries)
	copy(run, w.full[:nSeries])
	for i := range h {
		b := (i + 1) * nSeries
		for s := range nSeries {
			sc.stock[i*nSeries+s] = run[s] + w.cut[b+s]
			run[s] += w.full[b+s]
		}
	}
	sc.alertKeys, sc.alertTmp = sortAlertRefs(e.ds, w.s.alerts, sc.alertKeys, sc.alertTmp)
	w.s.Values = make(map[string]*Value, len(e.metrics))
	var medians, saturation []float64
	for k, mt := range e.metrics {
		publish(k)
		fam := familyOf(mt.Name)
		start := c.famStart[fam]
		if mt.Name == CrossSellSaturation || mt.Name == TargetAttainment {
			start = c.famStart[famClosed]
		}
		if start == math.MaxInt32 {
			continue // no dated row of this kind at all
		}
		var series []float64
		switch mt.Name {
		case SalesCycleMedian:
			if medians == nil {
				medians = e.cycleMedians(w, sc)
			}
			series = medians
		case CrossSellSaturation:
			if saturation == nil {
				saturation = e.saturation(w, sc)
			}
			series = saturation
		case TargetAttainment:
			series = e.attainment(w)
			if series == nil {
				continue
			}
		}
		y := sc.y
		for i := range h {
			end := e.ends[i]
			// A past period the export covers only in part (it began
			// before the first row of this kind) is no full period: it
			// must not enter a baseline, a trailing mean or a growth rate.
			partial := i < h-1 && e.partial(start, i)
			if end < start || partial || (end < w.first && i < h-1) {
				y[i] = math.NaN() // before the data (or the rep) started
				continue
			}
			if series != nil {
				y[i] = series[i]
			} else {
				b := (i + 1) * nSeries
				y[i] = evalFlow(mt.Name, w.cut[b:b+nSeries], sc.stock[i*nSeries:(i+1)*nSeries])
			}
		}
		t := h - 1
		if !crm.Has(y[t]) {
			continue
		}
		undated := 0
		if isPipelineStock(mt.Name) {
			undated = int(sc.stock[t*nSeries+sPipeUndated])
			for i := range t {
				if sc.stock[i*nSeries+sPipeUndated] != float64(undated) {
					y[i] = math.NaN()
				}
			}
		}
		// A to-date additive metric is expected from the whole periods
		// (see toDateBaseline); full holds them.
		toDate := e.c.toDate && series == nil && sumsOverDays(mt)
		full := sc.full
		if toDate {
			for i := range h {
				if !crm.Has(y[i]) {
					full[i] = math.NaN()
					continue
				}
				b := (i + 1) * nSeries
				full[i] = evalFlow(mt.Name, w.full[b:b+nSeries], sc.stock[i*nSeries:(i+1)*nSeries])
			}
		}
		sc.fs.prior = nil
		if w.parent != nil {
			// run hands out every parent before the scopes below it, and
			// a parent publishes its metrics in this order, so this wait
			// ends (and the scopes below follow it metric by metric).
			<-w.parent.ready[k]
			sc.fs.prior = w.parent.indices[k]
		}
		base := func(y []float64, t int) (Baseline, seasonalFit, bool) {
			if toDate {
				return toDateBaseline(y, full, e.shares, t, e.yearAgo[t], &e.bp, &sc.fs, sc.s)
			}
			return baselineFit(y, t, e.yearAgo[t], &e.bp, &sc.fs)
		}
		v := &Value{Metric: mt, Value: y[t], Previous: math.NaN(), YearAgo: math.NaN(), Target: math.NaN()}
		cov := e.coverage(t, fam, start)
		v.Coverage, v.CoveredFrom, v.CoverageDetail = cov.Text, cov.From, cov
		v.Undated = undated
		if t > 0 {
			v.Previous = y[t-1]
		}
		if ya := e.yearAgo[t]; ya >= 0 {
			v.YearAgo = y[ya]
		}
		v.Usual = trailingMean(y, t, e.opt.UsualN)
		var fit seasonalFit
		var fitted bool
		v.Baseline, fit, fitted = base(y, t)
		if w.indices != nil {
			if fitted {
				w.indices[k] = slices.Clone(fit.index)
			}
			publish(k + 1)
		}
		if ts := w.targets[mt.Name]; ts.values != nil {
			v.Target = ts.values[t]
		}
		v.TargetCover = e.targetCover(w, mt.Name, t)
		hn := len(e.res.History)
		v.Range = rangeOf(v.Baseline.Value, v.Baseline.Spread)
		if fitted {
			// One block for the four series: a 2,000-rep organisation's
			// set holds a quarter of a million histories.
			block := make([]float64, 4*hn)
			vals, exp, lo, hi := block[:hn:hn], block[hn:2*hn:2*hn], block[2*hn:3*hn:3*hn], block[3*hn:]
			copy(vals, y[h-hn:])
			if toDate {
				// The whole periods' expectations at each one's elapsed
				// share (sc.s holds the series toDateBaseline fitted).
				copy(exp, expectedFromFit(sc.s[:h], fit, &e.bp, sc.exp, h-hn)[h-hn:])
				for i := range exp {
					exp[i] *= e.shares[h-hn+i]
				}
			} else {
				copy(exp, expectedFromFit(y, fit, &e.bp, sc.exp, h-hn)[h-hn:])
			}
			for i, x := range exp {
				sp := fit.spread
				if toDate {
					sp = math.Min(sp/math.Sqrt(e.shares[h-hn+i]), 1)
				}
				rg := rangeOf(x, sp)
				lo[i], hi[i] = rg.Low, rg.High
			}
			v.History = History{Values: vals, Expected: exp, Low: lo, High: hi, Threshold: v.Baseline.Threshold}
		} else {
			// Without a seasonal fit there is no expectation and no range
			// in any period: the three series share one read-only
			// stretch of NaN (capped, so an append copies it).
			v.History = History{Values: slices.Clone(y[h-hn:]), Expected: e.nans, Low: e.nans, High: e.nans,
				Threshold: v.Baseline.Threshold}
		}
		if w.s.Kind != ScopeRep {
			// Assessed over the last year at most (the director's
			// question): earlier periods stay TriUnknown.
			v.History.Structural = make([]crm.Tri, hn)
			for j := max(h-hn, h-structuralSpan(e.bp.m)); j < h; j++ {
				if j == t {
					v.History.Structural[j-(h-hn)] = v.Baseline.Structural
				} else {
					b, _, _ := base(y[:j+1], j)
					v.History.Structural[j-(h-hn)] = b.Structural
				}
			}
		}
		w.s.Values[mt.Name] = v
	}
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// keepOnly drops the scopes of the levels not requested.
func (r *Result) keepOnly(kinds []ScopeKind) {
	r.Scopes = slices.DeleteFunc(r.Scopes, func(s *Scope) bool { return !slices.Contains(kinds, s.Kind) })
	for k, s := range r.index {
		if !slices.Contains(kinds, s.Kind) {
			delete(r.index, k)
			if r.dropped == nil {
				r.dropped = make(map[scopeRef]*Scope)
			}
			r.dropped[k] = s // Reading still finds its readings
		}
	}
}

// structuralSpan is how many of the last periods get a structural mark in
// a History: one year of months, quarters or halves (at least 2), the
// last 13 weeks (a quarter) of weeks.
func structuralSpan(m int) int { return max(min(m, 13), 2) }

// isPipelineStock reports whether a metric is read from the reconstructed
// pipeline at a period's end.
func isPipelineStock(name string) bool {
	return name == PipelineValue || name == PipelineCount || name == WeightedPipeline
}
