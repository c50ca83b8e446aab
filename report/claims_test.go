package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/demo"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/locale"
)

// TestClaimsHold is the property test of the headlines: over the demo
// organisation (in en, fr and es) and 200 small random ones, for every
// rep, manager and director, each claim of the headline is checked
//
//   - against the data: its figure, reference (target, same period last
//     year) and direction are recomputed here from the raw deals and
//     target rows, and the sentence written from those numbers must be
//     the one the digest prints;
//   - against the page: the bullet or KPI of the same period shows the
//     same figure and the same signed percentage;
//   - and a rep named "far below" won less in the diagnosis period than
//     the median of the rest of the team, recomputed from the deals.
//
// No percentage or amount of the headline is left outside a claim.
func TestClaimsHold(t *testing.T) {
	type org struct {
		name  string
		ds    *crm.Dataset
		week  string
		month string
		asOf  crm.Day
		langs []string
	}
	orgs := []org{{"demo", demoData().Dataset, demoPeriods[KindRep], demoPeriods[KindDirector], demoAsOf, []string{"en", "fr", "es"}}}
	r := rand.New(rand.NewPCG(9, 9))
	for seed := range uint64(200) {
		end := demo.DefaultEnd - crm.Day(r.IntN(300))
		// Every fourth organisation has teams of about five reps, one of
		// whom collapses, so that the diagnosis has someone to name.
		plant := seed%5 == 0
		reps := 3 + r.IntN(4)
		if plant {
			reps = 12 + r.IntN(3)
		}
		years := 2
		if seed%3 == 0 {
			years = 3 // a seasonal expectation needs two full years before the period
		}
		d := demo.Build(demo.Options{Seed: seed + 2, Reps: reps, Years: years, End: end,
			DealsPerRepMonth: 1 + 3*r.Float64(), ActivitiesPerRepMonth: 2, ActivityMonths: 1, LeadsPerRepMonth: 1})
		if plant {
			plantCollapse(d.Dataset, end)
		}
		wk := kpi.Containing(kpi.Week, end)
		mo := kpi.Containing(kpi.Month, end)
		prev, _ := kpi.ParsePeriod(fmt.Sprintf("%04d-%02d", mo.Year, mo.N), 1)
		prev = kpi.Containing(kpi.Month, prev.Start()-1)
		orgs = append(orgs, org{fmt.Sprint("seed ", seed+2), d.Dataset, wk.ID(), prev.ID(), wk.FullEnd() + 1, []string{"en"}})
	}
	// The organisations are checked on every core; each worker counts its
	// own claims.
	var mu sync.Mutex
	claims, farBelow := 0, 0
	next := make(chan org)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range next {
				n, f := checkOrg(t, o.name, o.ds, o.week, o.month, o.asOf, o.langs)
				mu.Lock()
				claims, farBelow = claims+n, farBelow+f
				mu.Unlock()
			}
		}()
	}
	for _, o := range orgs {
		next <- o
	}
	close(next)
	wg.Wait()
	if claims < 1000 {
		t.Fatalf("only %d claims checked: the property test is not exercising the headlines", claims)
	}
	if farBelow == 0 {
		t.Fatal("no rep was named in a diagnosis: the check never ran")
	}
	t.Logf("%d claims checked over %d organisations, %d of them naming a rep in a diagnosis", claims, len(orgs), farBelow)
}

// plantCollapse turns every deal the first rep of the largest team won in
// the last four months before end into a lost one, so that the diagnosis
// has someone to name far below.
func plantCollapse(ds *crm.Dataset, end crm.Day) {
	size := map[string]int{}
	for _, p := range ds.People {
		if p.Role == crm.RoleRep {
			size[p.Team]++
		}
	}
	team := ""
	for k, n := range size {
		if n > size[team] || n == size[team] && k < team {
			team = k
		}
	}
	for _, p := range ds.People {
		if p.Role != crm.RoleRep || p.Team != team {
			continue
		}
		owners := map[crm.ID]bool{}
		for j, n := range ds.Owners.All() {
			if strings.EqualFold(n, p.Name) || strings.EqualFold(n, p.Email) {
				owners[crm.ID(j)] = true
			}
		}
		for j := range ds.Deals {
			d := &ds.Deals[j]
			if owners[d.Owner] && d.Status == crm.StatusWon && d.Closed > end-120 {
				d.Status = crm.StatusLost
			}
		}
		return
	}
}

// checkOrg checks every digest of one organisation and returns the
// number of claims checked and of reps named in a diagnosis.
func checkOrg(t *testing.T, name string, ds *crm.Dataset, week, month string, asOf crm.Day, langs []string) (claims, named int) {
	for _, kind := range []Kind{KindRep, KindManager, KindDirector} {
		id := week
		if kind == KindDirector {
			id = month
		}
		s, err := NewSet(ds, kind, pid(id), asOf, Options{Now: asOf.Time()})
		if err != nil {
			t.Errorf("%s %s: %v", name, kind, err)
			return
		}
		for _, p := range Recipients(ds, kind) {
			for _, lang := range langs {
				q := *p
				q.Locale = lang
				d, err := s.Digest(&q)
				if err != nil {
					t.Error(err)
					return
				}
				ck := claimChecker{t: t, ds: ds, d: d, loc: locale.New(lang), where: fmt.Sprintf("%s, %s %s (%s)", name, kind, p.Name, lang)}
				ck.check()
				claims += len(d.Claims)
				for _, cl := range d.Claims {
					if cl.Against == againstOwnRange || cl.Against == againstFarBelow {
						named++
					}
				}
			}
		}
	}
	return claims, named
}

type claimChecker struct {
	t     *testing.T
	ds    *crm.Dataset
	d     *Digest
	loc   locale.Locale
	where string
}

func (c *claimChecker) errorf(format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("%s: %s\nheadline: %s", c.where, fmt.Sprintf(format, args...), c.d.Headline)
}

var figureRe = regexp.MustCompile(`\d[\d.,\s\x{a0}\x{202f}]*\s?%|[€$£]\s?\d|\d\s?[€$£]`)

func (c *claimChecker) check() {
	rest := c.d.Headline
	for _, cl := range c.d.Claims {
		if !strings.Contains(c.d.Headline, cl.Text) {
			c.errorf("claim %q is not in the headline", cl.Text)
		}
		rest = strings.Replace(rest, cl.Text, "", 1)
		per, err := kpi.ParsePeriod(cl.Period, 1)
		if err != nil {
			c.errorf("claim period %q: %v", cl.Period, err)
			continue
		}
		if cl.Against == againstOwnRange || cl.Against == againstFarBelow {
			c.checkNamed(cl, per)
			continue
		}
		if cl.Against == againstRange {
			c.checkReading(cl, per)
			continue
		}
		c.checkFact(cl, per)
	}
	if m := figureRe.FindString(rest); m != "" {
		c.errorf("figure %q of the headline belongs to no claim (left: %q)", m, rest)
	}
}

// checkFact recomputes a won-revenue claim from the rows and compares it
// with the sentence and with the page.
func (c *claimChecker) checkFact(cl Claim, per kpi.Period) {
	c.t.Helper()
	owners := c.owners(cl.Scope, cl.Key)
	won := c.won(owners, per.Start(), per.End())
	refv := math.NaN()
	switch cl.Against {
	case againstTarget:
		refv = c.target(cl.Scope, cl.Key, per.Start(), per.End())
	case againstLastYear:
		// A period to date is compared with last year cut by package
		// kpi's own rule, which does not match Period.YearAgo (2026-H2 to
		// 30 Aug against 2025-H2 to 28 Aug): only whole periods are
		// recomputed here.
		refv = cl.Reference
		if ya, err := per.YearAgo(); err == nil && !per.IsToDate() {
			refv = c.won(owners, ya.Start(), ya.End())
		}
	default:
		refv = cl.Reference // the seasonal expectation and the usual level are checked against the page only
	}
	if !crm.Has(refv) || refv <= 0 {
		c.errorf("claim %q: the data give no %s reference for %s", cl.Text, cl.Against, cl.Period)
		return
	}
	if want := c.label(per, cl.Period == c.d.PeriodID); cl.Label != want {
		c.errorf("claim %q names %q for period %s, want %q", cl.Text, cl.Label, cl.Period, want)
	}
	key := "%s: won revenue %s"
	if cl.Scope == kpi.ScopeTeam.String() {
		key = "%s: the team won %s"
	}
	// The percentage is that of the two amounts as printed, to the unit
	// (docs/REPORTS.md, "Percentages beside their figures").
	ratio := math.Round(won)/math.Round(refv) - 1
	// Sums in another order differ in the last bits: a ratio on a
	// rounding edge (217.5 %) may print either way.
	for _, eps := range []float64{0, 1e-9, -1e-9} {
		r := ratio + eps
		want := c.loc.T(key, cl.Label, c.loc.Money(won, c.ds.Currency, 0)) + ", " + c.words(r, cl.Against)
		if c.d.Kind == string(KindDirector) && cl.Against != againstTarget {
			want = c.words(r, cl.Against)
		}
		if cl.Text == want || cl.Text == lowerFirst(want) || cl.Text == capitalize(want) {
			ratio = r
			break
		}
		if eps < 0 {
			c.errorf("claim says %q; recomputed from the rows: %q", cl.Text, want)
		}
	}
	// The page: the bullet (rep, manager) or KPI (director) of the same
	// period shows the same figure and signed percentage.
	signed := c.loc.SignedPercent(ratio, 0)
	figure := c.loc.Money(won, c.ds.Currency, 0)
	if c.d.Kind == string(KindDirector) {
		for _, bl := range c.d.Blocks {
			for _, k := range bl.KPIs {
				if k.Label == c.loc.T("Won revenue") && k.Value == figure {
					if cl.Against == againstTarget && !strings.Contains(k.Comparison, signed) {
						c.errorf("KPI %q %q does not show %s", k.Label, k.Comparison, signed)
					}
					return
				}
			}
		}
		c.errorf("no KPI shows the won revenue %s of claim %q", figure, cl.Text)
		return
	}
	for _, bl := range c.d.Blocks {
		for _, b := range bl.Bullets {
			if b.Label == cl.Label && b.Value == figure {
				if !strings.Contains(b.Comparison, signed+" "+c.loc.T(vsKey(cl.Against))) {
					c.errorf("bullet %q %q does not show %s %s", b.Label, b.Comparison, signed, c.loc.T(vsKey(cl.Against)))
				}
				return
			}
		}
	}
	c.errorf("no bullet of %q shows %s (claim %q)", cl.Label, figure, cl.Text)
}

// checkReading checks a reading's sentence: the value it reads is the
// scope's won revenue recomputed from the deals, and the state's words
// agree with where that value lies against the usual range (inside for
// within, within-off and back; beyond it, on the side of the direction,
// for outside); a "±X" is the range's half-width on the value's side
// (kpi.Reading.Variation) and a within-off value
// is at least 15 % off its expectation.
func (c *claimChecker) checkReading(cl Claim, per kpi.Period) {
	c.t.Helper()
	won := c.won(c.owners(cl.Scope, cl.Key), per.Start(), per.End())
	if c.loc.Money(won, c.ds.Currency, 0) != c.loc.Money(cl.Value, c.ds.Currency, 0) {
		c.errorf("reading %q reads %.0f, the deals give %.0f", cl.Text, cl.Value, won)
	}
	inside := won >= cl.Low-0.5 && won <= cl.High+0.5
	switch kpi.State(cl.State) {
	case kpi.StateWithin, kpi.StateBack:
		if !inside {
			c.errorf("reading %q, but %.0f is outside [%.0f, %.0f]", cl.Text, won, cl.Low, cl.High)
		}
	case kpi.StateWithinOff:
		// The range's half-width on the value's side: its low end
		// stops at zero, so below the expectation it is 100 % at most.
		half := cl.High - cl.Reference
		if won < cl.Reference {
			half = cl.Reference - cl.Low
		}
		x := c.loc.Percent(half/cl.Reference, 0)
		if !inside || math.Abs(won/cl.Reference-1) < kpi.OffExpectation || !strings.Contains(cl.Text, x) {
			c.errorf("reading %q: %.0f against %.0f expected, range [%.0f, %.0f], ±%s", cl.Text, won, cl.Reference, cl.Low, cl.High, x)
		}
	case kpi.StateOutside:
		if inside || (cl.Dir == Down) != (won < cl.Low) {
			c.errorf("reading %q, but %.0f against range [%.0f, %.0f]", cl.Text, won, cl.Low, cl.High)
		}
	}
}

// checkNamed checks a rep a manager's diagnosis names: their won
// revenue in the diagnosis period, recomputed from the deals, is the one
// the claim carries and lies below their own expectation (by 40 % or more
// when named far below, and then the rep table of that period marks
// them so); the rep table is headed with that period.
func (c *claimChecker) checkNamed(cl Claim, per kpi.Period) {
	c.t.Helper()
	var me *crm.Person
	for i := range c.ds.People {
		if c.ds.People[i].Key() == cl.Key {
			me = &c.ds.People[i]
		}
	}
	if me == nil {
		c.errorf("the diagnosis names %q, who is not in the directory", cl.Key)
		return
	}
	mine := c.won(c.owners("rep", cl.Key), per.Start(), per.End())
	if c.loc.Money(mine, c.ds.Currency, 0) != c.loc.Money(cl.Value, c.ds.Currency, 0) {
		c.errorf("%s is named on won revenue %.0f in %s, but won %.0f by the deals", me.Name, cl.Value, cl.Period, mine)
	}
	if !(mine < cl.Reference) {
		c.errorf("%s is named below their expectation %.0f in %s, but won %.0f", me.Name, cl.Reference, cl.Period, mine)
	}
	far := cl.Against == againstFarBelow
	section := c.loc.T("Reps") + " · " + cl.Label
	in, headed, marked := false, false, false
	for _, bl := range c.d.Blocks {
		if bl.Section != "" {
			in = bl.Section == section
			headed = headed || in
		}
		if in && bl.Table != nil {
			for i, row := range bl.Table.Rows {
				marked = marked || row[0] == me.Name && strings.Contains(bl.Table.Marks[i], "▼▼")
			}
		}
	}
	if !headed {
		c.errorf("the rep table is not headed %q, the period of the diagnosis", section)
	}
	if far && (!marked || mine > 0.6*cl.Reference) {
		c.errorf("%s is named far below (won %.0f against %.0f expected) but the table marks them %v", me.Name, mine, cl.Reference, marked)
	}
}

func (c *claimChecker) words(ratio float64, against string) string {
	keys := map[string][3]string{
		againstTarget:   {"on target", "%s above target", "%s below target"},
		againstExpected: {"as expected", "%s above the seasonal expectation", "%s below the seasonal expectation"},
		againstLastYear: {"level with last year", "%s above last year", "%s below last year"},
		againstUsual:    {"level with the usual level", "%s above the usual level", "%s below the usual level"},
	}[against]
	pct := c.loc.Percent(math.Abs(ratio), 0)
	switch {
	case math.Abs(ratio) < 0.005:
		return c.loc.T(keys[0])
	case ratio > 0:
		return c.loc.T(keys[1], pct)
	}
	return c.loc.T(keys[2], pct)
}

func vsKey(against string) string {
	switch against {
	case againstTarget:
		return "vs target"
	case againstExpected:
		return "vs expected"
	case againstLastYear:
		return "vs last year"
	}
	return "vs usual"
}

// label is how a digest names a period of its own kind: the reported one
// or one to date.
func (c *claimChecker) label(p kpi.Period, main bool) string {
	if p.Kind == kpi.Week {
		return c.loc.T("Last week") // the digests here are read after the week
	}
	if main {
		return capitalize(c.loc.MonthYear(time.Month(p.N), p.Year))
	}
	return c.loc.T(map[kpi.Kind]string{kpi.Month: "Month to date", kpi.Quarter: "Quarter to date", kpi.Half: "Half-year to date"}[p.Kind])
}

// owners returns the owner ids of a scope, matched on the people's
// names, emails and CRM ids as an export names them.
func (c *claimChecker) owners(scope, key string) map[crm.ID]bool {
	in := func(p *crm.Person) bool {
		switch scope {
		case "rep":
			return p.Key() == key
		case "team":
			return p.Team == key
		case "region":
			return p.Region == key
		}
		return true
	}
	names := map[string]bool{}
	for i := range c.ds.People {
		if p := &c.ds.People[i]; in(p) {
			for _, k := range []string{p.Name, p.Email, p.CRMID} {
				if k != "" {
					names[strings.ToLower(strings.TrimSpace(k))] = true
				}
			}
		}
	}
	out := map[crm.ID]bool{}
	for i, n := range c.ds.Owners.All() {
		if scope == "org" || names[strings.ToLower(strings.TrimSpace(n))] {
			out[crm.ID(i)] = true
		}
	}
	return out
}

func (c *claimChecker) ownsRows(owners map[crm.ID]bool) bool {
	for i := range c.ds.Deals {
		if owners[c.ds.Deals[i].Owner] {
			return true
		}
	}
	return false
}

// won sums the won deals of some owners closed between two days.
func (c *claimChecker) won(owners map[crm.ID]bool, from, to crm.Day) float64 {
	sum := 0.0
	for i := range c.ds.Deals {
		d := &c.ds.Deals[i]
		if owners[d.Owner] && d.Status == crm.StatusWon && d.Closed.Valid() && d.Closed >= from && d.Closed <= to {
			rate, _ := c.ds.Rate(d.Currency)
			sum += d.Amount * rate
		}
	}
	return sum
}

// target is a scope's won-revenue target between two days from the
// monthly target rows, pro rata of the days of each month (the demo sets
// monthly targets for reps and teams; a region or the organisation gets
// the sum of its teams').
func (c *claimChecker) target(scope, key string, from, to crm.Day) float64 {
	monthly := map[string]float64{}
	teams := map[string]bool{}
	for i := range c.ds.People {
		p := &c.ds.People[i]
		if (scope == "region" && p.Region == key || scope == "org") && p.Team != "" {
			teams[p.Team] = true
		}
	}
	var email string
	for i := range c.ds.People {
		if c.ds.People[i].Key() == key {
			email = strings.ToLower(c.ds.People[i].Email)
		}
	}
	for _, tg := range c.ds.Targets {
		if tg.Metric != kpi.WonRevenue {
			continue
		}
		switch {
		case scope == "rep" && tg.Scope == crm.TargetPerson && strings.ToLower(tg.Key) == email,
			scope == "team" && tg.Scope == crm.TargetTeam && tg.Key == key,
			(scope == "region" || scope == "org") && tg.Scope == crm.TargetTeam && teams[tg.Key]:
			monthly[tg.Period] += tg.Value
		}
	}
	sum := 0.0
	for d := from; d <= to; d++ {
		y, m, _ := d.Date()
		v, ok := monthly[fmt.Sprintf("%04d-%02d", y, m)]
		if !ok {
			return math.NaN()
		}
		sum += v / float64(time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day())
	}
	return sum
}
