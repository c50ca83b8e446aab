package kpi

import (
	"math"
	"runtime"
	"slices"
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
	// filed holds, while activities are read, the counter indexes of a
	// shard's activities by block of counters (see activities.go).
	filed [][]uint32

	ownerFirst []crm.Day
	// owned marks the owners of at least one row, dated or not.
	owned    []bool
	famStart [nFamilies]crm.Day

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
	c.owned = make([]bool, owners)
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

// aggregate makes the single pass over every row of the dataset. Deals,
// leads and invoices are read by one worker per core, each keeping the
// rows of its own range of owners: every owner's buckets then receive
// their amounts in row order, so the sums are the same to the last bit
// whatever the number of cores, and no bucket is written by two workers.
// The activities, ten times as many and only counted, are read by row
// range afterwards (they need the open deals).
func aggregate(ds *crm.Dataset, periods []Period, asOf crm.Day, opt *Options) *cube {
	owners := ds.Owners.Len()
	c := newCube(periods, owners)
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

	rows := len(ds.Deals) + len(ds.Leads) + len(ds.Invoices)
	workers := min(runtime.GOMAXPROCS(0), max(rows/grainRows, 1), max(owners, 1))
	parts := make([]*dealPart, workers)
	// open marks the deals open at the as-of day (each worker writes only
	// its owners' deals).
	open := make([]bool, len(ds.Deals))
	dealLast := make([]crm.Day, len(ds.Deals))
	var wg sync.WaitGroup
	for w := range parts {
		pt := &dealPart{c: c.view(), lo: crm.ID(w * owners / workers), hi: crm.ID((w + 1) * owners / workers),
			snapshot: math.MinInt32 + 1, accounts: ds.Accounts.Len()}
		parts[w] = pt
		wg.Add(1)
		go func() {
			defer wg.Done()
			pt.deals(ds, stageProb, asOf, open, dealLast)
			pt.leadsAndInvoices(ds)
		}()
	}
	wg.Wait()

	// Open deals without a created date cannot be placed in the past:
	// they join the pipeline on the snapshot day (the last day any deal
	// date shows), after every dated deal of their owner as before.
	snapshot := crm.Day(math.MinInt32 + 1)
	for _, pt := range parts {
		snapshot = max(snapshot, pt.snapshot)
	}
	for _, pt := range parts {
		c.mergeFamilies(pt.c)
		if snapshot == math.MinInt32+1 {
			continue
		}
		for _, u := range pt.undatedOpen {
			c.add(u.owner, snapshot, sPipeInN, 1)
			c.add(u.owner, snapshot, sPipeUndated, 1)
			c.add(u.owner, snapshot, sPipeInAmt, u.amt)
			c.add(u.owner, snapshot, sPipeInW, u.w)
			if u.blank {
				c.add(u.owner, snapshot, sPipeInNoAmt, 1)
			}
		}
	}
	c.productFirsts(parts, ds.Accounts.Len())

	// The deals open at the as-of day by id, for the activities that
	// name them (the last row of an id wins).
	var openList []int32
	for i, ok := range open {
		if ok {
			openList = append(openList, int32(i))
		}
	}
	openAt := make(map[string]int32, len(openList))
	for _, i := range openList {
		if id := ds.Deals[i].ID; id != "" {
			openAt[id] = i
		}
	}
	c.activities(ds, asOf, opt, openAt, openList, dealLast)
	c.dealAlerts(ds, asOf, opt, openList, dealLast)
	return c
}

// Below these many rows per worker, a goroutine costs more than it
// saves. Variables so that tests can force the parallel paths on small
// data.
var (
	grainRows       = 50_000
	grainActivities = 100_000
)

// view returns a cube sharing c's buckets, for a worker that writes only
// its own owners' cells, with its own family start days.
func (c *cube) view() *cube {
	v := *c
	for i := range v.famStart {
		v.famStart[i] = math.MaxInt32
	}
	return &v
}

// mergeFamilies takes the earlier family start days of a view.
func (c *cube) mergeFamilies(v *cube) {
	for f := range c.famStart {
		c.famStart[f] = min(c.famStart[f], v.famStart[f])
	}
}

// dealPart is one worker's share of the deals, leads and invoices: the
// rows owned by owners lo..hi-1.
type dealPart struct {
	c      *cube
	lo, hi crm.ID

	accounts    int     // ds.Accounts.Len()
	snapshot    crm.Day // the last deal date seen
	undatedOpen []undatedDeal
	buys        []purchase
}

type undatedDeal struct {
	owner  crm.ID
	amt, w float64
	blank  bool
}

// purchase is a won deal's account and product, for the saturation rate.
type purchase struct {
	account, product crm.ID
	day              crm.Day
}

// deals adds the part's deals to the buckets, marks those open at asOf
// and records their last activity day known from the deal row.
func (pt *dealPart) deals(ds *crm.Dataset, stageProb []float64, asOf crm.Day, open []bool, dealLast []crm.Day) {
	c := pt.c
	for i := range ds.Deals {
		d := &ds.Deals[i]
		o := d.Owner
		if o < pt.lo || o >= pt.hi {
			continue
		}
		rate, ok := ds.Rate(d.Currency)
		if !ok {
			continue // the sources set such rows aside; never guess a rate
		}
		c.owned[o] = true
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
		if d.Created.Valid() && d.Created > pt.snapshot {
			pt.snapshot = d.Created
		}
		if d.Closed.Valid() && d.Closed > pt.snapshot {
			pt.snapshot = d.Closed
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
				if d.Product >= 0 && int(d.Account) < pt.accounts {
					pt.buys = append(pt.buys, purchase{d.Account, d.Product, d.Closed})
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
			pt.undatedOpen = append(pt.undatedOpen, undatedDeal{owner: o, amt: amt, w: w, blank: !hasAmt})
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
			open[i] = true
			if d.LastActivity.Valid() && d.LastActivity <= asOf {
				dealLast[i] = d.LastActivity
			}
		}
	}
}

// leadsAndInvoices adds the part's leads and invoices to the buckets.
func (pt *dealPart) leadsAndInvoices(ds *crm.Dataset) {
	c := pt.c
	for i := range ds.Leads {
		l := &ds.Leads[i]
		if l.Owner < pt.lo || l.Owner >= pt.hi {
			continue
		}
		c.owned[l.Owner] = true
		if !l.Date.Valid() {
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
		if v.Owner < pt.lo || v.Owner >= pt.hi {
			continue
		}
		c.owned[v.Owner] = true
		rate, ok := ds.Rate(v.Currency)
		if !v.Date.Valid() || !ok || !crm.Has(v.Amount) {
			continue
		}
		c.seen(v.Owner, v.Date, famInvoices)
		c.add(v.Owner, v.Date, sInv, v.Amount*rate)
	}
}

// productFirsts keeps, per account, the first win day of each product it
// bought (from anyone): the purchases grouped by account with a counting
// sort, then the earliest day of each product of each account.
func (c *cube) productFirsts(parts []*dealPart, accounts int) {
	start := make([]int, accounts+1)
	products := 0
	for _, pt := range parts {
		for _, b := range pt.buys {
			start[b.account+1]++
			products = max(products, int(b.product)+1)
		}
	}
	for a := range accounts {
		start[a+1] += start[a]
	}
	byAccount := make([]purchase, start[accounts])
	next := slices.Clone(start[:accounts])
	for _, pt := range parts {
		for _, b := range pt.buys {
			byAccount[next[b.account]] = b
			next[b.account]++
		}
	}
	first := make([]crm.Day, products)
	stamp := make([]int32, products) // account+1 that set first[product]
	var order []crm.ID
	days := make([]crm.Day, 0, len(byAccount))
	c.prodFirst = make([][]crm.Day, accounts)
	for a := range accounts {
		order = order[:0]
		for _, b := range byAccount[start[a]:start[a+1]] {
			switch {
			case stamp[b.product] != int32(a+1):
				stamp[b.product] = int32(a + 1)
				first[b.product] = b.day
				order = append(order, b.product)
			case b.day < first[b.product]:
				first[b.product] = b.day
			}
		}
		from := len(days)
		for _, p := range order {
			days = append(days, first[p])
		}
		c.prodFirst[a] = days[from:len(days):len(days)]
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
