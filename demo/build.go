package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// product is one line of the catalogue. Subscriptions renew every year.
type product struct {
	name         string
	price        float64 // typical amount for a mid-sized account
	margin       float64 // gross margin rate
	cycle        float64 // mean sales cycle in days
	subscription bool
}

var catalogue = []product{
	{"Cloud CRM Starter", 8000, 0.78, 25, true},
	{"Cloud CRM Professional", 12000, 0.74, 45, true},
	{"Cloud CRM Enterprise", 18000, 0.70, 80, true},
	{"Analytics Add-on", 9000, 0.82, 35, true},
	{"Integration Hub", 12000, 0.65, 50, true},
	{"Premium Support", 7500, 0.60, 20, true},
	{"Data Migration", 10000, 0.35, 30, false},
	{"Training Pack", 6000, 0.45, 15, false},
}

// season is the relative volume of deals closing in each calendar month:
// an August trough and a year-end peak. activitySeason is flatter.
var (
	season         = [13]float64{0, 0.85, 0.95, 1.10, 1.00, 1.00, 1.05, 0.75, 0.50, 0.90, 1.10, 1.15, 1.45}
	activitySeason = [13]float64{0, 0.95, 1.00, 1.05, 1.00, 1.00, 1.00, 0.85, 0.55, 1.05, 1.10, 1.10, 0.90}
)

// dipMonth is the trough of season, reported in Story.
const dipMonth = time.August

// Effects of the stories the demo tells, on volumes, win rates and amounts.
const (
	growthPerYear = 0.12
	// The declining team's won revenue falls to about 0.8 × 0.6 × 0.6 ≈
	// 29 % of its level, every month alike. A team of three reps closes
	// a few deals a month, so its usual range is about ±50 %; for the
	// structural rule to read a level shift, each month of the run must
	// fall beyond that range and near the run's median level (kpi
	// structuralRun). A milder fall stays inside the range; a steeper
	// one through volume and win rate alone (×0.5 × 0.3) leaves so few
	// deals that August falls to nothing and the months no longer share
	// a level. Smaller deals (a team losing its large accounts) cut
	// revenue without thinning the count further.
	slumpVolume      = 0.8
	slumpWin         = 0.6
	slumpAmount      = 0.6
	slumpActivity    = 0.8
	struggleVolume   = 0.3
	struggleWin      = 0.15
	struggleActivity = 0.35
	// struggleSkill is the struggling rep's skill before the struggle:
	// the team's best seller, whose expected deals are enough for the
	// manager's diagnosis to tell a collapse from a bad month.
	struggleSkill  = 2.5
	baseWinRate    = 0.48
	renewalWinRate = 0.86
	// renewalsPerRepMonth is the mean number of renewals coming up per
	// rep and month, before seasonality, trend and skill.
	renewalsPerRepMonth = 1.2
	// slipDays is how late a slipping deal may close (three in ten
	// slip): within a couple of weeks, so that slips blur month ends
	// without moving a month's business into the next.
	slipDays          = 12
	openActivityShare = 0.25 // activities due in the last three weeks still open
)

// leadStream sets each rep's stream of leads apart from their stream of
// deals.
const leadStream = 0x6c65616473

// generator holds the state of one Build.
type generator struct {
	opt Options
	// src is the source of r, the shared stream: the streamed writer
	// copies its state to replay the stream from a point (csv.go).
	src      *rand.PCG
	r        *rand.Rand
	ds       *crm.Dataset
	data     *Data
	teams    []team
	reps     []rep
	accounts []account
	start    crm.Day
	// months are the first days of the months of history, and of five
	// months after End (the planned closes of the open pipeline).
	months []crm.Day
}

// Build generates an organisation and its history. It is deterministic:
// the same options give the same data.
//
// The history is drawn rep by rep (deals, then activities, leads and
// invoices), so that the streamed writer (GenerateCSV) can draw the same
// rows one rep at a time without holding them all: each rep's deals and
// leads come from a stream of their own, activities and invoices from the
// shared stream, activities of every rep first and then invoices.
func Build(opt Options) *Data {
	g := newGenerator(opt)
	o, ds := g.opt, g.ds
	g.org()
	g.accountsFor()
	// dealsFrom[ri] is the index of rep ri's first deal in ds.Deals.
	dealsFrom := make([]int, len(g.reps)+1)
	for ri := range g.reps {
		ds.Deals = g.repDeals(ri, ds.Deals)
		dealsFrom[ri+1] = len(ds.Deals)
	}
	repDeals := func(ri int) []crm.Deal { return ds.Deals[dealsFrom[ri]:dealsFrom[ri+1]] }
	ids := idStrings("D-", len(ds.Deals))
	for i := range ds.Deals {
		ds.Deals[i].ID = ids(i)
	}
	ds.Activities = make([]crm.Activity, 0, int(float64(len(g.reps)*min(o.ActivityMonths, len(g.months)))*o.ActivitiesPerRepMonth*1.2))
	for ri := range g.reps {
		ds.Activities = g.repActivities(g.r, ri, repDeals(ri), ds.Activities)
	}
	ids = idStrings("A-", len(ds.Activities))
	for i := range ds.Activities {
		ds.Activities[i].ID = ids(i)
	}
	for ri := range g.reps {
		ds.Leads = g.repLeads(ri, ds.Leads)
	}
	ds.Invoices = g.repInvoices(g.r, ds.Deals, ds.Invoices)
	ids = idStrings("INV-", len(ds.Invoices))
	for i := range ds.Invoices {
		ds.Invoices[i].ID = ids(i)
	}
	wonBy := make([][]float64, len(g.reps))
	for ri := range g.reps {
		wonBy[ri] = g.addWon(make([]float64, len(g.months)), repDeals(ri))
	}
	g.targets(wonBy, func(t crm.Target) { ds.Targets = append(ds.Targets, t) })
	for i, k := range SheetKinds {
		ds.MarkFields(k, sheetColumns[i]...)
		ds.Quality = append(ds.Quality, crm.SourceReport{
			Name: "demo", Kind: k, File: "demo", Sheet: SheetNames[i],
			RowsRead: rowCount(ds, k), RowsAccepted: rowCount(ds, k), First: g.start, Last: o.End,
		})
	}
	return g.data
}

// newGenerator sets up the catalogue, the stages and the calendar; the
// organisation comes next (org, accountsFor).
func newGenerator(opt Options) *generator {
	opt = opt.withDefaults()
	ds := crm.NewDataset()
	src := rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)
	g := &generator{
		opt:  opt,
		src:  src,
		r:    rand.New(src),
		ds:   ds,
		data: &Data{Dataset: ds, Options: opt},
	}
	ds.Currency = opt.Currency
	ds.Catalogue = len(catalogue)
	for _, p := range catalogue {
		ds.Products.Intern(p.name)
	}
	// The demo's stages are the canonical ones, in funnel order.
	for i, s := range stageNames {
		ds.MapStage(ds.Stages.Intern(s), crm.StageKinds[i])
	}
	ds.Currencies.Intern(opt.Currency)

	y, m, _ := opt.End.Date()
	g.start = crm.DayFromDate(y, m-time.Month(12*opt.Years)+1, 1)
	for d := g.start; d <= opt.End+150; d = addMonths(d, 1) {
		g.months = append(g.months, d)
	}
	g.data.Start = g.start
	g.data.SlumpFrom = addMonths(firstOfMonth(opt.End), -(monthsOfSlump - 1))
	g.data.StruggleFrom = addMonths(firstOfMonth(opt.End), -(monthsOfStruggle - 1))
	return g
}

func rowCount(ds *crm.Dataset, k crm.Kind) int {
	switch k {
	case crm.KindPeople:
		return len(ds.People)
	case crm.KindDeals:
		return len(ds.Deals)
	case crm.KindActivities:
		return len(ds.Activities)
	case crm.KindLeads:
		return len(ds.Leads)
	case crm.KindInvoices:
		return len(ds.Invoices)
	}
	return len(ds.Targets)
}

// volume is the multiplier of a rep's expected deal volume in the month
// starting at m, before the stories; adjust applies them.
func (g *generator) volume(rp *rep, m crm.Day) float64 {
	_, mo, _ := m.Date()
	years := float64(m-g.start) / 365.25
	return season[mo] * (1 + growthPerYear*years) * rp.skill
}

// adjust returns the volume and win-rate factors of the stories for a
// rep in the month starting at m: the slumping team, the struggling reps.
func (g *generator) adjust(rp *rep, m crm.Day) (vol, win float64) {
	vol, win = 1, 1
	if g.teams[rp.team].slump && m >= g.data.SlumpFrom {
		vol, win = slumpVolume, slumpWin
	}
	if rp.struggling && m >= g.data.StruggleFrom {
		vol, win = struggleVolume, struggleWin
	}
	return vol, win
}

// sizeFactor is the story's factor on the amounts of a rep's deals in the
// month starting at m: the declining team also sells smaller.
func (g *generator) sizeFactor(rp *rep, m crm.Day) float64 {
	if g.teams[rp.team].slump && m >= g.data.SlumpFrom {
		return slumpAmount
	}
	return 1
}

// repDeals appends rep ri's deals to out, month by month of their planned
// close: seasonality is about when deals close (budgets are spent before
// the year ends, nobody signs in August). The installed base renews at a
// steady pace that follows the same season and grows with the business:
// renewals are drawn like new deals, each month, rather than echoing one
// particular deal of a year before, so that no team's month hangs on one
// random large renewal. The story's effects reach both. The deals have no
// ID yet.
func (g *generator) repDeals(ri int, out []crm.Deal) []crm.Deal {
	o := g.opt
	won, lost := crm.ID(stageClosedWon), crm.ID(stageClosedLost)
	cur := g.ds.Currencies.Intern(o.Currency)
	// Each rep's deals come from a random stream of their own, so that
	// the story of one rep (a struggle, a skill) does not reshuffle every
	// other rep's history.
	r := rand.New(rand.NewPCG(o.Seed, uint64(ri+1)*0x9e3779b97f4a7c15))
	rp := &g.reps[ri]
	rp.winCredit = [2]float64{r.Float64(), r.Float64()}
	for _, m := range g.months {
		next := addMonths(m, 1)
		vol, win := g.adjust(rp, m)
		size := g.sizeFactor(rp, m)
		n := steadyCount(r, o.DealsPerRepMonth*g.volume(rp, m)*vol)
		for range n {
			ai := rp.accounts[r.IntN(len(rp.accounts))]
			pi := g.newProduct(r, ai)
			out = g.deal(r, out, rp, ai, pi, crm.KindNewBusiness, math.Round(g.amount(r, pi, ai)*size/10)*10, weekday(m+crm.Day(r.IntN(int(next-m)))), baseWinRate*math.Sqrt(rp.skill)*win, cur, won, lost)
		}
		// A rep hired during the history has no installed base yet.
		if rp.hired.Valid() {
			continue
		}
		n = steadyCount(r, renewalsPerRepMonth*g.volume(rp, m)*vol)
		for range n {
			ai := rp.accounts[r.IntN(len(rp.accounts))]
			pi := g.subscription(r, ai)
			out = g.deal(r, out, rp, ai, pi, crm.KindRenewal, math.Round(g.amount(r, pi, ai)*1.04*size/10)*10, weekday(m+crm.Day(r.IntN(int(next-m)))), renewalWinRate*win, cur, won, lost)
		}
	}
	return out
}

// subscription picks a subscription the account has, or gives it one: the
// product a renewal is for.
func (g *generator) subscription(r *rand.Rand, ai int) int {
	owned := g.accounts[ai].owned
	for range 8 {
		pi := r.IntN(len(catalogue))
		if catalogue[pi].subscription && owned&(1<<pi) != 0 {
			return pi
		}
	}
	for {
		if pi := r.IntN(len(catalogue)); catalogue[pi].subscription {
			g.accounts[ai].owned |= 1 << pi
			return pi
		}
	}
}

// newProduct picks a product the account does not buy yet (cross-selling),
// or any product when it already has them all.
func (g *generator) newProduct(r *rand.Rand, ai int) int {
	owned := g.accounts[ai].owned
	for range 8 {
		pi := r.IntN(len(catalogue))
		if owned&(1<<pi) == 0 {
			return pi
		}
	}
	return r.IntN(len(catalogue))
}

func (g *generator) amount(r *rand.Rand, pi, ai int) float64 {
	a := catalogue[pi].price * g.accounts[ai].size * math.Exp(0.2*r.NormFloat64())
	return math.Round(a/10) * 10
}

// deal appends to out one deal planned to close on plannedClose, deciding
// whether it has closed by End, and how.
func (g *generator) deal(r *rand.Rand, out []crm.Deal, rp *rep, ai, pi int, kind crm.DealKind, amount float64, plannedClose crm.Day, winRate float64,
	cur, won, lost crm.ID) []crm.Deal {
	o := g.opt
	p := catalogue[pi]
	cycle := crm.Day(math.Max(5, p.cycle*math.Exp(0.4*r.NormFloat64())))
	if kind == crm.KindRenewal {
		cycle = 45 + crm.Day(r.IntN(30))
	}
	created := plannedClose - cycle
	if created > o.End || (rp.hired.Valid() && created < rp.hired) {
		return out
	}
	closed := plannedClose
	// New deals slip; a renewal closes on its contract's anniversary, so
	// that the installed base renews in the same season every year.
	if kind == crm.KindNewBusiness && r.IntN(10) < 3 {
		closed += crm.Day(r.IntN(slipDays))
	}
	d := crm.Deal{
		Owner: crm.ID(rp.person), Account: g.accounts[ai].id, Product: crm.ID(pi), Kind: kind,
		Created: created, ExpectedClose: plannedClose, Closed: crm.NoDay,
		Amount: amount, Currency: cur, Margin: math.Round(amount * p.margin * (0.95 + 0.1*r.Float64())),
		LastActivity: crm.NoDay,
	}
	switch {
	case closed <= o.End && g.wins(rp, kind, winRate):
		d.Status, d.Stage, d.Closed, d.Probability = crm.StatusWon, won, closed, 1
		g.accounts[ai].owned |= 1 << pi
	case closed <= o.End:
		// A lost deal is often given up before its planned close.
		d.Status, d.Stage, d.Probability = crm.StatusLost, lost, 0
		d.Closed = max(created+1, closed-crm.Day(r.IntN(int(cycle)/2+1)))
	default:
		progress := float64(o.End-created) / float64(cycle)
		st := min(3, int(progress*4))
		d.Status, d.Stage, d.Probability = crm.StatusOpen, crm.ID(st), stageProbability[st]
	}
	return append(out, d)
}

var (
	activityTypes   = []crm.ActivityType{crm.ActivityCall, crm.ActivityEmail, crm.ActivityMeeting, crm.ActivityTask, crm.ActivityDemo, crm.ActivityProposal}
	activityWeights = []int{40, 25, 12, 10, 8, 5} // out of 100
)

// repActivities appends rep ri's calls, meetings, demos, proposals, emails
// and tasks to out, done in the past, some overdue, some due in the
// coming weeks, drawn from r (the shared stream). deals are the rep's
// deals: an activity about one links to its ID and moves its last
// activity. The activities have no ID yet.
func (g *generator) repActivities(r *rand.Rand, ri int, deals []crm.Deal, out []crm.Activity) []crm.Activity {
	o := g.opt
	horizon := o.End + 14
	from := addMonths(firstOfMonth(o.End), -(o.ActivityMonths - 1))
	rp := &g.reps[ri]
	for _, m := range g.months {
		if m > horizon {
			break
		}
		if m < from {
			continue
		}
		next := addMonths(m, 1)
		_, mo, _ := m.Date()
		vol, _ := g.adjust(rp, m)
		if vol == slumpVolume {
			vol = slumpActivity
		} else if vol == struggleVolume {
			vol = struggleActivity
		}
		years := float64(m-g.start) / 365.25
		n := poisson(r, o.ActivitiesPerRepMonth*activitySeason[mo]*(1+growthPerYear*years)*rp.skill*vol)
		for range n {
			due := weekday(m + crm.Day(r.IntN(int(next-m))))
			if due > horizon || (rp.hired.Valid() && due < rp.hired) {
				continue
			}
			w, t := r.IntN(100), 0
			for w >= activityWeights[t] {
				w -= activityWeights[t]
				t++
			}
			a := crm.Activity{
				Owner: crm.ID(rp.person), Type: activityTypes[t], Due: due, DoneAt: crm.NoDay, Done: crm.TriFalse,
				Subject: subjects[t][r.IntN(len(subjects[t]))], Account: crm.NoID,
			}
			if due <= o.End {
				open := 0.01
				if o.End-due < 21 {
					open = openActivityShare
				}
				if r.Float64() >= open {
					a.Done, a.DoneAt = crm.TriTrue, min(o.End, due+crm.Day(r.IntN(3)))
				}
			}
			// Most activities are about a deal that was open then.
			if len(deals) > 0 && r.IntN(10) < 6 {
				for range 6 {
					d := &deals[r.IntN(len(deals))]
					if d.Created <= due && (!d.Closed.Valid() || d.Closed >= due) {
						a.Deal = d.ID
						a.Account = d.Account
						if a.DoneAt.Valid() && (!d.LastActivity.Valid() || a.DoneAt > d.LastActivity) {
							d.LastActivity = a.DoneAt
						}
						break
					}
				}
			}
			if a.Account == crm.NoID {
				a.Account = g.accounts[rp.accounts[r.IntN(len(rp.accounts))]].id
			}
			out = append(out, a)
		}
	}
	return out
}

var subjects = [][]string{
	{"Discovery call", "Follow-up call", "Check-in call", "Renewal call"},
	{"Follow-up email", "Send pricing", "Send case study"},
	{"On-site visit", "Quarterly business review", "Lunch meeting"},
	{"Update CRM record", "Prepare quote", "Internal review"},
	{"Product demo", "Technical demo"},
	{"Send proposal", "Revised proposal"},
}

// repLeads appends the leads and contacts rep ri creates to out.
func (g *generator) repLeads(ri int, out []crm.Lead) []crm.Lead {
	o := g.opt
	// A stream per rep, as for deals: the declining team's fewer leads
	// must not reshuffle every later rep's (a reshuffle once gave New
	// York's leads a chance structural mark, kpi TestDemoStructuralMarks).
	r := rand.New(rand.NewPCG(o.Seed, uint64(ri+1)*0x9e3779b97f4a7c15^leadStream))
	rp := &g.reps[ri]
	for _, m := range g.months {
		if m > o.End {
			break
		}
		next := addMonths(m, 1)
		_, mo, _ := m.Date()
		vol, _ := g.adjust(rp, m)
		n := poisson(r, o.LeadsPerRepMonth*activitySeason[mo]*rp.skill*vol)
		for range n {
			d := weekday(m + crm.Day(r.IntN(int(next-m))))
			if d > o.End || (rp.hired.Valid() && d < rp.hired) {
				continue
			}
			k := crm.LeadKindLead
			if r.IntN(100) < 35 {
				k = crm.LeadKindContact
			}
			out = append(out, crm.Lead{Owner: crm.ID(rp.person), Date: d, Kind: k})
		}
	}
	return out
}

// repInvoices appends to out the invoices of the won deals among deals,
// drawn from r (the shared stream, after every rep's activities). The
// invoices have no ID yet.
func (g *generator) repInvoices(r *rand.Rand, deals []crm.Deal, out []crm.Invoice) []crm.Invoice {
	for i := range deals {
		d := &deals[i]
		if d.Status == crm.StatusWon {
			if day, ok := g.invoiceDay(r, d.Closed); ok {
				out = append(out, crm.Invoice{Owner: d.Owner, Account: d.Account, Date: day, Amount: d.Amount, Currency: d.Currency})
			}
		}
	}
	return out
}

// invoiceDay bills a deal won on closed some weeks later, unless that is
// after End.
func (g *generator) invoiceDay(r *rand.Rand, closed crm.Day) (crm.Day, bool) {
	day := weekday(closed + 10 + crm.Day(r.IntN(30)))
	return day, day <= g.opt.End
}

// addWon adds the amounts of the won deals among a rep's deals to wonBy,
// by month of close (index into g.months), and returns it.
func (g *generator) addWon(wonBy []float64, deals []crm.Deal) []float64 {
	for i := range deals {
		d := &deals[i]
		if d.Status == crm.StatusWon {
			if mi := monthIndex(g.start, d.Closed); mi >= 0 && mi < len(g.months) {
				wonBy[mi] += d.Amount
			}
		}
	}
	return wonBy
}

// targets sets each rep's monthly won-revenue target, through the end of
// End's year, as a sales plan would: the expected revenue for their
// month (seasonality, trend, their usual level) plus some ambition, scaled
// on what reps actually won outside the stories. Team targets are the sum
// of their reps'. wonBy holds each rep's won revenue by month (addWon);
// emit receives the targets in order.
func (g *generator) targets(wonBy [][]float64, emit func(crm.Target)) {
	o := g.opt
	var revenue, units float64
	endMonth := monthIndex(g.start, o.End)
	for ri := range g.reps {
		rp := &g.reps[ri]
		if rp.hired.Valid() {
			continue
		}
		// Skip the first year (renewals are still coming in) and the
		// stories' months.
		for mi := 12; mi < endMonth; mi++ {
			m := g.months[mi]
			if v, _ := g.adjust(rp, m); v != 1 {
				continue
			}
			revenue += wonBy[ri][mi]
			units += g.volume(rp, m)
		}
	}
	perUnit := 0.0
	if units > 0 {
		perUnit = revenue / units
	}
	// The team on target gets no ambition: its targets are its reps' own
	// revenue per unit of expected volume over the same months, so that
	// its reps, who perform as usual, land on them.
	onTarget := len(g.teams) - 1
	var teamRevenue, teamUnits float64
	for _, ri := range g.teams[onTarget].reps {
		rp := &g.reps[ri]
		if rp.hired.Valid() {
			continue
		}
		for mi := 12; mi < endMonth; mi++ {
			teamRevenue += wonBy[ri][mi]
			teamUnits += g.volume(rp, g.months[mi])
		}
	}
	ey, _, _ := o.End.Date()
	last := crm.DayFromDate(ey, time.December, 1)
	for ti, tm := range g.teams {
		unit, ambition := perUnit, targetAmbition
		if ti == onTarget && teamUnits > 0 {
			unit, ambition = teamRevenue/teamUnits, 1
		}
		for m := g.start; m <= last; m = addMonths(m, 1) {
			team := 0.0
			for _, ri := range tm.reps {
				rp := &g.reps[ri]
				if rp.hired.Valid() && addMonths(m, 1) <= rp.hired {
					continue
				}
				v := unit * g.volume(rp, m) * ambition
				if rp.hired.Valid() {
					v *= 0.3 // ramping up
				}
				v = math.Round(v/500) * 500
				team += v
				emit(crm.Target{Scope: crm.TargetPerson, Key: g.ds.People[rp.person].Email, Period: monthID(m), Metric: targetMetric, Value: v})
			}
			emit(crm.Target{Scope: crm.TargetTeam, Key: tm.name, Period: monthID(m), Metric: targetMetric, Value: team})
		}
	}
}

// steadyCount draws a count of mean mean that is steadier than a Poisson
// variate: the mean's integer part, plus one with the probability of its
// fraction. A rep works a pipeline, and a 12-rep demo drawn with Poisson
// counts swings so much from month to month (±30 % for a team) that no
// story would stand out of the noise; the kpi rules are tested on
// Poisson series of their own (package kpi).
func steadyCount(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	return int(mean + r.Float64())
}

// wins decides whether a deal of the rep is won, at rate p, for the same
// reason: by error diffusion rather than a coin per deal, so that a rep
// wins about p of their deals in every month, while which deal wins still
// depends on the random order the deals come in.
func (g *generator) wins(rp *rep, kind crm.DealKind, p float64) bool {
	k := 0
	if kind == crm.KindRenewal {
		k = 1
	}
	rp.winCredit[k] += p
	if rp.winCredit[k] >= 1 {
		rp.winCredit[k]--
		return true
	}
	return false
}

// poisson draws a Poisson variate: Knuth's method for small means, a
// rounded normal approximation for large ones.
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
