package kpi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// story is a planted team history for the diagnosis tests.
type story int

const (
	storySteady   story = iota // every rep as usual
	storyCollapse              // rep 0 wins a tenth of their usual from October 2017
	storyFall                  // every rep wins 40 % of their usual from October 2017
)

// storyTeam builds one team of five reps over 2015-2017 (15 won deals of
// 1,000 a rep a month at the seasonal pattern trueIndex, Poisson) and one
// rep in the directory with no row at all, with the story planted.
func storyTeam(st story, seed uint64) *crm.Dataset {
	r := rand.New(rand.NewPCG(seed, 44))
	ds := crm.NewDataset()
	ds.Currency = "EUR"
	ds.People = []crm.Person{{Name: "Mona Manager", Email: "mona@x", Role: crm.RoleManager, Team: "T", Region: "R"},
		{Name: "Nora New", Email: "nora@x", Role: crm.RoleRep, Team: "T", Region: "R"}}
	start := crm.DayFromDate(2015, 1, 1)
	n := 0
	for i := range 5 {
		name := fmt.Sprintf("Rep %d", i)
		ds.People = append(ds.People, crm.Person{Name: name, Email: fmt.Sprintf("rep%d@x", i), Role: crm.RoleRep, Team: "T", Region: "R"})
		o := ds.Owners.Intern(name)
		for m := range 36 {
			first := crm.DayFromDate(2015+m/12, time.Month(m%12+1), 1)
			days := int(crm.DayFromDate(2015+(m+1)/12, time.Month((m+1)%12+1), 1) - first)
			lambda := 15 * trueIndex[m%12]
			if m >= 33 {
				switch {
				case st == storyCollapse && i == 0:
					lambda *= 0.1
				case st == storyFall:
					lambda *= 0.4
				}
			}
			for range poisson(r, lambda) {
				d := first + crm.Day(r.IntN(days))
				ds.Deals = append(ds.Deals, crm.Deal{ID: fmt.Sprint("D", n), Owner: o, Status: crm.StatusWon,
					Created: max(d-20, start), Closed: d, ExpectedClose: crm.NoDay, Amount: 1000, Margin: math.NaN(),
					Probability: math.NaN(), Currency: crm.NoID, Account: crm.NoID, Product: crm.NoID, Stage: crm.NoID,
					LastActivity: crm.NoDay})
				n++
			}
		}
	}
	ds.MarkFields(crm.KindDeals, "id", "owner", "status", "created", "closed", "amount")
	ds.MarkFields(crm.KindPeople, "name", "email", "role", "team", "region")
	return ds
}

// TestDiagnosisStories plants three stories in 30 seeded teams each and
// reads the manager's diagnosis over week 50, December and 2017-Q4: one
// rep collapses (individual, naming only them), the whole team falls
// (general), the team stays steady (never general nor individual). The
// person without a row in the export is never assessed nor named.
func TestDiagnosisStories(t *testing.T) {
	const seeds = 30
	ids := []string{"2017-W50", "2017-12", "2017-Q4"}
	got := map[story]map[Diagnosis]int{}
	for _, st := range []story{storySteady, storyCollapse, storyFall} {
		got[st] = map[Diagnosis]int{}
		for seed := range uint64(seeds) {
			ds := storyTeam(st, seed)
			var rs []*Result
			for _, id := range ids {
				p, err := ParsePeriod(id, 1)
				if err != nil {
					t.Fatal(err)
				}
				r, err := Compute(ds, Request{Period: p})
				if err != nil {
					t.Fatal(err)
				}
				rs = append(rs, r)
			}
			d := Diagnose(rs, "T")
			if s := rs[1].Scope(ScopeRep, "nora@x"); s == nil || s.InExport || rs[1].Reading(ScopeRep, "nora@x", WonRevenue) != nil {
				t.Errorf("story %d seed %d: the rep without rows has scope %+v and a reading", st, seed, s)
			}
			got[st][d.Kind]++
			for _, rp := range d.Reps {
				if rp.Rep == "nora@x" && (rp.InExport || rp.Assessed || slices.Contains(d.Named, rp.Rep)) {
					t.Errorf("story %d seed %d: the rep without rows is %+v, named %v", st, seed, rp, d.Named)
				}
			}
			if d.Kind != DiagnosisNotAssessed && d.Period.Kind == Week {
				t.Errorf("story %d seed %d: judged on a week, where a rep expects about 3 deals", st, seed)
			}
			switch st {
			case storyCollapse:
				if d.Kind == DiagnosisIndividual && !slices.Equal(d.Named, []string{"rep0@x"}) {
					t.Errorf("seed %d: individual case names %v, want only rep0@x", seed, d.Named)
				}
			case storyFall:
				if d.Kind == DiagnosisGeneral && len(d.Named) < 3 {
					t.Errorf("seed %d: general case names %v, want most of the five reps", seed, d.Named)
				}
			case storySteady:
				if d.Kind == DiagnosisGeneral || d.Kind == DiagnosisIndividual {
					t.Errorf("seed %d: a steady team diagnosed %s naming %v", seed, d.Kind, d.Named)
				}
			}
		}
		t.Logf("story %d: %v", st, got[st])
	}
	for _, c := range []struct {
		st   story
		want Diagnosis
	}{{storyCollapse, DiagnosisIndividual}, {storyFall, DiagnosisGeneral}, {storySteady, DiagnosisNone}} {
		if n := got[c.st][c.want]; n*10 < 9*seeds {
			t.Errorf("story %d: %s in %d of %d seeds, want >= 90 %%", c.st, c.want, n, seeds)
		}
	}
}
