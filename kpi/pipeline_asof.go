package kpi

import (
	"math"
	"slices"

	"github.com/crmdigest/crmdigest/crm"
)

// StageOpen is the open pipeline of one stage at the end of one day.
type StageOpen struct {
	Stage crm.ID // Dataset.Stages; crm.NoID for deals without a stage
	// ClosedSince is true for the deals open on the day but won or lost
	// since: their stage in the export is the closing one.
	ClosedSince bool
	// Amount is the sum of the amounts in the reporting currency of the
	// deals that carry one; NaN when none does.
	Amount float64
	Count  int
}

// OpenPipeline is the pipeline of some owners as it stood at the end of
// one day, by stage, counted by the rule of the pipeline metrics
// (PipelineCount, PipelineValue): a deal is in from its created day and
// out from its closed day, so a deal won or lost after the day still
// counts as open on it; an open deal without a created date joins on the
// export's last deal date; a closed deal without a close date and a deal
// in a currency without a rate are never placed. An export keeps no
// stage history: each deal is shown in the stage the export gives it
// today (Current false says the day is before the export's last deal
// date, so the stages may have moved since).
type OpenPipeline struct {
	Day    crm.Day
	Stages []StageOpen // in the CRM's stage order, the deals closed since last
	// Current is true when the day is on or after the last deal date of
	// the export: the stages are those of that day.
	Current bool
}

// Count returns the number of open deals of all stages.
func (op OpenPipeline) Count() int {
	n := 0
	for _, s := range op.Stages {
		n += s.Count
	}
	return n
}

// PipelineAsOf returns the pipeline of the deals owned by owners (ids of
// Dataset.Owners) as it stood at the end of day.
func PipelineAsOf(ds *crm.Dataset, owners []crm.ID, day crm.Day) OpenPipeline {
	return NewPipelineIndex(ds).AsOf(owners, day)
}

// PipelineIndex answers PipelineAsOf for many owners of one dataset: the
// export's last deal date and each owner's deals are found once, so that
// a run of 2,000 digests does not scan every deal of the export 2,000
// times (it did: 15 % of a 2,404-recipient run's CPU, docs/PERFORMANCE.md).
// It is read-only once built and safe for concurrent use.
type PipelineIndex struct {
	ds       *crm.Dataset
	snapshot crm.Day
	byOwner  map[crm.ID][]int32 // indices into ds.Deals, ascending
}

// NewPipelineIndex indexes ds's deals by owner.
func NewPipelineIndex(ds *crm.Dataset) *PipelineIndex {
	ix := &PipelineIndex{ds: ds, snapshot: crm.NoDay, byOwner: map[crm.ID][]int32{}}
	for i := range ds.Deals {
		d := &ds.Deals[i]
		if _, ok := ds.Rate(d.Currency); !ok {
			continue
		}
		for _, x := range []crm.Day{d.Created, d.Closed} {
			if x.Valid() && (!ix.snapshot.Valid() || x > ix.snapshot) {
				ix.snapshot = x
			}
		}
		ix.byOwner[d.Owner] = append(ix.byOwner[d.Owner], int32(i))
	}
	return ix
}

// AsOf returns the pipeline of the deals owned by owners as it stood at
// the end of day.
func (ix *PipelineIndex) AsOf(owners []crm.ID, day crm.Day) OpenPipeline {
	ds, snapshot := ix.ds, ix.snapshot
	// The deals are visited in the export's order, as a scan of the whole
	// export would, so that the sums (floating point) come out the same.
	var idx []int32
	seen := make(map[crm.ID]bool, len(owners))
	for _, o := range owners {
		if !seen[o] {
			seen[o] = true
			idx = append(idx, ix.byOwner[o]...)
		}
	}
	slices.Sort(idx)
	type key struct {
		stage  crm.ID
		closed bool
	}
	byStage := map[key]*StageOpen{}
	for _, i := range idx {
		d := &ds.Deals[i]
		rate, ok := ds.Rate(d.Currency)
		if !ok || !openAt(d, day, snapshot) {
			continue
		}
		k := key{d.Stage, d.Status != crm.StatusOpen}
		st := byStage[k]
		if st == nil {
			st = &StageOpen{Stage: d.Stage, ClosedSince: k.closed, Amount: math.NaN()}
			byStage[k] = st
		}
		st.Count++
		if crm.Has(d.Amount) {
			if !crm.Has(st.Amount) {
				st.Amount = 0
			}
			st.Amount += d.Amount * rate
		}
	}
	op := OpenPipeline{Day: day, Current: !snapshot.Valid() || day >= snapshot}
	for _, st := range byStage {
		op.Stages = append(op.Stages, *st)
	}
	sortStages(op.Stages)
	return op
}

// sortStages puts the stages in the CRM's order, the deals closed since
// last.
func sortStages(stages []StageOpen) {
	slices.SortFunc(stages, func(a, b StageOpen) int {
		if a.ClosedSince != b.ClosedSince {
			if a.ClosedSince {
				return 1
			}
			return -1
		}
		return int(a.Stage) - int(b.Stage)
	})
}

// openAt reports whether a deal was open at the end of day, by the rule
// of the reconstructed pipeline (aggregate.go).
func openAt(d *crm.Deal, day, snapshot crm.Day) bool {
	closed := d.Status != crm.StatusOpen
	switch {
	case closed && !d.Closed.Valid():
		return false
	case !d.Created.Valid():
		return !closed && snapshot.Valid() && snapshot <= day
	case d.Created > day:
		return false
	case !closed:
		return true
	}
	return max(d.Closed, d.Created) > day
}
