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
	mine := make(map[crm.ID]bool, len(owners))
	for _, o := range owners {
		mine[o] = true
	}
	snapshot := crm.NoDay
	for i := range ds.Deals {
		d := &ds.Deals[i]
		if _, ok := ds.Rate(d.Currency); !ok {
			continue
		}
		for _, x := range []crm.Day{d.Created, d.Closed} {
			if x.Valid() && (!snapshot.Valid() || x > snapshot) {
				snapshot = x
			}
		}
	}
	type key struct {
		stage  crm.ID
		closed bool
	}
	byStage := map[key]*StageOpen{}
	for i := range ds.Deals {
		d := &ds.Deals[i]
		if !mine[d.Owner] {
			continue
		}
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
	slices.SortFunc(op.Stages, func(a, b StageOpen) int {
		if a.ClosedSince != b.ClosedSince {
			if a.ClosedSince {
				return 1
			}
			return -1
		}
		return int(a.Stage) - int(b.Stage)
	})
	return op
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
