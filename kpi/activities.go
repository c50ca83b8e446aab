package kpi

import (
	"math"
	"runtime"
	"sync"

	"github.com/crmdigest/crmdigest/crm"
)

// Counting the activities, the bulk of the rows, is two passes over
// memory rather than one random increment per row: with thousands of
// owners and a hundred weekly buckets the counters take megabytes, and
// every increment would miss the processor's caches. The first pass reads
// the rows by row range, one shard per core, and files each activity's
// counter index into the block of counters it falls in; the second
// counts one block at a time, one block per core, inside the cache.

// countBlockBits sizes a block: 64 Ki counters of 4 bytes, twice for a
// to-date period, fit a core's L2 cache.
const countBlockBits = 16

// recCut marks a filed index inside its period's cut (to-date only).
const recCut = 1 << 31

// fileActivities is false to count in place (a test checks that both
// ways agree); the cube also counts in place when its indexes do not fit
// in 31 bits.
var fileActivities = true

// activities counts the activities and collects their alerts and the
// last activity day of the deals open at asOf.
func (c *cube) activities(ds *crm.Dataset, asOf crm.Day, opt *Options, openAt map[string]int32, openList []int32, dealLast []crm.Day) {
	n := len(ds.Activities)
	workers := min(runtime.GOMAXPROCS(0), max(n/grainActivities, 1))
	blocks := 0
	if fileActivities && len(c.actFull) < recCut {
		blocks = (len(c.actFull) + 1<<countBlockBits - 1) >> countBlockBits
	} else {
		workers = 1 // the counters are shared
	}
	shards := make([]*cube, workers)
	lasts := make([][]crm.Day, workers)
	// Every shard is made before any starts: the first one is c itself.
	for w := range workers {
		shards[w] = c
		if w > 0 {
			shards[w] = c.shard()
		}
		if blocks > 0 {
			rows := (w+1)*n/workers - w*n/workers
			shards[w].filed = make([][]uint32, blocks)
			for b := range blocks {
				shards[w].filed[b] = make([]uint32, 0, rows/blocks+rows/blocks/8+16)
			}
		}
		// The last activity day of each open deal (NoDay: none yet).
		lasts[w] = make([]crm.Day, len(ds.Deals))
		for _, i := range openList {
			lasts[w][i] = crm.NoDay
		}
	}
	var wg sync.WaitGroup
	for w, sh := range shards {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			sh.activityRows(ds, lo, ds.Activities[lo:hi], asOf, opt, openAt, lasts[w])
		}()
	}
	wg.Wait()
	for w, sh := range shards {
		for _, di := range openList {
			if d := lasts[w][di]; d.Valid() && (!dealLast[di].Valid() || d > dealLast[di]) {
				dealLast[di] = d
			}
		}
		if w == 0 {
			continue
		}
		for o := range c.ownerFirst {
			c.ownerFirst[o] = min(c.ownerFirst[o], sh.ownerFirst[o])
			c.owned[o] = c.owned[o] || sh.owned[o]
			c.alerts[o] = append(c.alerts[o], sh.alerts[o]...)
		}
		c.mergeFamilies(sh)
	}
	if blocks == 0 {
		return
	}
	// Each block is counted by one worker: no counter is shared.
	workers = min(runtime.GOMAXPROCS(0), blocks)
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := k; b < blocks; b += workers {
				for _, sh := range shards {
					for _, r := range sh.filed[b] {
						i := r &^ recCut
						c.actFull[i]++
						if r&recCut != 0 {
							c.actCut[i]++
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, sh := range shards {
		sh.filed = nil
	}
}

// shard returns a cube sharing c's layout and counters, with its own
// first days, owners seen and alerts.
func (c *cube) shard() *cube {
	sh := *c
	sh.full, sh.cut = nil, nil // activity shards only count activities
	sh.ownerFirst = make([]crm.Day, len(c.ownerFirst))
	for i := range sh.ownerFirst {
		sh.ownerFirst[i] = math.MaxInt32
	}
	sh.owned = make([]bool, len(c.owned))
	for i := range sh.famStart {
		sh.famStart[i] = math.MaxInt32
	}
	sh.alerts = make([][]alertRef, len(c.alerts))
	return &sh
}

// countAct counts one activity of series s on day d: files its counter's
// index, or counts it in place when the cube does not file.
func (c *cube) countAct(o crm.ID, d crm.Day, s int) {
	b, inCut, ok := c.locate(d)
	if !ok {
		return
	}
	i := (int(o)*c.np+b)*nActs + s - sCalls
	if c.filed == nil {
		c.actFull[i]++
		if c.toDate && inCut {
			c.actCut[i]++
		}
		return
	}
	r := uint32(i)
	if c.toDate && inCut {
		r |= recCut
	}
	blk := i >> countBlockBits
	c.filed[blk] = append(c.filed[blk], r)
}

// activityRows counts activities on the day they were done; planned ones
// feed the alerts. An export with no done flag nor done date lists logged
// activities: each counts on its due day.
func (c *cube) activityRows(ds *crm.Dataset, offset int, rows []crm.Activity, asOf crm.Day, opt *Options, openAt map[string]int32, last []crm.Day) {
	doneKnown := ds.HasField(crm.KindActivities, "done") || ds.HasField(crm.KindActivities, "done_at")
	soon := asOf + crm.Day(opt.DueSoonDays)
	owners := len(c.ownerFirst)
	for i := range rows {
		a := &rows[i]
		o := a.Owner
		if o < 0 || int(o) >= owners {
			continue
		}
		c.owned[o] = true
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
					c.countAct(o, when, s)
				}
			}
			if a.Deal != "" && when <= asOf {
				if di, ok := openAt[a.Deal]; ok {
					if l := last[di]; !l.Valid() || when > l {
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
