package kpi_test

import (
	"math"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// TestPipelineIndexMatchesScan checks the per-owner index against a scan of
// every deal of the Maven export, as PipelineAsOf did before the index: for
// each owner alone, pairs of owners and all owners, on days across the
// export, the same stages, counts and amounts to the last bit.
func TestPipelineIndexMatchesScan(t *testing.T) {
	ds := loadMaven(t)
	ix := kpi.NewPipelineIndex(ds)
	var all []crm.ID
	for i := range ds.Owners.All() {
		all = append(all, crm.ID(i))
	}
	groups := [][]crm.ID{all}
	for i, o := range all {
		groups = append(groups, []crm.ID{o})
		if i > 0 {
			groups = append(groups, []crm.ID{o, all[i-1], o}) // out of order, repeated
		}
	}
	first, last := crm.NoDay, crm.NoDay
	for i := range ds.Deals {
		for _, x := range []crm.Day{ds.Deals[i].Created, ds.Deals[i].Closed} {
			if x.Valid() && (!first.Valid() || x < first) {
				first = x
			}
			if x.Valid() && x > last {
				last = x
			}
		}
	}
	checked := 0
	for day := first - 1; day <= last+30; day += 37 {
		for _, g := range groups {
			got, want := ix.AsOf(g, day), scanPipeline(ds, g, day)
			if got.Current != want.Current || len(got.Stages) != len(want.Stages) {
				t.Fatalf("owners %v on %v: got %+v, want %+v", g, day, got, want)
			}
			for i := range got.Stages {
				a, b := got.Stages[i], want.Stages[i]
				same := a.Amount == b.Amount || (math.IsNaN(a.Amount) && math.IsNaN(b.Amount))
				if a.Stage != b.Stage || a.ClosedSince != b.ClosedSince || a.Count != b.Count || !same {
					t.Fatalf("owners %v on %v, stage %d: got %+v, want %+v", g, day, i, a, b)
				}
			}
			checked += got.Count()
		}
	}
	if checked == 0 {
		t.Fatal("no open deal on any day checked: the test compared nothing")
	}
}

// scanPipeline is the rule of PipelineAsOf written as a scan of every deal.
func scanPipeline(ds *crm.Dataset, owners []crm.ID, day crm.Day) kpi.OpenPipeline {
	mine := map[crm.ID]bool{}
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
	by := map[key]*kpi.StageOpen{}
	var order []key
	for i := range ds.Deals {
		d := &ds.Deals[i]
		rate, ok := ds.Rate(d.Currency)
		if !mine[d.Owner] || !ok || !kpi.OpenAt(d, day, snapshot) {
			continue
		}
		k := key{d.Stage, d.Status != crm.StatusOpen}
		if by[k] == nil {
			by[k] = &kpi.StageOpen{Stage: d.Stage, ClosedSince: k.closed, Amount: math.NaN()}
			order = append(order, k)
		}
		st := by[k]
		st.Count++
		if crm.Has(d.Amount) {
			if !crm.Has(st.Amount) {
				st.Amount = 0
			}
			st.Amount += d.Amount * rate
		}
	}
	op := kpi.OpenPipeline{Day: day, Current: !snapshot.Valid() || day >= snapshot}
	for _, k := range order {
		op.Stages = append(op.Stages, *by[k])
	}
	kpi.SortStages(op.Stages)
	return op
}
