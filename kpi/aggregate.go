package kpi

import (
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/crmdigest/crmdigest/crm"
)

// cube holds what one pass over the rows leaves behind: per owner and per
// period of the series, the sums of every additive series (full periods
// and, for a to-date request, the same periods cut at the same point),
// plus the few non-additive things (sales cycles, account × product
// purchases) that scopes combine later. Nothing after this pass reads the
// rows again.
type cube struct {
	periods []Period // the series, oldest first; the last is the request's
	np      int      // buckets per owner: len(periods) + 1 (0 = before the series)
	toDate  bool

	winStart crm.Day
	lastDay  crm.Day // the request's last day: later rows are ignored
	dayIdx   []int32 // by day - winStart: the bucket of that day
	dayCut   []bool  // by day - winStart: the day is inside its period's cut

	owners int
	full   []float64 // [owner][bucket][series]
	cut    []float64 // the same cut like the request (== full unless to-date)
	// actFull and actCut count activities [owner][bucket][type] apart,
	// in 32-bit counts: millions of activities land in random owners and
	// buckets, and a table this small stays in the processor's cache.
	actFull, actCut []uint32

	ownerFirst []crm.Day
	famStart   [nFamilies]crm.Day

	cycles   [][]cycleEntry   // per owner, won deals with a cycle
	accounts [][]accountEntry // per owner, won deals with an account
	// prodFirst is, per account, the first win day of each product it
	// bought (from anyone).
	prodFirst [][]crm.Day

	alerts [][]alertRef // per owner
}

type cycleEntry struct {
	bucket int32
	inCut  bool
	days   float32
}

type accountEntry struct {
	account crm.ID
	day     crm.Day
}

// newCube lays out the buckets for the series of periods.
func newCube(periods []Period, owners int) *cube {
	c := &cube{periods: periods, np: len(periods) + 1, owners: owners}
	last := periods[len(periods)-1]
	c.toDate = last.IsToDate()
	c.winStart = periods[0].Start()
	c.lastDay = last.End()
	n := int(last.FullEnd()-c.winStart) + 1
	c.dayIdx = make([]int32, n)
	c.dayCut = make([]bool, n)
	for i, p := range periods {
		for d := p.Start(); d <= p.FullEnd(); d++ {
			c.dayIdx[d-c.winStart] = int32(i + 1)
			c.dayCut[d-c.winStart] = d <= p.End()
		}
	}
	size := owners * c.np * nSeries
	c.full = make([]float64, size)
	c.cut = c.full
	if c.toDate {
		c.cut = make([]float64, size)
	}
	c.actFull = make([]uint32, owners*c.np*nActs)
	c.actCut = c.actFull
	if c.toDate {
		c.actCut = make([]uint32, len(c.actFull))
	}
	c.ownerFirst = make([]crm.Day, owners)
	for i := range c.ownerFirst {
		c.ownerFirst[i] = math.MaxInt32
	}
	for i := range c.famStart {
		c.famStart[i] = math.MaxInt32
	}
	c.cycles = make([][]cycleEntry, owners)
	c.accounts = make([][]accountEntry, owners)
	c.alerts = make([][]alertRef, owners)
	return c
}

// locate returns the bucket of day d and whether d is inside its period's
// cut; ok is false for days after the request's last day. Every day
// before the series falls in bucket 0, which only running totals read.
func (c *cube) locate(d crm.Day) (bucket int, inCut, ok bool) {
	if d < c.winStart {
		return 0, true, true
	}
	if d > c.lastDay {
		return 0, false, false
	}
	i := d - c.winStart
	return int(c.dayIdx[i]), c.dayCut[i], true
}

// nActs is the number of activity series, sCalls .. sTasks.
const nActs = sTasks - sCalls + 1

// addAct counts one activity of series s on day d.
func (c *cube) addAct(o crm.ID, d crm.Day, s int) {
	b, inCut, ok := c.locate(d)
	if !ok {
		return
	}
	i := (int(o)*c.np+b)*nActs + s - sCalls
	c.actFull[i]++
	if c.toDate && inCut {
		c.actCut[i]++
	}
}

// foldActivities adds the activity counts into the float buckets, once
// every row has been read.
func (c *cube) foldActivities() {
	fold := func(dst []float64, acts []uint32) {
		for ob := 0; ob < len(acts)/nActs; ob++ {
			for k := range nActs {
				dst[ob*nSeries+sCalls+k] += float64(acts[ob*nActs+k])
			}
		}
	}
	fold(c.full, c.actFull)
	if c.toDate {
		fold(c.cut, c.actCut)
	}
}

// add adds v to series s of owner o on day d.
func (c *cube) add(o crm.ID, d crm.Day, s int, v float64) {
	b, inCut, ok := c.locate(d)
	if !ok {
		return
	}
	i := (int(o)*c.np+b)*nSeries + s
	c.full[i] += v
	if c.toDate && inCut {
		c.cut[i] += v
	}
}

func (c *cube) seen(o crm.ID, d crm.Day, f family) {
	if !d.Valid() || d > c.lastDay {
		return
	}
	if d < c.ownerFirst[o] {
		c.ownerFirst[o] = d
	}
	if d < c.famStart[f] {
		c.famStart[f] = d
	}
}

// aggregate makes the single pass over every row of the dataset.
func aggregate(ds *crm.Dataset, periods []Period, asOf crm.Day, opt *Options) *cube {
	owners := ds.Owners.Len()
	c := newCube(periods, owners)
	validOwner := func(o crm.ID) bool { return o >= 0 && int(o) < owners }

	stageProb := make([]float64, ds.Stages.Len())
	for i := range stageProb {
		stageProb[i] = math.NaN()
	}
	for name, p := range opt.StageProbabilities {
		for i, s := range ds.Stages.All() {
			if strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(name)) {
				stageProb[i] = p
			}
		}
	}

	// Open deals without a created date cannot be placed in the past: they
	// join the pipeline on the snapshot day (the last day any deal date
	// shows), kept aside until that day is known.
	type undated struct {
		owner  crm.ID
		amt, w float64
		blank  bool
	}
	var undatedOpen []undated
	snapshot := crm.Day(math.MinInt32 + 1)
	prodFirst := make(map[uint64]crm.Day)
	// Deals open at the as-of day, for the alerts: by id for the
	// activities that name them, and their last activity day.
	openAt := make(map[string]int32)
	var openList []int32
	dealLast := make([]crm.Day, len(ds.Deals))

	for i := range ds.Deals {
		d := &ds.Deals[i]
		o := d.Owner
		if !validOwner(o) {
			continue
		}
		rate, ok := ds.Rate(d.Currency)
		if !ok {
			continue // the sources set such rows aside; never guess a rate
		}
		amt, hasAmt := 0.0, crm.Has(d.Amount)
		if hasAmt {
			amt = d.Amount * rate
		}
		p := math.NaN()
		if d.Stage >= 0 && int(d.Stage) < len(stageProb) {
			p = stageProb[d.Stage]
		}
		if !crm.Has(p) && crm.Has(d.Probability) {
			p = d.Probability
		}
		w := 0.0
		if crm.Has(p) {
			w = amt * p
		}
		for _, x := range []crm.Day{d.Created, d.Closed} {
			if x.Valid() && x > snapshot {
				snapshot = x
			}
		}
		c.seen(o, d.Created, famCreated)
		closed := d.Status != crm.StatusOpen && d.Closed.Valid()
		if closed {
			c.seen(o, d.Closed, famClosed)
		}
		if d.Created.Valid() {
			c.add(o, d.Created, sCreatedN, 1)
		}
		switch {
		case d.Status == crm.StatusWon && d.Closed.Valid():
			c.add(o, d.Closed, sWonN, 1)
			c.add(o, d.Closed, sWonAmt, amt)
			if crm.Has(d.Margin) {
				c.add(o, d.Closed, sWonMargin, d.Margin*rate)
			}
			if d.Created.Valid() && d.Closed >= d.Created {
				cyc := float64(d.Closed - d.Created)
				c.add(o, d.Closed, sCycleSum, cyc)
				c.add(o, d.Closed, sCycleN, 1)
				if b, inCut, ok := c.locate(d.Closed); ok && b > 0 {
					c.cycles[o] = append(c.cycles[o], cycleEntry{int32(b), inCut, float32(cyc)})
				}
			}
			switch d.Kind {
			case crm.KindNewBusiness:
				c.add(o, d.Closed, sNBAmt, amt)
			case crm.KindRenewal:
				c.add(o, d.Closed, sRenAmt, amt)
				c.add(o, d.Closed, sRenWonN, 1)
			}
			if d.Account >= 0 && d.Closed <= c.lastDay {
				c.accounts[o] = append(c.accounts[o], accountEntry{d.Account, d.Closed})
				if d.Product >= 0 {
					k := uint64(d.Account)<<32 | uint64(uint32(d.Product))
					if f, ok := prodFirst[k]; !ok || d.Closed < f {
						prodFirst[k] = d.Closed
					}
				}
			}
		case d.Status == crm.StatusLost && d.Closed.Valid():
			c.add(o, d.Closed, sLostN, 1)
			if d.Kind == crm.KindRenewal {
				c.add(o, d.Closed, sRenLostN, 1)
			}
		}
		// The reconstructed pipeline: in on the created day, out on the
		// closed day. A closed deal without a close date cannot be placed.
		switch {
		case d.Status != crm.StatusOpen && !d.Closed.Valid():
		case !d.Created.Valid() && d.Status == crm.StatusOpen:
			undatedOpen = append(undatedOpen, undated{owner: o, amt: amt, w: w, blank: !hasAmt})
		case d.Created.Valid():
			c.add(o, d.Created, sPipeInN, 1)
			c.add(o, d.Created, sPipeInAmt, amt)
			c.add(o, d.Created, sPipeInW, w)
			if !hasAmt {
				c.add(o, d.Created, sPipeInNoAmt, 1)
			}
			if closed {
				out := max(d.Closed, d.Created)
				c.add(o, out, sPipeOutN, 1)
				c.add(o, out, sPipeOutAmt, amt)
				c.add(o, out, sPipeOutW, w)
				if !hasAmt {
					c.add(o, out, sPipeOutNoAmt, 1)
				}
			}
		}
		// Deals open at the as-of day, for the alerts.
		dealLast[i] = crm.NoDay
		if (!d.Created.Valid() || d.Created <= asOf) && (d.Status == crm.StatusOpen || (d.Closed.Valid() && d.Closed > asOf)) {
			openList = append(openList, int32(i))
			if d.ID != "" {
				openAt[d.ID] = int32(i)
			}
			if d.LastActivity.Valid() && d.LastActivity <= asOf {
				dealLast[i] = d.LastActivity
			}
		}
	}
	if snapshot > math.MinInt32+1 {
		for _, u := range undatedOpen {
			c.add(u.owner, snapshot, sPipeInN, 1)
			c.add(u.owner, snapshot, sPipeInAmt, u.amt)
			c.add(u.owner, snapshot, sPipeInW, u.w)
			if u.blank {
				c.add(u.owner, snapshot, sPipeInNoAmt, 1)
			}
		}
	}

	c.activities(ds, asOf, opt, openAt, dealLast)

	for i := range ds.Leads {
		l := &ds.Leads[i]
		if !validOwner(l.Owner) || !l.Date.Valid() {
			continue
		}
		c.seen(l.Owner, l.Date, famLeads)
		if l.Kind == crm.LeadKindContact {
			c.add(l.Owner, l.Date, sContacts, 1)
		} else {
			c.add(l.Owner, l.Date, sLeads, 1)
		}
	}
	for i := range ds.Invoices {
		v := &ds.Invoices[i]
		rate, ok := ds.Rate(v.Currency)
		if !validOwner(v.Owner) || !v.Date.Valid() || !ok || !crm.Has(v.Amount) {
			continue
		}
		c.seen(v.Owner, v.Date, famInvoices)
		c.add(v.Owner, v.Date, sInv, v.Amount*rate)
	}

	// Product first-win days per account, for the saturation rate.
	c.prodFirst = make([][]crm.Day, ds.Accounts.Len())
	for k, d := range prodFirst {
		a := int(k >> 32)
		if a < len(c.prodFirst) {
			c.prodFirst[a] = append(c.prodFirst[a], d)
		}
	}

	c.dealAlerts(ds, asOf, opt, openList, dealLast)
	return c
}

// activities counts the activities and collects their alerts. It is the
// bulk of the rows, so it runs in one shard per core, each over a slice of
// the rows with its own buckets, merged in row order afterwards.
func (c *cube) activities(ds *crm.Dataset, asOf crm.Day, opt *Options, openAt map[string]int32, dealLast []crm.Day) {
	n := len(ds.Activities)
	workers := min(runtime.GOMAXPROCS(0), max(n/100_000, 1))
	shards := make([]*cube, workers)
	lasts := make([]map[int32]crm.Day, workers)
	var wg sync.WaitGroup
	for w := range workers {
		sh := c
		if w > 0 {
			sh = c.shard()
		}
		shards[w] = sh
		lasts[w] = make(map[int32]crm.Day)
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			sh.activityRows(ds, lo, ds.Activities[lo:hi], asOf, opt, openAt, lasts[w])
		}()
	}
	wg.Wait()
	for w, sh := range shards {
		for di, d := range lasts[w] {
			if !dealLast[di].Valid() || d > dealLast[di] {
				dealLast[di] = d
			}
		}
		if w == 0 {
			continue
		}
		for i, v := range sh.actFull {
			c.actFull[i] += v
		}
		if c.toDate {
			for i, v := range sh.actCut {
				c.actCut[i] += v
			}
		}
		for o := range c.ownerFirst {
			c.ownerFirst[o] = min(c.ownerFirst[o], sh.ownerFirst[o])
			c.alerts[o] = append(c.alerts[o], sh.alerts[o]...)
		}
		for f := range c.famStart {
			c.famStart[f] = min(c.famStart[f], sh.famStart[f])
		}
	}
}

// shard returns a cube sharing c's layout with empty buckets.
func (c *cube) shard() *cube {
	sh := *c
	sh.full, sh.cut = nil, nil // activity shards only count activities
	sh.actFull = make([]uint32, len(c.actFull))
	sh.actCut = sh.actFull
	if c.toDate {
		sh.actCut = make([]uint32, len(c.actCut))
	}
	sh.ownerFirst = make([]crm.Day, len(c.ownerFirst))
	for i := range sh.ownerFirst {
		sh.ownerFirst[i] = math.MaxInt32
	}
	for i := range sh.famStart {
		sh.famStart[i] = math.MaxInt32
	}
	sh.alerts = make([][]alertRef, len(c.alerts))
	return &sh
}

// activityRows counts activities on the day they were done; planned ones
// feed the alerts. An export with no done flag nor done date lists logged
// activities: each counts on its due day.
func (c *cube) activityRows(ds *crm.Dataset, offset int, rows []crm.Activity, asOf crm.Day, opt *Options, openAt map[string]int32, last map[int32]crm.Day) {
	doneKnown := ds.HasField(crm.KindActivities, "done") || ds.HasField(crm.KindActivities, "done_at")
	soon := asOf + crm.Day(opt.DueSoonDays)
	owners := len(c.ownerFirst)
	for i := range rows {
		a := &rows[i]
		o := a.Owner
		if o < 0 || int(o) >= owners {
			continue
		}
		var when crm.Day = crm.NoDay
		done := !doneKnown || a.IsDone()
		if done {
			when = a.DoneAt
			if !when.Valid() {
				when = a.Due
			}
		}
		if when.Valid() {
			c.seen(o, when, famActivities)
			if int(a.Type) < len(activitySeries) {
				if s := activitySeries[a.Type]; s >= 0 {
					c.addAct(o, when, s)
				}
			}
			if a.Deal != "" && when <= asOf {
				if di, ok := openAt[a.Deal]; ok {
					if l, ok := last[di]; !ok || when > l {
						last[di] = when
					}
				}
			}
		}
		if doneKnown && !a.IsDone() && a.Due.Valid() && a.Due < soon {
			al := alertRef{kind: refDueSoon, row: int32(offset + i), date: a.Due, days: int32(a.Due - asOf)}
			if a.Due < asOf {
				al.kind, al.days = refOverdue, int32(asOf-a.Due)
			}
			c.alerts[o] = append(c.alerts[o], al)
		}
	}
}

// dealAlerts adds the deals open at asOf whose expected close has passed,
// and those without activity for more than opt.StaleDays.
func (c *cube) dealAlerts(ds *crm.Dataset, asOf crm.Day, opt *Options, open []int32, dealLast []crm.Day) {
	staleKnown := ds.HasKind(crm.KindActivities) || ds.HasField(crm.KindDeals, "last_activity")
	visit := func(i int32) {
		d := &ds.Deals[i]
		o := d.Owner
		if d.ExpectedClose.Valid() && d.ExpectedClose < asOf {
			c.alerts[o] = append(c.alerts[o], alertRef{kind: refPastClose, row: i, date: d.ExpectedClose, days: int32(asOf - d.ExpectedClose)})
		}
		if !staleKnown {
			return
		}
		last := dealLast[i]
		if !last.Valid() {
			last = d.Created // no activity at all since it was created
		}
		if last.Valid() && int(asOf-last) > opt.StaleDays {
			c.alerts[o] = append(c.alerts[o], alertRef{kind: refStale, row: i, date: last, days: int32(asOf - last)})
		}
	}
	for _, i := range open {
		visit(i)
	}
}
