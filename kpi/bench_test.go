package kpi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// largeOrg builds the benchmark organisation straight as crm values:
// 2,000 reps in 200 teams and 10 regions, three years (2015-2017) of
// 500,000 deals, 5,000,000 activities and 200,000 leads, with a seasonal
// pattern so that the seasonal machinery has work to do.
func largeOrg() *crm.Dataset { return synthOrg(2000, 500_000, 5_000_000, 200_000, 1) }

// synthOrg builds an organisation like largeOrg's with the given sizes
// (reps a multiple of 10: ten reps a team, twenty teams a region) and
// random seed.
func synthOrg(reps, deals, activities, leads int, seed uint64) *crm.Dataset {
	r := rand.New(rand.NewPCG(seed, 2))
	ds := crm.NewDataset()
	ds.Currency = "EUR"
	ds.Catalogue = 20
	for i := range max(reps/200, 1) {
		ds.People = append(ds.People, crm.Person{Name: fmt.Sprintf("Director %d", i), Email: fmt.Sprintf("dir%d@x", i),
			Role: crm.RoleDirector, Region: fmt.Sprintf("Region %d", i)})
	}
	for i := range reps / 10 {
		ds.People = append(ds.People, crm.Person{Name: fmt.Sprintf("Manager %d", i), Email: fmt.Sprintf("mgr%d@x", i),
			Role: crm.RoleManager, Team: fmt.Sprintf("Team %03d", i), Region: fmt.Sprintf("Region %d", i/20)})
	}
	owners := make([]crm.ID, reps)
	for i := range reps {
		t := i / 10
		ds.People = append(ds.People, crm.Person{Name: fmt.Sprintf("Rep %04d", i), Email: fmt.Sprintf("rep%04d@x", i),
			Role: crm.RoleRep, Team: fmt.Sprintf("Team %03d", t), Region: fmt.Sprintf("Region %d", t/20)})
		owners[i] = ds.Owners.Intern(fmt.Sprintf("Rep %04d", i))
	}
	accounts := max(deals/25, 100)
	for i := range accounts {
		ds.Accounts.Intern("Account " + strconv.Itoa(i))
	}
	for i := range 20 {
		ds.Products.Intern("Product " + strconv.Itoa(i))
	}
	for _, s := range []string{"Qualify", "Propose", "Negotiate"} {
		ds.Stages.Intern(s)
	}
	start := crm.DayFromDate(2015, 1, 1)
	span := int(crm.DayFromDate(2017, 12, 31) - start)
	season := []float64{0.8, 0.9, 1.1, 1, 1, 0.9, 0.7, 0.6, 1.1, 1.2, 1.3, 1.4}
	// seasonalDay draws a day whose month follows the seasonal pattern.
	seasonalDay := func() crm.Day {
		for {
			d := start + crm.Day(r.IntN(span+1))
			_, m, _ := d.Date()
			if r.Float64()*1.4 < season[m-1] {
				return d
			}
		}
	}
	ds.Deals = make([]crm.Deal, deals)
	for i := range ds.Deals {
		created := seasonalDay()
		d := crm.Deal{ID: "D" + strconv.Itoa(i), Owner: owners[r.IntN(reps)], Account: crm.ID(r.IntN(accounts)),
			Product: crm.ID(r.IntN(20)), Stage: crm.ID(r.IntN(3)), Kind: crm.DealKind(1 + r.IntN(2)),
			Created: created, Closed: crm.NoDay, ExpectedClose: created + crm.Day(30+r.IntN(90)),
			Amount: float64(500 + r.IntN(20_000)), Currency: crm.NoID, Margin: math.NaN(),
			Probability: float64(r.IntN(10)) / 10, LastActivity: crm.NoDay}
		switch x := r.IntN(10); {
		case x < 4:
			d.Status = crm.StatusWon
		case x < 7:
			d.Status = crm.StatusLost
		}
		if d.Status != crm.StatusOpen {
			d.Closed = created + crm.Day(r.IntN(120))
			d.Margin = d.Amount * 0.3
		}
		ds.Deals[i] = d
	}
	ds.Activities = make([]crm.Activity, activities)
	subjects := []string{"Call", "Visit", "Demo", "Proposal", "Email", "Follow-up"}
	for i := range ds.Activities {
		due := seasonalDay()
		a := crm.Activity{Owner: owners[r.IntN(reps)], Type: crm.ActivityType(r.IntN(7)), Due: due, DoneAt: crm.NoDay,
			Done: crm.TriFalse, Subject: subjects[r.IntN(len(subjects))], Account: crm.ID(r.IntN(accounts))}
		if r.IntN(10) < 9 {
			a.Done, a.DoneAt = crm.TriTrue, due
		}
		if r.IntN(10) == 0 {
			a.Deal = ds.Deals[r.IntN(deals)].ID
		}
		ds.Activities[i] = a
	}
	ds.Leads = make([]crm.Lead, leads)
	for i := range ds.Leads {
		ds.Leads[i] = crm.Lead{Owner: owners[r.IntN(reps)], Date: seasonalDay(), Kind: crm.LeadKind(r.IntN(2))}
	}
	for i := range reps {
		for m := 1; m <= 12; m++ {
			ds.Targets = append(ds.Targets, crm.Target{Scope: crm.TargetPerson, Key: fmt.Sprintf("rep%04d@x", i),
				Period: fmt.Sprintf("2017-%02d", m), Metric: WonRevenue, Value: 8000})
		}
	}
	for k, fields := range allFields {
		ds.MarkFields(k, fields...)
	}
	ds.Quality = []crm.SourceReport{{Kind: crm.KindDeals, First: start, Last: start + crm.Day(span)}}
	return ds
}

var (
	largeOnce sync.Once
	largeDS   *crm.Dataset
)

// cpuTime is the process's user + system CPU time: on a shared machine
// the wall time depends on the neighbours, the CPU time much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS reads the process's peak resident memory (VmHWM) in MB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return math.NaN()
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return math.NaN()
}

// BenchmarkComputeLargeOrg: every KPI, comparison, alert and finding for
// every scope of one period of the large organisation, once loaded. Run
// it alone (go test -run '^$' -bench LargeOrg -benchtime 3x ./kpi/) so
// that the peak_rss_MB metric (load and computation together) is its own.
func BenchmarkComputeLargeOrg(b *testing.B) {
	largeOnce.Do(func() {
		t0 := time.Now()
		largeDS = largeOrg()
		b.Logf("generated %d deals, %d activities in %v", len(largeDS.Deals), len(largeDS.Activities), time.Since(t0))
	})
	for _, id := range []string{"2017-11", "2017-W48", "2017-Q4..2017-11-15"} {
		b.Run(id, func(b *testing.B) {
			p, err := ParsePeriod(id, 0)
			if err != nil {
				b.Fatal(err)
			}
			var recs int
			cpu0 := cpuTime()
			for b.Loop() {
				r, err := Compute(largeDS, Request{Period: p})
				if err != nil {
					b.Fatal(err)
				}
				recs = len(r.Records())
			}
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu_s/op")
			b.ReportMetric(float64(recs), "records")
			b.ReportMetric(peakRSS(), "peak_rss_MB")
		})
	}
}
