package kpi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// randomDataset makes a small random organisation: reps spread over
// teams and regions, owners missing from the directory, and rows of every
// kind between 2015 and 2018.
func randomDataset(r *rand.Rand) *crm.Dataset {
	ds := crm.NewDataset()
	ds.Currency = "EUR"
	ds.Rates = map[string]float64{"USD": 0.9}
	usd := ds.Currencies.Intern("USD")
	nReps := 1 + r.IntN(12)
	for i := range nReps {
		p := crm.Person{Name: fmt.Sprintf("Rep %d", i), Email: fmt.Sprintf("rep%d@x", i), Role: crm.RoleRep}
		if r.IntN(5) > 0 {
			p.Team = fmt.Sprintf("T%d", r.IntN(3))
		}
		if r.IntN(5) > 0 {
			p.Region = fmt.Sprintf("R%d", r.IntN(2))
		}
		ds.People = append(ds.People, p)
	}
	var owners []crm.ID
	for i := range nReps {
		switch r.IntN(3) {
		case 0:
			owners = append(owners, ds.Owners.Intern(ds.People[i].Email))
		default:
			owners = append(owners, ds.Owners.Intern(ds.People[i].Name))
		}
	}
	for i := range 1 + r.IntN(3) {
		owners = append(owners, ds.Owners.Intern(fmt.Sprintf("Stranger %d", i)))
	}
	for i := range 5 {
		ds.Accounts.Intern(fmt.Sprintf("Acc %d", i))
		ds.Products.Intern(fmt.Sprintf("Prod %d", i))
	}
	start := day("2015-01-01")
	span := int(day("2018-12-31") - start)
	dayIn := func() crm.Day { return start + crm.Day(r.IntN(span)) }
	for i := range 50 + r.IntN(400) {
		d := crm.Deal{ID: fmt.Sprint("D", i), Owner: owners[r.IntN(len(owners))], Status: crm.Status(r.IntN(3)),
			Kind: crm.DealKind(r.IntN(3)), Created: dayIn(), Closed: crm.NoDay, ExpectedClose: crm.NoDay,
			Amount: float64(r.IntN(10000)), Margin: float64(r.IntN(1000)), Probability: r.Float64(),
			Account: crm.ID(r.IntN(5)), Product: crm.ID(r.IntN(5)), Stage: crm.NoID, Currency: crm.NoID, LastActivity: crm.NoDay}
		if d.Status != crm.StatusOpen {
			d.Closed = d.Created + crm.Day(r.IntN(200))
		}
		if r.IntN(4) == 0 {
			d.Currency = usd
		}
		ds.Deals = append(ds.Deals, d)
	}
	for i := range r.IntN(600) {
		a := crm.Activity{ID: fmt.Sprint("A", i), Owner: owners[r.IntN(len(owners))], Type: crm.ActivityType(r.IntN(7)),
			Due: dayIn(), DoneAt: crm.NoDay, Done: crm.Tri(r.IntN(3)), Account: crm.NoID}
		if r.IntN(2) == 0 {
			a.DoneAt = a.Due
		}
		ds.Activities = append(ds.Activities, a)
	}
	for range r.IntN(100) {
		ds.Leads = append(ds.Leads, crm.Lead{Owner: owners[r.IntN(len(owners))], Date: dayIn(), Kind: crm.LeadKind(r.IntN(2))})
	}
	for range r.IntN(100) {
		ds.Invoices = append(ds.Invoices, crm.Invoice{Owner: owners[r.IntN(len(owners))], Date: dayIn(), Amount: float64(r.IntN(500)), Currency: crm.NoID})
	}
	for k, fields := range allFields {
		ds.MarkFields(k, fields...)
	}
	return ds
}

// additive are the metrics whose scope totals must equal the sum of the
// members'.
var additive = []string{WonRevenue, GrossMargin, WonDeals, LostDeals, NewOpportunities, PipelineValue, PipelineCount,
	WeightedPipeline, InvoicedVolume, NewBusinessRevenue, RenewalRevenue, NewContacts, NewLeads,
	Calls, Meetings, Demos, Proposals, Emails, TasksDone}

// TestScopeTotalsAddUp is the property test: for random organisations
// and periods, every team, region and the organisation equals the sum of
// its reps, and the teams and the regions each add up to the
// organisation, for the value and the previous period.
func TestScopeTotalsAddUp(t *testing.T) {
	ids := []string{"2017-W48", "2017-12", "2017-Q4", "2017-H2", "2017", "2018-02..2018-02-14", "2018-Q1..2018-02-28", "2020-W53"}
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 7))
		ds := randomDataset(r)
		id := ids[int(seed)%len(ids)]
		res := mustCompute(t, ds, id, crm.NoDay, Options{})
		val := func(s *Scope, m string, prev bool) float64 {
			v := s.Values[m]
			if v == nil {
				return 0
			}
			x := v.Value
			if prev {
				x = v.Previous
			}
			if !crm.Has(x) {
				return 0 // before that rep's first row: nothing
			}
			return x
		}
		for _, s := range res.Scopes {
			if s.Kind == ScopeRep {
				continue
			}
			for _, m := range additive {
				for _, prev := range []bool{false, true} {
					sum := 0.0
					for _, k := range s.Members {
						sum += val(res.Scope(ScopeRep, k), m, prev)
					}
					if got := val(s, m, prev); math.Abs(got-sum) > 1e-6*math.Max(1, math.Abs(sum)) {
						t.Errorf("seed %d %s: %s %s %s (previous %v) = %v, sum of its reps = %v", seed, id, s.Kind, s.Key, m, prev, got, sum)
					}
				}
			}
		}
		for _, kind := range []ScopeKind{ScopeTeam, ScopeRegion} {
			for _, m := range additive {
				sum := 0.0
				for _, s := range res.Scopes {
					if s.Kind == kind {
						sum += val(s, m, false)
					}
				}
				if got := val(res.Scope(ScopeOrg, OrgKey), m, false); math.Abs(got-sum) > 1e-6*math.Max(1, math.Abs(sum)) {
					t.Errorf("seed %d %s: org %s = %v, sum of %ss = %v", seed, id, m, got, kind, sum)
				}
			}
		}
		// Every row is counted somewhere: the org's won deals over all
		// time equal the dataset's won deals closed by the period's end.
		want := 0.0
		for _, d := range ds.Deals {
			if d.Status == crm.StatusWon && res.Period.Contains(d.Closed) {
				want++
			}
		}
		if got := val(res.Scope(ScopeOrg, OrgKey), WonDeals, false); got != want {
			t.Errorf("seed %d %s: org won deals %v, want %v from the rows", seed, id, got, want)
		}
	}
}
