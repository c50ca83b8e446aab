package report

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/crmlink"
	"github.com/crmdigest/crmdigest/kpi"
)

// Limits of the rep's to-do list: a digest is read in a minute; the CRM
// holds the rest, and the list says how many more there are.
const (
	maxActions = 10
	maxDeals   = 8
)

// activityMetrics are the counts of the rep's activity row, in order.
var activityMetrics = []string{kpi.NewContacts, kpi.NewLeads, kpi.Calls, kpi.Meetings, kpi.Demos, kpi.Proposals}

// rep builds a rep's weekly digest: headline, results against target and
// expectation for the week and the longer periods to date, activity
// against the rep's usual level, the to-do list and the open pipeline.
// Everything comes from the rep's own scope.
func (b *builder) rep() {
	s, d := b.s, b.d
	res := s.main
	d.Title = b.byGrain("Weekly digest", "Monthly digest", "Quarterly digest", "Half-yearly digest", "Annual digest") + " — " + b.p.Name
	sc := res.Scope(kpi.ScopeRep, b.p.Key())
	if sc == nil {
		d.Headline = b.t("No figures of yours in the exports for this period.")
		b.paragraph(b.t("The exports name no deals, activities or leads owned by you. If you joined recently, your figures will appear here as soon as the CRM records them."), true)
		return
	}
	won := sc.Values[kpi.WonRevenue]
	overdue := sc.AlertCount(kpi.AlertOverdue)
	d.Overdue = overdue

	// Results: one column of bullet graphs per metric.
	all := append([]*kpi.Result{res}, s.toDate...)
	scopes := make([]*kpi.Scope, len(all))
	var facts []fact
	for i, r := range all {
		scopes[i] = r.Scope(kpi.ScopeRep, b.p.Key())
		if f, ok := b.wonFact(r, scopes[i], b.periodLabel(i, r)); ok {
			facts = append(facts, f)
		}
	}
	d.Headline = b.repHeadline(won, pickFacts(facts), overdue)
	for _, name := range []string{kpi.WonRevenue, kpi.GrossMargin} {
		if !hasMetric(res, name) {
			continue
		}
		b.section(b.metricLabel(name))
		var rows []Bullet
		for i, r := range all {
			label := b.periodLabel(i, r)
			var v *kpi.Value
			if scopes[i] != nil {
				v = scopes[i].Values[name]
			}
			rows = append(rows, b.bullet(label, v, name, 12))
		}
		b.add(Block{Bullets: rows})
		if name == kpi.WonRevenue {
			b.d.emailChart = b.bulletChart(name, rows)
		}
	}
	if !hasMetric(res, kpi.GrossMargin) {
		b.paragraph(b.t("Margin: %s.", b.absentWhy(res, kpi.GrossMargin)), true)
	}
	if s.opts.TeamRank {
		b.teamRank()
	}

	// Activity against the rep's own usual level.
	b.section(b.t("Activities") + " · " + b.mainLabel(res.Period))
	var kpis []KPI
	var missing []string
	for _, name := range activityMetrics {
		if !hasMetric(res, name) {
			if name == kpi.NewContacts || name == kpi.NewLeads {
				missing = append(missing, b.metricLabel(name))
			}
			continue
		}
		kpis = append(kpis, b.activityKPI(sc.Values[name], name))
	}
	if len(kpis) > 0 {
		b.add(Block{KPIs: kpis})
	}
	switch {
	case !hasMetric(res, kpi.Calls):
		b.paragraph(b.t("No activity data in this export: calls, visits, demos and proposals cannot be shown."), true)
	case len(missing) > 0:
		b.paragraph(b.t("Not in this export: %s.", strings.Join(missing, ", ")), true)
	}

	b.todo(sc)
	b.pipeline(sc)
	b.repSummary(all, scopes, sc)
}

func hasMetric(r *kpi.Result, name string) bool {
	for _, m := range r.Metrics {
		if m.Name == name {
			return true
		}
	}
	return false
}

// absentWhy says in words why a metric is missing.
func (b *builder) absentWhy(r *kpi.Result, name string) string {
	switch why := r.Absent[name]; {
	case why == "no activities source":
		return b.t("no activity data in this export")
	case why == "the deals export carries no margin":
		return b.t("the deals export carries no margin")
	case why == "no targets":
		return b.t("no targets set")
	}
	return b.t("not in this export")
}

// repHeadline says the one or two most material facts of the rep's won
// revenue across the week and the periods to date (pickFacts), then the
// overdue actions.
func (b *builder) repHeadline(won *kpi.Value, facts []fact, overdue int) string {
	h := ""
	label := b.mainLabel(b.s.main.Period)
	switch {
	case won == nil:
		h = b.t("%s: no won revenue figures in this export.", label)
	case len(facts) > 0:
		h = b.sayFacts(facts, false)
	case !crm.Has(won.Value):
		h = b.t("%s: no deals closed yet.", label)
	default:
		h = b.t("%s: won revenue %s", label, b.money(won.Value)) + " (" + b.t("no target or history to compare with yet") + ")."
		b.d.figures = append(b.d.figures, Claim{Metric: kpi.WonRevenue, Label: label, Value: won.Value})
	}
	switch {
	case !hasMetric(b.s.main, kpi.Calls):
		// No activities in the export: nothing is known to be overdue,
		// and "no overdue actions" would be a claim without data.
	case overdue == 0:
		h += " " + b.t("No overdue actions.")
	case overdue == 1:
		h += " " + b.t("1 action overdue.")
	default:
		h += " " + b.t("%d actions overdue.", overdue)
	}
	return h
}

// periodLabel names the i-th period of a digest's results: the reported
// period, then the periods to date.
func (b *builder) periodLabel(i int, r *kpi.Result) string {
	if i == 0 {
		return b.mainLabel(r.Period)
	}
	return b.toDateLabel(r.Period)
}

// periodLabelInText is periodLabel inside a sentence: "octobre 2026",
// "month to date", but "T3 2026" keeps its capital.
func (b *builder) periodLabelInText(i int, r *kpi.Result) string {
	if i == 0 {
		return b.midLabel(r.Period)
	}
	return lowerFirst(b.toDateLabel(r.Period))
}

// activityKPI is one count of the activity row with the rep's usual level.
func (b *builder) activityKPI(v *kpi.Value, name string) KPI {
	k := KPI{Label: b.metricLabel(name), Dir: Flat}
	if v == nil || !crm.Has(v.Value) {
		k.Value = b.loc.NotAvailable()
		k.Comparison = b.t("no data")
		return k
	}
	k.Value = b.value(name, v.Value)
	if !crm.Has(v.Usual) {
		k.Comparison = b.t("no history yet")
		return k
	}
	dec := 0
	if v.Usual < 10 {
		dec = 1 // "usual 0.4" rather than a "usual 0" that looks like none
	}
	k.Comparison = b.t("usual %s", b.loc.Number(v.Usual, dec))
	// A percentage of a usual level below one is noise ("+700 %"). It is
	// computed from the two figures as printed (the usual level to dec
	// decimals): "usual 1.4 · +257 %" for 5 against 1.375.
	p := math.Pow10(dec)
	if usual := math.Round(v.Usual*p) / p; v.Usual >= 1 && crm.Has(v.Value) {
		ratio := math.Round(v.Value)/usual - 1
		s := b.loc.SignedPercent(ratio, 0)
		dir, sign := Flat, "●"
		switch {
		case strings.HasPrefix(s, "+"):
			dir, sign = Up, "▲"
		case strings.HasPrefix(s, "-"):
			dir, sign = Down, "▼"
		}
		k.Comparison += " · " + sign + " " + s
		k.Dir = dir
	}
	return k
}

// teamRank tells a rep their rank in the team on won revenue over the
// longest period to date — a rank only, never another rep's figure.
func (b *builder) teamRank() {
	res := b.s.main
	if n := len(b.s.toDate); n > 0 {
		res = b.s.toDate[0] // month to date: a week is too short to rank
	}
	me := res.Scope(kpi.ScopeRep, b.p.Key())
	if me == nil || me.Team == kpi.Unassigned {
		return
	}
	team := res.Scope(kpi.ScopeTeam, me.Team)
	if team == nil {
		return
	}
	type entry struct {
		key string
		v   float64
	}
	var es []entry
	for _, sc := range sellers(res, team.Members) {
		// A colleague with no row in the export has no rank, not the last.
		if v := sc.Values[kpi.WonRevenue]; v != nil && crm.Has(v.Value) && sc.InExport {
			es = append(es, entry{sc.Key, v.Value})
		}
	}
	slices.SortStableFunc(es, func(x, y entry) int { return cmp.Or(cmp.Compare(y.v, x.v), cmp.Compare(x.key, y.key)) })
	for i, e := range es {
		if e.key == me.Key && len(es) > 1 {
			b.paragraph(b.t("Your rank in the team on won revenue (%s): %d of %d.", strings.ToLower(b.toDateLabel(res.Period)), i+1, len(es)), false)
		}
	}
}

// todo lists the rep's alerts by kind, with account and date. The lists
// are as of the export (overdue means due before the as-of day), but
// their words are true on the day the rep reads them (readerDay): "due
// this week" is the reader's week, Monday to Sunday, "(today)" only the
// reader's today, and an action due between the as-of day and the
// reader's day is listed apart with its date, as open at the export.
func (b *builder) todo(sc *kpi.Scope) {
	today := b.readerDay()
	end := weekEnd(today)
	var alerts []kpi.Alert
	for _, a := range oneListPerDeal(sc.Alerts()) {
		if a.Kind == kpi.AlertDueSoon && a.Date > end {
			continue // after the reader's week
		}
		alerts = append(alerts, a)
	}
	b.section(b.t("To do"))
	if len(alerts) == 0 {
		if hasMetric(b.s.main, kpi.Calls) {
			b.paragraph(b.t("Nothing overdue, nothing due this week, no deal past its close date or stale."), true)
		} else {
			b.paragraph(b.t("No activity data in this export: overdue and upcoming actions cannot be listed."), true)
		}
		return
	}
	due := func(a kpi.Alert) bool { return a.Kind == kpi.AlertDueSoon && a.Date >= today }
	groups := []struct {
		kind  kpi.AlertKind
		in    func(kpi.Alert) bool // nil: every alert of kind
		title string
		max   int
	}{
		{kpi.AlertOverdue, nil, b.t("Overdue actions"), maxActions},
		{kpi.AlertDueSoon, func(a kpi.Alert) bool { return !due(a) }, b.t("Due since the export of %s", b.loc.Date(b.s.asOf.Time())), maxActions},
		{kpi.AlertDueSoon, due, b.t("Due this week"), maxActions},
		{kpi.AlertPastClose, nil, b.t("Past close date"), maxDeals},
		{kpi.AlertStale, nil, b.t("Stale deals"), maxDeals},
	}
	for _, g := range groups {
		var items, links []string
		n := 0
		for _, a := range alerts {
			if a.Kind != g.kind || g.in != nil && !g.in(a) {
				continue
			}
			n++
			if len(items) < g.max {
				items = append(items, b.alertText(a, today))
				links = append(links, b.alertURL(a))
			}
		}
		if n == 0 {
			continue
		}
		if g.kind == kpi.AlertOverdue {
			b.d.OverdueListed = len(items)
		}
		if n > len(items) {
			items = append(items, b.t("… and %d more in the CRM.", n-len(items)))
		}
		if b.s.opts.Links.Empty() {
			links = nil
		} else if n > len(items) {
			links = append(links, "") // the "… and N more" line
		}
		b.paragraph(g.title+" ("+b.loc.Int(int64(n))+")", false)
		b.add(Block{List: items, ListLinks: links})
		if g.kind == kpi.AlertOverdue {
			for i, it := range items[:min(5, b.d.OverdueListed)] {
				b.d.Alerts = append(b.d.Alerts, it)
				if links != nil {
					b.d.AlertLinks = append(b.d.AlertLinks, links[i])
				}
			}
		}
	}
}

// alertURL is the link of a to-do item into the CRM: the action's own
// record, else its deal's; "" when neither has a template.
func (b *builder) alertURL(a kpi.Alert) string {
	links := b.s.opts.Links
	if u := links.URL(crmlink.Activity, a.ActivityID); u != "" {
		return u
	}
	if u := links.URL(crmlink.Deal, a.Deal); u != "" {
		return u
	}
	return links.URL(crmlink.Account, a.Account)
}

// oneListPerDeal keeps a deal in one to-do list: a deal past its close
// date is not listed again as stale, since moving the date or closing the
// deal is the one thing to do and the older date says more. Actions
// (overdue, due soon) are kept: they are tasks, not deals.
func oneListPerDeal(alerts []kpi.Alert) []kpi.Alert {
	past := map[string]bool{}
	for _, a := range alerts {
		if a.Kind == kpi.AlertPastClose && a.Deal != "" {
			past[a.Deal] = true
		}
	}
	out := make([]kpi.Alert, 0, len(alerts))
	for _, a := range alerts {
		if a.Kind == kpi.AlertStale && past[a.Deal] {
			continue
		}
		out = append(out, a)
	}
	return out
}

// readerDay is the day the recipient reads the digest on: the delivery
// day in their zone when a schedule delivers it, else the as-of day; never
// before the as-of day.
func (b *builder) readerDay() crm.Day {
	s := b.s
	if s.opts.Delivery.IsZero() {
		return s.asOf
	}
	return max(s.asOf, crm.DayOf(s.opts.Delivery.In(s.location(b.p.TimeZone))))
}

// weekEnd is the Sunday ending a day's week (weeks run Monday to Sunday,
// as the periods do).
func weekEnd(d crm.Day) crm.Day {
	return d + crm.Day((7-int(d.Time().Weekday()))%7)
}

// alertText writes one to-do item: what, on which account, when; today
// is the reader's day.
func (b *builder) alertText(a kpi.Alert, today crm.Day) string {
	date := b.loc.Date(a.Date.Time())
	what := a.Subject
	if a.Activity != "" {
		what = b.activityName(a.Activity) + b.loc.Colon() + a.Subject
	} else {
		what = b.t("Deal %s", a.Deal)
	}
	parts := []string{what}
	if a.Account != "" {
		parts = append(parts, a.Account)
	}
	if a.Stage != "" {
		parts = append(parts, b.stageNamed(a.Stage))
	}
	if crm.Has(a.Amount) {
		parts = append(parts, b.money(a.Amount))
	}
	switch a.Kind {
	case kpi.AlertOverdue:
		parts = append(parts, b.plural(a.Days, "due %s (1 day overdue)", "due %s (%d days overdue)", date))
	case kpi.AlertDueSoon:
		switch {
		case a.Date < today:
			parts = append(parts, b.t("due %s (open at the export)", date))
		case a.Date == today:
			parts = append(parts, b.t("due %s (today)", date))
		default:
			parts = append(parts, b.t("due %s", date))
		}
	case kpi.AlertPastClose:
		parts = append(parts, b.plural(a.Days, "expected to close %s (1 day ago)", "expected to close %s (%d days ago)", date))
	case kpi.AlertStale:
		if a.Date.Valid() {
			parts = append(parts, b.plural(a.Days, "no activity since %s (1 day)", "no activity since %s (%d days)", date))
		} else {
			parts = append(parts, b.t("no activity recorded"))
		}
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out += " · " + p
	}
	return out
}

func (b *builder) activityName(t string) string {
	switch t {
	case "call":
		return b.t("Call")
	case "meeting":
		return b.t("Visit")
	case "demo":
		return b.t("Demo")
	case "proposal":
		return b.t("Proposal")
	case "email":
		return b.t("Email")
	case "task":
		return b.t("Task")
	}
	return b.t("Action")
}

// stageName prints a stage: a canonical one (crm.StageKind) in the
// reader's language, any other as the CRM names it.
func (b *builder) stageName(id crm.ID) string {
	switch b.s.ds.StageKind(id) {
	case crm.StageProspecting:
		return b.t("Prospecting")
	case crm.StageQualification:
		return b.t("Qualification")
	case crm.StageProposal:
		return b.t("Proposal")
	case crm.StageNegotiation:
		return b.t("Negotiation")
	case crm.StageWon:
		return b.t("Won")
	case crm.StageLost:
		return b.t("Lost")
	}
	return b.s.ds.Stages.Name(id)
}

// stageNamed is stageName for a stage known by its name, as an alert
// carries it.
func (b *builder) stageNamed(name string) string {
	if id, ok := b.s.ds.Stages.Lookup(name); ok {
		return b.stageName(id)
	}
	return name
}

// pipeline shows the rep's open pipeline: the totals with their
// comparison and the amounts by stage.
func (b *builder) pipeline(sc *kpi.Scope) {
	res := b.s.main
	if !hasMetric(res, kpi.PipelineValue) && !hasMetric(res, kpi.PipelineCount) {
		return
	}
	b.section(b.t("Open pipeline"))
	var kpis []KPI
	for _, name := range []string{kpi.PipelineValue, kpi.PipelineCount, kpi.WeightedPipeline, kpi.NewOpportunities} {
		if !hasMetric(res, name) {
			continue
		}
		kpis = append(kpis, b.kpiVs(sc.Values[name], name, func(v *kpi.Value) float64 { return v.Previous }, refPrevious))
	}
	b.add(Block{KPIs: kpis})
	pipe, probs := b.s.pipeline()
	op := pipe.AsOf(b.s.ownersOf(b.p), res.Period.End())
	var stages []string
	var amounts, counts []float64
	funnelOrder(op.Stages, probs, b.s.ds.StageRank)
	for _, st := range op.Stages {
		name := b.stageName(st.Stage)
		if st.Stage == crm.NoID {
			name = "?"
		}
		if st.ClosedSince {
			name = b.t("%s (closed since)", name)
		}
		stages = append(stages, name)
		amounts = append(amounts, st.Amount)
		counts = append(counts, float64(st.Count))
	}
	day := b.loc.Date(op.Day.Time())
	note := ""
	if !op.Current {
		note = " " + b.t("The export keeps no stage history: each deal is shown in its stage today.")
	}
	switch {
	case len(stages) == 0:
		b.paragraph(b.t("No open deals on %s.", day), true)
	case allAbsent(amounts):
		b.add(Block{Chart: &Chart{Kind: ChartPipeline, Height: 48, HighlightIndex: -1,
			Labels: stages, Actual: nums(counts), Caption: b.t("Deals open on %s by stage, in number of deals: the export gives no amounts for open deals.", day) + note}})
	default:
		b.add(Block{Chart: &Chart{Kind: ChartPipeline, Height: 48, Money: true, HighlightIndex: -1,
			Labels: stages, Actual: nums(amounts), Caption: b.t("Deals open on %s by stage (%s deals), amounts in %s.", day, b.loc.Int(int64(op.Count())), b.cur) + note}})
	}
}

// stageProbabilities returns each stage's probability of closing, which
// orders the stages as the funnel does: the configured one
// (kpi.stage_probabilities, by the CRM's stage name) or else the mean of
// the probabilities the export gives its open deals. A stage with neither
// is missing from the map.
func stageProbabilities(ds *crm.Dataset, configured map[string]float64) map[crm.ID]float64 {
	out := map[crm.ID]float64{}
	sum := map[crm.ID]float64{}
	n := map[crm.ID]int{}
	for i := range ds.Deals {
		d := &ds.Deals[i]
		if d.Status == crm.StatusOpen && crm.Has(d.Probability) {
			sum[d.Stage] += d.Probability
			n[d.Stage]++
		}
	}
	for id, k := range n {
		out[id] = sum[id] / float64(k)
	}
	for name, p := range configured {
		for i, s := range ds.Stages.All() {
			if strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(name)) {
				out[crm.ID(i)] = p
			}
		}
	}
	return out
}

// funnelOrder sorts the open stages in funnel order, by rising
// probability; stages of unknown probability follow them in the funnel
// order rank gives (the preset's, else the canonical stages': Maven's
// Prospecting before Engaging), those without a rank keep the CRM's order
// after them, and the deals closed since stay last.
func funnelOrder(stages []kpi.StageOpen, prob map[crm.ID]float64, rank func(crm.ID) (int, bool)) {
	slices.SortStableFunc(stages, func(a, b kpi.StageOpen) int {
		if a.ClosedSince != b.ClosedSince {
			if a.ClosedSince {
				return 1
			}
			return -1
		}
		pa, oka := prob[a.Stage]
		pb, okb := prob[b.Stage]
		switch {
		case oka && okb:
			return cmp.Compare(pa, pb)
		case oka:
			return -1
		case okb:
			return 1
		}
		ra, oka := rank(a.Stage)
		rb, okb := rank(b.Stage)
		switch {
		case oka && okb:
			return cmp.Compare(ra, rb)
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
}

func allAbsent(vs []float64) bool {
	for _, v := range vs {
		if crm.Has(v) {
			return false
		}
	}
	return true
}

// ownersOf returns the owner ids that name p (by name, email or CRM id,
// case and spaces ignored), as package kpi matches them, in id order.
func (s *Set) ownersOf(p *crm.Person) []crm.ID {
	byKey := s.owners.byKey(s.ds)
	var out []crm.ID
	seen := map[string]bool{}
	for _, k := range []string{p.Name, p.Email, p.CRMID} {
		if k = normKey(k); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, byKey[k]...)
		}
	}
	slices.Sort(out) // one owner id has one key: no duplicates
	return out
}

// ownerIndex maps each owner's normKey to its ids, built once per Set:
// matching every owner for every rep's digest was work in the square of
// the organisation's size (4 million normKeys for 2,000 reps).
type ownerIndex struct {
	once sync.Once
	m    map[string][]crm.ID
}

func (x *ownerIndex) byKey(ds *crm.Dataset) map[string][]crm.ID {
	x.once.Do(func() {
		x.m = map[string][]crm.ID{}
		for i, name := range ds.Owners.All() {
			k := normKey(name)
			x.m[k] = append(x.m[k], crm.ID(i))
		}
	})
	return x.m
}

// repSummary fills the email's numbers: the week's and month's revenue,
// the open pipeline and the overdue count.
func (b *builder) repSummary(all []*kpi.Result, scopes []*kpi.Scope, sc *kpi.Scope) {
	for i := range all {
		if i > 1 || scopes[i] == nil {
			break
		}
		label := b.mainLabel(all[i].Period)
		if i > 0 {
			label = b.toDateLabel(all[i].Period)
		}
		b.summary(label+" · "+b.metricLabel(kpi.WonRevenue), scopes[i].Values[kpi.WonRevenue], kpi.WonRevenue)
	}
	if v := sc.Values[kpi.PipelineValue]; v != nil {
		// As the pipeline row prints it.
		k := b.kpiVs(v, kpi.PipelineValue, func(v *kpi.Value) float64 { return v.Previous }, refPrevious)
		b.d.Summary = append(b.d.Summary, Item{Label: k.Label, Value: k.Value, Comparison: k.Comparison})
	}
	if v := sc.Values[kpi.Calls]; v != nil && crm.Has(v.Value) {
		k := b.activityKPI(v, kpi.Calls)
		b.d.Summary = append(b.d.Summary, Item{Label: k.Label, Value: k.Value, Comparison: k.Comparison})
	}
}

// summary adds one email number with its best comparison.
func (b *builder) summary(label string, v *kpi.Value, name string) {
	if v == nil {
		return
	}
	c, _ := b.targetCmp(v, name)
	if !crm.Has(v.Target) {
		c, _ = b.baselineCmp(v, name)
	}
	b.d.Summary = append(b.d.Summary, Item{Label: label, Value: b.value(name, v.Value), Comparison: c, metric: name, value: v.Value})
}
