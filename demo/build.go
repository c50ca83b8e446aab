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
	opt      Options
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
	// dealsOf lists each rep's deals (indexes into ds.Deals).
	dealsOf [][]int32
}

// Build generates an organisation and its history. It is deterministic:
// the same options give the same data.
func Build(opt Options) *Data {
	opt = opt.withDefaults()
	ds := crm.NewDataset()
	g := &generator{
		opt:  opt,
		r:    rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
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

	g.org()
	g.accountsFor()
	g.dealsOf = make([][]int32, len(g.reps))
	g.deals()
	ids := idStrings("D-", len(ds.Deals))
	for i := range ds.Deals {
		ds.Deals[i].ID = ids(i)
	}
	g.activities()
	g.leads()
	g.invoices()
	g.targets()
	for i, k := range SheetKinds {
		ds.MarkFields(k, sheetColumns[i]...)
		ds.Quality = append(ds.Quality, crm.SourceReport{
			Name: "demo", Kind: k, File: "demo", Sheet: SheetNames[i],
			RowsRead: rowCount(ds, k), RowsAccepted: rowCount(ds, k), First: g.start, Last: opt.End,
		})
	}
	return g.data
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

// deals generates each rep's deals month by month of their planned close:
// seasonality is about when deals close (budgets are spent before the
// year ends, nobody signs in August). The installed base renews at a
// steady pace that follows the same season and grows with the business:
// renewals are drawn like new deals, each month, rather than echoing
// one particular deal of a year before, so that no team's month hangs on
// one random large renewal. The story's effects reach both.
func (g *generator) deals() {
	o := g.opt
	won, lost := crm.ID(stageClosedWon), crm.ID(stageClosedLost)
	cur := g.ds.Currencies.Intern(o.Currency)
	// Each rep's deals come from a random stream of their own, so that
	// the story of one rep (a struggle, a skill) does not reshuffle every
	// other rep's history.
	shared := g.r
	defer func() { g.r = shared }()
	for ri := range g.reps {
		rp := &g.reps[ri]
		g.r = rand.New(rand.NewPCG(o.Seed, uint64(ri+1)*0x9e3779b97f4a7c15))
		rp.winCredit = [2]float64{g.r.Float64(), g.r.Float64()}
		for _, m := range g.months {
			next := addMonths(m, 1)
			vol, win := g.adjust(rp, m)
			size := g.sizeFactor(rp, m)
			n := steadyCount(g.r, o.DealsPerRepMonth*g.volume(rp, m)*vol)
			for range n {
				ai := rp.accounts[g.r.IntN(len(rp.accounts))]
				pi := g.newProduct(ai)
				g.deal(rp, ri, ai, pi, crm.KindNewBusiness, math.Round(g.amount(pi, ai)*size/10)*10, weekday(m+crm.Day(g.r.IntN(int(next-m)))), baseWinRate*math.Sqrt(rp.skill)*win, cur, won, lost)
			}
			// A rep hired during the history has no installed base yet.
			if rp.hired.Valid() {
				continue
			}
			n = steadyCount(g.r, renewalsPerRepMonth*g.volume(rp, m)*vol)
			for range n {
				ai := rp.accounts[g.r.IntN(len(rp.accounts))]
				pi := g.subscription(ai)
				g.deal(rp, ri, ai, pi, crm.KindRenewal, math.Round(g.amount(pi, ai)*1.04*size/10)*10, weekday(m+crm.Day(g.r.IntN(int(next-m)))), renewalWinRate*win, cur, won, lost)
			}
		}
	}
}

// subscription picks a subscription the account has, or gives it one: the
// product a renewal is for.
func (g *generator) subscription(ai int) int {
	owned := g.accounts[ai].owned
	for range 8 {
		pi := g.r.IntN(len(catalogue))
		if catalogue[pi].subscription && owned&(1<<pi) != 0 {
			return pi
		}
	}
	for {
		if pi := g.r.IntN(len(catalogue)); catalogue[pi].subscription {
			g.accounts[ai].owned |= 1 << pi
			return pi
		}
	}
}

// newProduct picks a product the account does not buy yet (cross-selling),
// or any product when it already has them all.
func (g *generator) newProduct(ai int) int {
	owned := g.accounts[ai].owned
	for range 8 {
		pi := g.r.IntN(len(catalogue))
		if owned&(1<<pi) == 0 {
			return pi
		}
	}
	return g.r.IntN(len(catalogue))
}

func (g *generator) amount(pi, ai int) float64 {
	a := catalogue[pi].price * g.accounts[ai].size * math.Exp(0.2*g.r.NormFloat64())
	return math.Round(a/10) * 10
}

// deal adds one deal planned to close on plannedClose, deciding whether it
// has closed by End, and how.
func (g *generator) deal(rp *rep, ri, ai, pi int, kind crm.DealKind, amount float64, plannedClose crm.Day, winRate float64,
	cur, won, lost crm.ID) {
	o := g.opt
	p := catalogue[pi]
	cycle := crm.Day(math.Max(5, p.cycle*math.Exp(0.4*g.r.NormFloat64())))
	if kind == crm.KindRenewal {
		cycle = 45 + crm.Day(g.r.IntN(30))
	}
	created := plannedClose - cycle
	if created > o.End || (rp.hired.Valid() && created < rp.hired) {
		return
	}
	closed := plannedClose
	// New deals slip; a renewal closes on its contract's anniversary, so
	// that the installed base renews in the same season every year.
	if kind == crm.KindNewBusiness && g.r.IntN(10) < 3 {
		closed += crm.Day(g.r.IntN(slipDays))
	}
	d := crm.Deal{
		Owner: crm.ID(rp.person), Account: g.accounts[ai].id, Product: crm.ID(pi), Kind: kind,
		Created: created, ExpectedClose: plannedClose, Closed: crm.NoDay,
		Amount: amount, Currency: cur, Margin: math.Round(amount * p.margin * (0.95 + 0.1*g.r.Float64())),
		LastActivity: crm.NoDay,
	}
	switch {
	case closed <= o.End && g.wins(rp, kind, winRate):
		d.Status, d.Stage, d.Closed, d.Probability = crm.StatusWon, won, closed, 1
		g.accounts[ai].owned |= 1 << pi
	case closed <= o.End:
		// A lost deal is often given up before its planned close.
		d.Status, d.Stage, d.Probability = crm.StatusLost, lost, 0
		d.Closed = max(created+1, closed-crm.Day(g.r.IntN(int(cycle)/2+1)))
	default:
		progress := float64(o.End-created) / float64(cycle)
		st := min(3, int(progress*4))
		d.Status, d.Stage, d.Probability = crm.StatusOpen, crm.ID(st), stageProbability[st]
	}
	g.dealsOf[ri] = append(g.dealsOf[ri], int32(len(g.ds.Deals)))
	g.ds.Deals = append(g.ds.Deals, d)
}

// activities generates each rep's calls, meetings, demos, proposals, emails
// and tasks, done in the past, some overdue, some due in the coming weeks.
func (g *generator) activities() {
	o := g.opt
	types := []crm.ActivityType{crm.ActivityCall, crm.ActivityEmail, crm.ActivityMeeting, crm.ActivityTask, crm.ActivityDemo, crm.ActivityProposal}
	weights := []int{40, 25, 12, 10, 8, 5} // out of 100
	horizon := o.End + 14
	g.ds.Activities = make([]crm.Activity, 0, int(float64(len(g.reps)*min(o.ActivityMonths, len(g.months)))*o.ActivitiesPerRepMonth*1.2))
	from := addMonths(firstOfMonth(o.End), -(o.ActivityMonths - 1))
	for ri := range g.reps {
		rp := &g.reps[ri]
		mine := g.dealsOf[ri]
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
			n := poisson(g.r, o.ActivitiesPerRepMonth*activitySeason[mo]*(1+growthPerYear*years)*rp.skill*vol)
			for range n {
				due := weekday(m + crm.Day(g.r.IntN(int(next-m))))
				if due > horizon || (rp.hired.Valid() && due < rp.hired) {
					continue
				}
				w, t := g.r.IntN(100), 0
				for w >= weights[t] {
					w -= weights[t]
					t++
				}
				a := crm.Activity{
					Owner: crm.ID(rp.person), Type: types[t], Due: due, DoneAt: crm.NoDay, Done: crm.TriFalse,
					Subject: subjects[t][g.r.IntN(len(subjects[t]))], Account: crm.NoID,
				}
				if due <= o.End {
					open := 0.01
					if o.End-due < 21 {
						open = openActivityShare
					}
					if g.r.Float64() >= open {
						a.Done, a.DoneAt = crm.TriTrue, min(o.End, due+crm.Day(g.r.IntN(3)))
					}
				}
				// Most activities are about a deal that was open then.
				if len(mine) > 0 && g.r.IntN(10) < 6 {
					for range 6 {
						di := mine[g.r.IntN(len(mine))]
						d := &g.ds.Deals[di]
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
					a.Account = g.accounts[rp.accounts[g.r.IntN(len(rp.accounts))]].id
				}
				g.ds.Activities = append(g.ds.Activities, a)
			}
		}
	}
	ids := idStrings("A-", len(g.ds.Activities))
	for i := range g.ds.Activities {
		g.ds.Activities[i].ID = ids(i)
	}
}

var subjects = [][]string{
	{"Discovery call", "Follow-up call", "Check-in call", "Renewal call"},
	{"Follow-up email", "Send pricing", "Send case study"},
	{"On-site visit", "Quarterly business review", "Lunch meeting"},
	{"Update CRM record", "Prepare quote", "Internal review"},
	{"Product demo", "Technical demo"},
	{"Send proposal", "Revised proposal"},
}

// leads generates the leads and contacts each rep creates.
func (g *generator) leads() {
	o := g.opt
	// A stream per rep, as for deals: the declining team's fewer leads
	// must not reshuffle every later rep's (a reshuffle once gave New
	// York's leads a chance structural mark, kpi TestDemoStructuralMarks).
	shared := g.r
	defer func() { g.r = shared }()
	for ri := range g.reps {
		rp := &g.reps[ri]
		g.r = rand.New(rand.NewPCG(o.Seed, uint64(ri+1)*0x9e3779b97f4a7c15^leadStream))
		for _, m := range g.months {
			if m > o.End {
				break
			}
			next := addMonths(m, 1)
			_, mo, _ := m.Date()
			vol, _ := g.adjust(rp, m)
			n := poisson(g.r, o.LeadsPerRepMonth*activitySeason[mo]*rp.skill*vol)
			for range n {
				d := weekday(m + crm.Day(g.r.IntN(int(next-m))))
				if d > o.End || (rp.hired.Valid() && d < rp.hired) {
					continue
				}
				k := crm.LeadKindLead
				if g.r.IntN(100) < 35 {
					k = crm.LeadKindContact
				}
				g.ds.Leads = append(g.ds.Leads, crm.Lead{Owner: crm.ID(rp.person), Date: d, Kind: k})
			}
		}
	}
}

// invoices bills each won deal some weeks after it closed.
func (g *generator) invoices() {
	o := g.opt
	for i := range g.ds.Deals {
		d := &g.ds.Deals[i]
		if d.Status == crm.StatusWon {
			if day := weekday(d.Closed + 10 + crm.Day(g.r.IntN(30))); day <= o.End {
				g.ds.Invoices = append(g.ds.Invoices, crm.Invoice{Owner: d.Owner, Account: d.Account, Date: day, Amount: d.Amount, Currency: d.Currency})
			}
		}
	}
	ids := idStrings("INV-", len(g.ds.Invoices))
	for i := range g.ds.Invoices {
		g.ds.Invoices[i].ID = ids(i)
	}
}

// targets sets each rep's monthly won-revenue target, through the end of
// End's year, as a sales plan would: the expected revenue for their
// month (seasonality, trend, their usual level) plus some ambition, scaled
// on what reps actually won outside the stories. Team targets are the sum
// of their reps'.
func (g *generator) targets() {
	o := g.opt
	var revenue, units float64
	monthOf := func(d crm.Day) int { return monthIndex(g.start, d) }
	wonBy := make([][]float64, len(g.reps))
	personRep := make(map[crm.ID]int, len(g.reps))
	for ri := range g.reps {
		personRep[crm.ID(g.reps[ri].person)] = ri
		wonBy[ri] = make([]float64, len(g.months))
	}
	for i := range g.ds.Deals {
		d := &g.ds.Deals[i]
		if d.Status == crm.StatusWon {
			if mi := monthOf(d.Closed); mi >= 0 && mi < len(g.months) {
				wonBy[personRep[d.Owner]][mi] += d.Amount
			}
		}
	}
	endMonth := monthOf(o.End)
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
				g.ds.Targets = append(g.ds.Targets, crm.Target{Scope: crm.TargetPerson, Key: g.ds.People[rp.person].Email, Period: monthID(m), Metric: targetMetric, Value: v})
			}
			g.ds.Targets = append(g.ds.Targets, crm.Target{Scope: crm.TargetTeam, Key: tm.name, Period: monthID(m), Metric: targetMetric, Value: team})
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
