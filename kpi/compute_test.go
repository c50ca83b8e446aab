package kpi

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// allFields is sources.Fields, copied so that this package's tests do not
// depend on the sources package compiling.
var allFields = map[crm.Kind][]string{
	crm.KindDeals: {"id", "owner", "account", "product", "stage", "status", "kind",
		"created", "closed", "expected_close", "amount", "currency", "margin", "probability", "last_activity"},
	crm.KindActivities: {"id", "owner", "type", "due", "done_at", "done", "subject", "deal", "account"},
	crm.KindLeads:      {"owner", "date", "kind"},
	crm.KindInvoices:   {"id", "owner", "account", "date", "amount", "currency"},
	crm.KindTargets:    {"scope", "key", "period", "metric", "value"},
	crm.KindPeople:     {"name", "email", "role", "manager", "team", "region", "locale", "timezone", "crm_id"},
}

// handDataset is a small organisation whose figures are computed by hand
// in the comments of TestComputeByHand.
func handDataset() *crm.Dataset {
	ds := crm.NewDataset()
	ds.Currency = "EUR"
	ds.Rates = map[string]float64{"USD": 0.5}
	ds.Catalogue = 2
	ds.People = []crm.Person{
		{Name: "Dora Director", Email: "dora@x", Role: crm.RoleDirector, Region: "North"},
		{Name: "Mia Manager", Email: "mia@x", Role: crm.RoleManager, Team: "Alpha", Region: "North"},
		{Name: "Ann", Email: "ann@x", Role: crm.RoleRep, Manager: "Mia Manager"}, // team and region from her manager
		{Name: "Bob", Email: "bob@x", Role: crm.RoleRep, Team: "Alpha", Region: "North"},
		{Name: "Max Manager", Email: "max@x", Role: crm.RoleManager, Team: "Beta", Region: "South"},
		{Name: "Cid", Email: "cid@x", Role: crm.RoleRep, Team: "Beta", Region: "South", CRMID: "C-3"},
		{Name: "Dee", Email: "dee@x", Role: crm.RoleRep, Team: "Beta", Region: "South"}, // owns nothing
	}
	ann, bob, cid, zed := ds.Owners.Intern("Ann"), ds.Owners.Intern("BOB@x"), ds.Owners.Intern("C-3"), ds.Owners.Intern("Zed")
	acme, beta := ds.Accounts.Intern("Acme"), ds.Accounts.Intern("Beta Corp")
	p1, p2 := ds.Products.Intern("P1"), ds.Products.Intern("P2")
	usd := ds.Currencies.Intern("USD")
	nego := ds.Stages.Intern("Negotiation")
	nan := math.NaN()
	deal := func(id string, o crm.ID, st crm.Status, k crm.DealKind, created, closed string, amt, margin, prob float64, acc, prod crm.ID) crm.Deal {
		d := crm.Deal{ID: id, Owner: o, Status: st, Kind: k, Created: crm.NoDay, Closed: crm.NoDay, ExpectedClose: crm.NoDay,
			Amount: amt, Margin: margin, Probability: prob, Account: acc, Product: prod, Stage: crm.NoID,
			Currency: crm.NoID, LastActivity: crm.NoDay}
		if created != "" {
			d.Created = day(created)
		}
		if closed != "" {
			d.Closed = day(closed)
		}
		return d
	}
	ds.Deals = []crm.Deal{
		deal("D1", ann, crm.StatusWon, crm.KindNewBusiness, "2017-11-01", "2017-12-05", 1000, 300, nan, acme, p1),
		deal("D2", ann, crm.StatusLost, crm.KindNewBusiness, "2017-11-20", "2017-12-10", 500, nan, nan, acme, p2),
		deal("D3", bob, crm.StatusWon, crm.KindRenewal, "2017-12-01", "2017-12-31", 2000, nan, nan, beta, p2),
		deal("D4", cid, crm.StatusWon, crm.KindRenewal, "2017-10-01", "2017-12-15", 400, nan, nan, acme, p2),
		deal("D5", zed, crm.StatusWon, crm.KindUnknown, "2017-12-01", "2017-12-02", 100, nan, nan, crm.NoID, crm.NoID),
		deal("D6", ann, crm.StatusOpen, crm.KindNewBusiness, "2017-12-20", "", 800, nan, 0.5, acme, p2),
		deal("D7", bob, crm.StatusOpen, crm.KindRenewal, "2017-06-01", "", 300, nan, 0.2, beta, p1),
		deal("D8", ann, crm.StatusWon, crm.KindNewBusiness, "2017-11-01", "2017-11-15", 600, nan, nan, acme, p1),
		deal("D9", ann, crm.StatusWon, crm.KindNewBusiness, "2016-12-10", "2016-12-20", 700, nan, nan, acme, p1),
		deal("D10", cid, crm.StatusLost, crm.KindRenewal, "2017-11-01", "2017-12-20", 50, nan, nan, beta, p1),
	}
	ds.Deals[2].Currency = usd
	ds.Deals[5].ExpectedClose = day("2017-12-25")
	ds.Deals[6].Stage = nego
	act := func(id string, o crm.ID, t crm.ActivityType, due, doneAt string, done crm.Tri, subject, dealID string, acc crm.ID) crm.Activity {
		a := crm.Activity{ID: id, Owner: o, Type: t, Due: crm.NoDay, DoneAt: crm.NoDay, Done: done, Subject: subject, Deal: dealID, Account: acc}
		if due != "" {
			a.Due = day(due)
		}
		if doneAt != "" {
			a.DoneAt = day(doneAt)
		}
		return a
	}
	ds.Activities = []crm.Activity{
		act("A1", ann, crm.ActivityCall, "2017-12-04", "2017-12-04", crm.TriTrue, "Intro call", "", acme),
		act("A2", ann, crm.ActivityMeeting, "2017-12-06", "", crm.TriTrue, "Visit", "D1", acme),
		act("A3", ann, crm.ActivityCall, "2017-12-28", "", crm.TriFalse, "Call Acme CFO", "", acme),
		act("A4", ann, crm.ActivityDemo, "2018-01-03", "", crm.TriFalse, "Demo P2", "D6", acme),
		act("A5", bob, crm.ActivityEmail, "2017-12-10", "2017-12-10", crm.TriTrue, "Renewal terms", "D7", beta),
		act("A6", bob, crm.ActivityTask, "2017-12-11", "2017-12-11", crm.TriTrue, "Send quote", "", beta),
		act("A7", cid, crm.ActivityProposal, "2017-12-01", "2017-12-01", crm.TriTrue, "Proposal", "", acme),
		act("A8", ann, crm.ActivityCall, "2018-02-01", "", crm.TriFalse, "Later", "", acme),
	}
	ds.Leads = []crm.Lead{
		{Owner: ann, Date: day("2017-12-03"), Kind: crm.LeadKindLead},
		{Owner: ann, Date: day("2017-12-04"), Kind: crm.LeadKindContact},
		{Owner: zed, Date: day("2017-12-05"), Kind: crm.LeadKindLead},
	}
	ds.Invoices = []crm.Invoice{{ID: "I1", Owner: bob, Account: beta, Date: day("2017-12-31"), Amount: 250, Currency: crm.NoID}}
	ds.Targets = []crm.Target{
		{Scope: crm.TargetPerson, Key: "ann@x", Period: "2017-10", Metric: WonRevenue, Value: 900},
		{Scope: crm.TargetPerson, Key: "Ann", Period: "2017-11", Metric: WonRevenue, Value: 900},
		{Scope: crm.TargetPerson, Key: "ann@x", Period: "2017-12", Metric: WonRevenue, Value: 1200},
		{Scope: crm.TargetTeam, Key: "alpha", Period: "2017-Q4", Metric: WonRevenue, Value: 5000},
	}
	for k, fields := range allFields {
		ds.MarkFields(k, fields...)
	}
	return ds
}

func mustCompute(t testing.TB, ds *crm.Dataset, id string, asOf crm.Day, opt Options) *Result {
	t.Helper()
	p, err := ParsePeriod(id, opt.FiscalStart)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compute(ds, Request{Period: p, AsOf: asOf, Options: opt})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func value(t *testing.T, r *Result, kind ScopeKind, key, metric string) *Value {
	t.Helper()
	s := r.Scope(kind, key)
	if s == nil {
		t.Fatalf("no %s scope %q", kind, key)
	}
	return s.Values[metric]
}

func TestComputeByHand(t *testing.T) {
	r := mustCompute(t, handDataset(), "2017-12", crm.NoDay, Options{})
	if r.AsOf != day("2018-01-01") {
		t.Errorf("default as-of %s, want the day after the period", r.AsOf)
	}
	tests := []struct {
		kind          ScopeKind
		key, metric   string
		want          float64
		prev, yearAgo float64
	}{
		// Won in December: D1 1000, D3 2000 USD at 0.5 = 1000, D4 400, D5 100.
		{ScopeOrg, OrgKey, WonRevenue, 2500, 600, 700},
		{ScopeOrg, OrgKey, WonDeals, 4, 1, 1},
		{ScopeOrg, OrgKey, LostDeals, 2, 0, 0},
		{ScopeOrg, OrgKey, WinRate, 4.0 / 6, 1, 1},
		{ScopeOrg, OrgKey, AvgDealSize, 625, 600, 700},
		{ScopeOrg, OrgKey, GrossMargin, 300, 0, 0},
		// Cycles: D1 34 days, D3 30, D4 75, D5 1.
		{ScopeOrg, OrgKey, SalesCycleMean, 35, 14, 10},
		{ScopeOrg, OrgKey, SalesCycleMedian, 32, 14, 10},
		// Created in December: D3, D5, D6. Nov: D1, D2, D8, D10. Dec 2016: D9.
		{ScopeOrg, OrgKey, NewOpportunities, 3, 4, 1},
		// Open on 31 December: D6 800 and D7 300; on 30 November: D1, D2,
		// D4, D7, D10 = 1000+500+400+300+50.
		{ScopeOrg, OrgKey, PipelineValue, 1100, 2250, 0},
		{ScopeOrg, OrgKey, PipelineCount, 2, 5, 0},
		{ScopeOrg, OrgKey, WeightedPipeline, 800*0.5 + 300*0.2, 300 * 0.2, 0},
		{ScopeOrg, OrgKey, NewBusinessRevenue, 1000, 600, 700},
		{ScopeOrg, OrgKey, RenewalRevenue, 1400, 0, 0},
		{ScopeOrg, OrgKey, RenewalRate, 2.0 / 3, math.NaN(), math.NaN()},
		// Acme bought P1 and P2, Beta Corp P2: (2/2 + 1/2) / 2. In
		// November only Acme, with P1.
		{ScopeOrg, OrgKey, CrossSellSaturation, 0.75, 0.5, 0.5},
		{ScopeOrg, OrgKey, InvoicedVolume, 250, math.NaN(), math.NaN()},
		{ScopeOrg, OrgKey, NewLeads, 2, math.NaN(), math.NaN()},
		{ScopeOrg, OrgKey, NewContacts, 1, math.NaN(), math.NaN()},
		{ScopeOrg, OrgKey, Calls, 1, math.NaN(), math.NaN()},
		{ScopeOrg, OrgKey, Meetings, 1, math.NaN(), math.NaN()},
		{ScopeOrg, OrgKey, Emails, 1, math.NaN(), math.NaN()},
		{ScopeOrg, OrgKey, TasksDone, 1, math.NaN(), math.NaN()},
		{ScopeOrg, OrgKey, Proposals, 1, math.NaN(), math.NaN()},
		{ScopeOrg, OrgKey, Demos, 0, math.NaN(), math.NaN()},
		{ScopeRep, "ann@x", WonRevenue, 1000, 600, 700},
		{ScopeRep, "ann@x", TargetAttainment, 1000.0 / 1200, 600.0 / 900, math.NaN()},
		{ScopeRep, "bob@x", WonRevenue, 1000, 0, math.NaN()}, // Bob's rows start in June 2017
		{ScopeRep, "cid@x", WonRevenue, 400, 0, math.NaN()},
		{ScopeRep, "Zed", WonRevenue, 100, math.NaN(), math.NaN()}, // Zed's rows start in December
		{ScopeRep, "dee@x", WonRevenue, 0, math.NaN(), math.NaN()},
		{ScopeRep, "ann@x", CrossSellSaturation, 1, 0.5, 0.5},
		{ScopeTeam, "Alpha", WonRevenue, 2000, 600, 700},
		// Alpha has a Q4 target only: December gets 31/92 of it.
		{ScopeTeam, "Alpha", TargetAttainment, 2000 / (5000 * 31.0 / 92), 600 / (5000 * 30.0 / 92), math.NaN()},
		{ScopeTeam, "Beta", WonRevenue, 400, 0, math.NaN()},
		{ScopeTeam, Unassigned, WonRevenue, 100, math.NaN(), math.NaN()},
		{ScopeRegion, "North", WonRevenue, 2000, 600, 700},
		{ScopeRegion, "South", NewOpportunities, 0, 1, math.NaN()},
	}
	for _, tt := range tests {
		v := value(t, r, tt.kind, tt.key, tt.metric)
		if v == nil {
			t.Errorf("%s %s %s: absent, want %v", tt.kind, tt.key, tt.metric, tt.want)
			continue
		}
		// The year-ago column says what December 2016's rows hold, but the
		// export covers that month only from the 10th (creations) and the
		// 20th (closes): not a full month, so no year-ago figure, and a
		// note that says why (docs/KPIS.md, "Coverage").
		if crm.Has(tt.yearAgo) {
			tt.yearAgo = math.NaN()
			if v.Coverage == "" || !v.CoveredFrom.Valid() || v.CoveredFrom < day("2016-12-10") || v.CoveredFrom > day("2016-12-20") {
				t.Errorf("%s %s %s: coverage %q from %v, want a note on the December 2016 rows", tt.kind, tt.key, tt.metric, v.Coverage, v.CoveredFrom)
			}
		}
		for _, c := range []struct {
			what      string
			got, want float64
		}{{"value", v.Value, tt.want}, {"previous", v.Previous, tt.prev}, {"year ago", v.YearAgo, tt.yearAgo}} {
			if crm.Has(c.want) != crm.Has(c.got) || crm.Has(c.want) && !near(c.got, c.want) {
				t.Errorf("%s %s %s: %s = %v, want %v", tt.kind, tt.key, tt.metric, c.what, c.got, c.want)
			}
		}
	}
	if v := value(t, r, ScopeOrg, OrgKey, WonRevenue); v.Coverage != "the export's closed deals start on 20 Dec 2016" {
		t.Errorf("org won revenue coverage %q, want the first close day (D9, 20 Dec 2016)", v.Coverage)
	}
	// Absent, not 0: the org has no won-revenue target and no rep but Ann
	// has one; nobody renewed anything in November.
	if v := value(t, r, ScopeOrg, OrgKey, TargetAttainment); v != nil {
		t.Errorf("org target_attainment = %v, want absent (only some reps have targets)", v.Value)
	}
	if v := value(t, r, ScopeRep, "bob@x", TargetAttainment); v != nil {
		t.Errorf("Bob's target_attainment = %v, want absent", v.Value)
	}
	if v := value(t, r, ScopeRep, "ann@x", WonRevenue); v.Target != 1200 {
		t.Errorf("Ann's December target %v, want 1200", v.Target)
	}
	// Teams and regions from the directory; the unknown owner unassigned.
	zed := r.Scope(ScopeRep, "Zed")
	if zed.Person != nil || zed.Team != Unassigned || zed.Region != Unassigned {
		t.Errorf("Zed: %+v, want an unassigned unknown owner", zed)
	}
	if ann := r.Scope(ScopeRep, "ann@x"); ann.Team != "Alpha" || ann.Region != "North" || ann.Person == nil {
		t.Errorf("Ann: team %q region %q", ann.Team, ann.Region)
	}
	if got := strings.Join(r.Scope(ScopeTeam, "Alpha").Members, ","); got != "ann@x,bob@x" {
		t.Errorf("Alpha members %s", got)
	}
	if m := r.Scope(ScopeTeam, "Beta").Manager; m == nil || m.Email != "max@x" {
		t.Errorf("Beta manager %v", m)
	}
	if r.Scope(ScopeRep, "mia@x") != nil {
		t.Errorf("a manager without rows is a rep scope")
	}
}

func TestAlerts(t *testing.T) {
	r := mustCompute(t, handDataset(), "2017-12", crm.NoDay, Options{})
	var got []string
	for _, a := range r.Scope(ScopeRep, "ann@x").Alerts() {
		got = append(got, string(a.Kind)+" "+a.Subject+" "+a.Account+" "+a.Date.String()+" "+strconv.Itoa(a.Days))
	}
	want := []string{
		"overdue Call Acme CFO Acme 2017-12-28 4",
		"due_soon Demo P2 Acme 2018-01-03 2",
		"past_close D6 Acme 2017-12-25 7",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Ann's alerts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := r.Scope(ScopeRep, "ann@x").AlertCount(AlertOverdue); n != 1 {
		t.Errorf("Ann's overdue count %d, want 1", n)
	}
	// D7's last activity is A5 on 10 December: 22 days before the as-of day.
	bob := r.Scope(ScopeRep, "bob@x").Alerts()
	if len(bob) != 1 || bob[0].Kind != AlertStale || bob[0].Deal != "D7" || bob[0].Days != 22 || bob[0].Date != day("2017-12-10") || bob[0].Amount != 300 {
		t.Errorf("Bob's alerts %+v, want D7 stale for 22 days", bob)
	}
	r = mustCompute(t, handDataset(), "2017-12", crm.NoDay, Options{StaleDays: 30})
	if bob := r.Scope(ScopeRep, "bob@x").Alerts(); len(bob) != 0 {
		t.Errorf("with 30 stale days Bob has alerts %+v", bob)
	}
}

func TestToDate(t *testing.T) {
	r := mustCompute(t, handDataset(), "2017-12", day("2017-12-10"), Options{})
	if r.Period.String() != "2017-12..2017-12-10" {
		t.Fatalf("period %s", r.Period)
	}
	v := value(t, r, ScopeOrg, OrgKey, WonRevenue)
	// D1 (5 Dec) and D5 (2 Dec); to 10 November nothing; to 10 Dec 2016
	// absent: the first deal closed on 20 Dec 2016.
	if v.Value != 1100 || v.Previous != 0 || crm.Has(v.YearAgo) {
		t.Errorf("month to date: %v prev %v year ago %v, want 1100, 0, absent", v.Value, v.Previous, v.YearAgo)
	}
	// Open on 10 December: D1 closed on the 5th; D2 closes on the 10th
	// (gone); D3, D4, D7, D10 open = 2000 USD→1000 + 400 + 300 + 50.
	if v := value(t, r, ScopeOrg, OrgKey, PipelineValue); v.Value != 1750 {
		t.Errorf("pipeline on 10 December %v, want 1750", v.Value)
	}
	// Ann's December target pro-rated: 1200 × 10/31.
	if v := value(t, r, ScopeRep, "ann@x", WonRevenue); !near(v.Target, 1200*10.0/31) {
		t.Errorf("Ann's month-to-date target %v, want %v", v.Target, 1200*10.0/31)
	}
	if a := r.Scope(ScopeRep, "ann@x").Alerts(); len(a) != 0 {
		t.Errorf("on 10 December Ann has alerts %+v", a)
	}
	// Quarter: Ann's target is the sum of her months.
	r = mustCompute(t, handDataset(), "2017-Q4", crm.NoDay, Options{})
	if v := value(t, r, ScopeRep, "ann@x", WonRevenue); v.Target != 3000 || v.Value != 1600 {
		t.Errorf("Ann's Q4: %v against %v, want 1600 against 3000", v.Value, v.Target)
	}
	// A week straddling two months takes each day's share of its month.
	r = mustCompute(t, handDataset(), "2017-W48", crm.NoDay, Options{}) // 27 Nov .. 3 Dec
	if v := value(t, r, ScopeRep, "ann@x", WonRevenue); !near(v.Target, 900*4.0/30+1200*3.0/31) {
		t.Errorf("Ann's week 48 target %v, want %v", v.Target, 900*4.0/30+1200*3.0/31)
	}
}

func TestStageProbabilities(t *testing.T) {
	r := mustCompute(t, handDataset(), "2017-12", crm.NoDay, Options{StageProbabilities: map[string]float64{"negotiation": 0.6}})
	if v := value(t, r, ScopeOrg, OrgKey, WeightedPipeline); !near(v.Value, 800*0.5+300*0.6) {
		t.Errorf("weighted pipeline %v, want %v", v.Value, 800*0.5+300*0.6)
	}
}

// TestAbsentMetrics: a metric the data cannot support is absent, not 0.
func TestAbsentMetrics(t *testing.T) {
	ds := handDataset()
	ds.Fields = map[crm.Kind]map[string]bool{}
	ds.MarkFields(crm.KindDeals, "id", "owner", "account", "product", "stage", "status", "created", "closed", "amount")
	ds.Activities, ds.Leads, ds.Invoices, ds.Targets = nil, nil, nil, nil
	r := mustCompute(t, ds, "2017-12", crm.NoDay, Options{})
	for _, m := range []string{GrossMargin, WeightedPipeline, NewBusinessRevenue, RenewalRevenue, RenewalRate,
		InvoicedVolume, TargetAttainment, NewLeads, NewContacts, Calls, Meetings, Demos, Proposals, Emails, TasksDone} {
		if r.Absent[m] == "" {
			t.Errorf("%s: no reason given for its absence", m)
		}
		for _, rec := range r.Records() {
			if rec.Metric == m {
				t.Errorf("%s present in the records: %+v", m, rec)
				break
			}
		}
	}
	if v := value(t, r, ScopeOrg, OrgKey, WonRevenue); v == nil || v.Value != 2500 {
		t.Errorf("won revenue without the optional fields: %v", v)
	}
	if len(r.Scope(ScopeRep, "bob@x").Alerts()) != 0 {
		t.Errorf("staleness assessed without any activity data")
	}
}

// TestTimeZoneBoundary: a deal closed at 23:30 on 30 November in New York
// is 1 December in Paris; the sources turn timestamps into days in the
// organisation's zone, and kpi counts it in the month of that day.
func TestTimeZoneBoundary(t *testing.T) {
	ny, err1 := time.LoadLocation("America/New_York")
	paris, err2 := time.LoadLocation("Europe/Paris")
	if err1 != nil || err2 != nil {
		t.Skip("no time zone database: install tzdata")
	}
	at := time.Date(2017, 11, 30, 23, 30, 0, 0, ny)
	for _, tc := range []struct {
		zone     *time.Location
		nov, dec float64
	}{{ny, 1, 0}, {paris, math.NaN(), 1}} { // in Paris the data starts in December
		ds := crm.NewDataset()
		o := ds.Owners.Intern("Ann")
		ds.Deals = []crm.Deal{{ID: "X", Owner: o, Status: crm.StatusWon, Created: day("2017-11-01"),
			Closed: crm.DayOf(at.In(tc.zone)), Amount: 10, Currency: crm.NoID, Margin: math.NaN(),
			Account: crm.NoID, Product: crm.NoID, Stage: crm.NoID}}
		ds.MarkFields(crm.KindDeals, "owner", "status", "created", "closed", "amount")
		// November is read as the period itself: as the previous period
		// of December it is absent, the export covering only its 30th.
		r := mustCompute(t, ds, "2017-12", crm.NoDay, Options{})
		dec := value(t, r, ScopeOrg, OrgKey, WonDeals)
		nov := math.NaN()
		if v := value(t, mustCompute(t, ds, "2017-11", crm.NoDay, Options{}), ScopeOrg, OrgKey, WonDeals); v != nil {
			nov = v.Value
		}
		if dec.Value != tc.dec || crm.Has(nov) != crm.Has(tc.nov) || crm.Has(tc.nov) && nov != tc.nov || crm.Has(dec.Previous) {
			t.Errorf("%s: December %v, November %v, December's previous %v; want %v, %v, absent", tc.zone, dec.Value, nov, dec.Previous, tc.dec, tc.nov)
		}
	}
}

func TestRecordsAndWriters(t *testing.T) {
	r := mustCompute(t, handDataset(), "2017-12", crm.NoDay, Options{})
	recs := r.Records()
	for i := 1; i < len(recs); i++ {
		a, b := recs[i-1], recs[i]
		if a.Scope+"\x00"+a.Key+"\x00"+a.Metric >= b.Scope+"\x00"+b.Key+"\x00"+b.Metric {
			t.Fatalf("records out of order at %d: %+v then %+v", i, a, b)
		}
	}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, recs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(recs) {
		t.Fatalf("%d lines for %d records", len(lines), len(recs))
	}
	found := 0
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		for _, k := range []string{"scope", "key", "name", "period", "metric", "unit", "value", "previous", "year_ago", "baseline", "baseline_method", "structural"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("line %q lacks %q", l, k)
			}
		}
		if _, ok := m["currency"]; ok != (m["unit"] == "currency") {
			t.Errorf("currency field present=%v for unit %v", ok, m["unit"])
		}
		if m["scope"] == "org" && m["metric"] == "won_revenue" {
			found++
			// No year-ago figure: the export covers December 2016 only
			// from the 20th (see TestComputeByHand). The baseline falls
			// back to the mean of the last 8 months: April to October at
			// 0 and November's 600.
			want := `{"scope":"org","key":"all","name":"Organisation","period":"2017-12","metric":"won_revenue","unit":"currency","currency":"EUR","value":2500,"previous":600,"year_ago":null,"baseline":` +
				strconv.FormatFloat((7*0+600)/8.0, 'f', -1, 64) + `,"baseline_method":"trailing_mean","structural":null}`
			if l != want {
				t.Errorf("org won_revenue line\n%s\nwant\n%s", l, want)
			}
		}
		if m["scope"] == "org" && m["metric"] == "win_rate" {
			found++
			if m["value"].(float64) != 0.666667 || m["unit"] != "ratio" {
				t.Errorf("win rate line %s", l)
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d of the 2 checked lines", found)
	}
	buf.Reset()
	if err := WriteCSV(&buf, recs); err != nil {
		t.Fatal(err)
	}
	csvLines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(csvLines) != len(recs)+1 || csvLines[0] != strings.Join(CSVHeader, ",") {
		t.Fatalf("csv: %d lines, header %q", len(csvLines), csvLines[0])
	}
	if !strings.Contains(buf.String(), "org,all,Organisation,2017-12,won_revenue,currency,EUR,2500,600,,75,trailing_mean,\n") {
		t.Errorf("csv lacks the org won_revenue row:\n%s", buf.String())
	}
}

func TestScopeFilter(t *testing.T) {
	p, _ := ParsePeriod("2017-12", 0)
	r, err := Compute(handDataset(), Request{Period: p, Scopes: []ScopeKind{ScopeTeam}})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range r.Records() {
		if rec.Scope != "team" {
			t.Fatalf("record of scope %s with --scope team", rec.Scope)
		}
	}
	if len(r.Findings.Teams) != 3 {
		t.Errorf("%d team findings, want 3 (findings need every level)", len(r.Findings.Teams))
	}
	if _, err := Compute(handDataset(), Request{Period: p, AsOf: day("2017-11-30")}); err == nil {
		t.Errorf("an as-of day before the period: no error")
	}
}

// TestPipelineBlankAmounts: a pipeline value is given only when at least
// half of the open deals carry an amount.
func TestPipelineBlankAmounts(t *testing.T) {
	for _, tc := range []struct {
		amounts []float64
		want    float64 // NaN: absent
	}{
		{[]float64{100, math.NaN()}, 100},
		{[]float64{100, math.NaN(), math.NaN()}, math.NaN()},
		{[]float64{100, 50, math.NaN()}, 150},
	} {
		ds := crm.NewDataset()
		o := ds.Owners.Intern("Ann")
		for i, a := range tc.amounts {
			ds.Deals = append(ds.Deals, crm.Deal{ID: strconv.Itoa(i), Owner: o, Status: crm.StatusOpen, Created: day("2017-11-01"),
				Closed: crm.NoDay, Amount: a, Margin: math.NaN(), Probability: math.NaN(), Currency: crm.NoID,
				Account: crm.NoID, Product: crm.NoID, Stage: crm.NoID})
		}
		ds.MarkFields(crm.KindDeals, "owner", "status", "created", "closed", "amount")
		r := mustCompute(t, ds, "2017-12", crm.NoDay, Options{})
		v := value(t, r, ScopeOrg, OrgKey, PipelineValue)
		if crm.Has(tc.want) != (v != nil) || v != nil && v.Value != tc.want {
			t.Errorf("amounts %v: pipeline value %v, want %v", tc.amounts, v, tc.want)
		}
		if c := value(t, r, ScopeOrg, OrgKey, PipelineCount); c == nil || c.Value != float64(len(tc.amounts)) {
			t.Errorf("amounts %v: pipeline count %v", tc.amounts, c)
		}
	}
}

// TestComputeOneAtATime: Computes started together by several goroutines
// (as two delivery workers do with two digest sets) aggregate one at a
// time, so that a process holds one cube at once; each still gets its
// own correct result.
func TestComputeOneAtATime(t *testing.T) {
	ds := synthOrg(20, 2_000, 2_000, 200, 3)
	var active, most atomic.Int32
	computeHook = func() {
		n := active.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // long enough for another to start, were it let in
		active.Add(-1)
	}
	defer func() { computeHook = nil }()
	ids := []string{"2017-11", "2017-W48", "2017-Q3", "2017-10"}
	results := make([]*Result, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		p, err := ParsePeriod(id, 1)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := Compute(ds, Request{Period: p})
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		}()
	}
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Errorf("%d Computes aggregated at once, want 1", m)
	}
	for i, r := range results {
		if r == nil || r.Period.ID() != ids[i] {
			t.Errorf("Compute of %s gave %v", ids[i], r)
		}
	}
}
