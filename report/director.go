package report

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// comparisonMetrics are the rows of the director's month table.
var comparisonMetrics = []string{kpi.WonRevenue, kpi.GrossMargin, kpi.WonDeals, kpi.WinRate, kpi.AvgDealSize, kpi.NewOpportunities, kpi.PipelineValue}

// readingMetrics are the metrics whose structural reading a director sees.
var readingMetrics = []string{kpi.WonRevenue, kpi.GrossMargin, kpi.WonDeals, kpi.NewOpportunities}

// director builds a director's monthly comparison for their region, or
// the organisation for a director without one: the structural or
// seasonal reading of the month, the month against the previous month,
// the same month last year and the expectation, the year to date against
// last year's, per-region and per-team tables, this year against last
// year month by month, the ranking for the sales challenge, and what looks
// structural by team.
func (b *builder) director() {
	s, d := b.s, b.d
	res := s.main
	kind, key, name := kpi.ScopeRegion, b.p.Region, b.p.Region
	if key == "" {
		kind, key, name = kpi.ScopeOrg, kpi.OrgKey, b.t("Organisation")
	}
	d.Title = b.byGrain("Weekly comparison", "Monthly comparison", "Quarterly comparison", "Half-yearly comparison", "Annual comparison") + " — " + name
	sc := res.Scope(kind, key)
	if sc == nil {
		d.Headline = b.t("No figures for %s in the exports for this period.", name)
		b.paragraph(b.t("The people directory names no rep in this region, or the exports hold nothing they own."), true)
		return
	}
	won := sc.Values[kpi.WonRevenue]
	d.Headline = b.directorHeadline(won)
	if kind == kpi.ScopeRegion {
		d.Region = name
	}

	// The month against its comparisons; the email's figures are these
	// and the year to date's, as the page prints them.
	b.section(b.mainLabel(res.Period))
	var month []KPI
	var ytdWon *KPI
	if won != nil {
		month = b.monthKPIs(won, kpi.WonRevenue)
		b.add(Block{KPIs: month})
		if won.TargetCover.Source == kpi.TargetSumTeams {
			b.paragraph(b.t("Target: %s, the sum of team targets (none set at this level).", b.money(won.Target)), true)
		}
	}
	b.monthTable(sc)

	// Year to date.
	if s.ytd != nil {
		if ys := s.ytd.Scope(kind, key); ys != nil {
			b.section(b.t("Year to date") + " · " + b.loc.DateRange(s.ytd.Period.Start().Time(), s.ytd.Period.End().Time()))
			var kpis []KPI
			for _, m := range []string{kpi.WonRevenue, kpi.GrossMargin, kpi.WonDeals, kpi.NewOpportunities} {
				if !hasMetric(s.ytd, m) {
					continue
				}
				kpis = append(kpis, b.kpiVs(ys.Values[m], m, func(v *kpi.Value) float64 { return v.YearAgo }, refLastYear))
				if m == kpi.WonRevenue && ys.Values[m] != nil {
					k := kpis[len(kpis)-1]
					ytdWon = &k
				}
			}
			b.add(Block{KPIs: kpis})
			if v := ys.Values[kpi.WonRevenue]; v != nil {
				line := b.t("Last year to the same day: %s.", b.value(kpi.WonRevenue, v.YearAgo))
				if !crm.Has(v.YearAgo) {
					line = b.t("Last year to the same day: no history yet.")
				}
				if crm.Has(v.Target) {
					c, _ := b.compare(v.Value, v.Target, refTarget, kpi.WonRevenue)
					if v.TargetCover.Source == kpi.TargetSumTeams {
						c += ", " + b.t("sum of team targets")
					}
					line += " " + b.t("Target to date: %s (%s).", b.money(v.Target), c)
				} else if c := v.TargetCover; c.Teams > 0 && c.TeamsWith > 0 {
					line += " " + b.t("No target for the year to date: %s.", b.noTarget(v, ""))
				} else {
					line += " " + b.t("No targets set for the year to date.")
				}
				b.paragraph(line, true)
			}
		}
	}

	// Regions (the head of sales) and teams.
	if kind == kpi.ScopeOrg {
		var regions []*kpi.Scope
		for _, r := range res.Scopes {
			if r.Kind == kpi.ScopeRegion && (r.Key != kpi.Unassigned || ownsFigures(r)) {
				regions = append(regions, r)
			}
		}
		if len(regions) > 0 {
			b.section(b.t("Regions") + " · " + b.mainLabel(res.Period))
			b.scopeTable(res, b.t("Region"), regions)
		}
	}
	teams := b.teamsIn(res, sc)
	if len(teams) > 0 {
		b.section(b.t("Teams") + " · " + b.mainLabel(res.Period))
		b.scopeTable(res, b.t("Team"), teams)
		ch := &Chart{Kind: ChartTeams, Height: 45, Money: true, HighlightIndex: -1}
		anyExp := false
		for _, t := range teams {
			ch.Labels = append(ch.Labels, t.Name)
			v := t.Values[kpi.WonRevenue]
			if v == nil {
				ch.Actual = append(ch.Actual, Num(math.NaN()))
				ch.Reference = append(ch.Reference, Num(math.NaN()))
				continue
			}
			ch.Actual = append(ch.Actual, Num(v.Value))
			e := math.NaN()
			if v.Baseline.Method == kpi.MethodSeasonal {
				e = v.Baseline.Value
				anyExp = true
			}
			ch.Reference = append(ch.Reference, Num(e))
		}
		ch.Caption = b.t("Won revenue by team; tick: the seasonal expectation.")
		if !anyExp {
			ch.Reference = nil
			ch.Caption = b.t("Won revenue by team (no seasonal expectation yet).")
		}
		b.add(Block{Chart: ch})
	}

	// This year against last year, month by month, and the trend.
	if won != nil {
		if ch := b.yearOverYear(res, won); ch != nil {
			b.section(b.t("This year vs last year") + " · " + b.metricLabel(kpi.WonRevenue))
			b.add(Block{Chart: ch})
		}
		if ch := b.trend(res, won, 55); ch != nil {
			b.section(b.t("Trend and seasonal expectation") + " · " + b.metricLabel(kpi.WonRevenue))
			b.add(Block{Chart: ch})
		}
	}

	b.ranking(res, teams)
	b.readings(res, sc, teams)

	b.directorSummary(won, month, ytdWon)
}

// directorSummary fills the email's numbers from the figures the page
// prints, with the page's comparison: the month's won revenue (which the
// headline states, so the email leaves it out), the previous month and the
// same month last year with the month's change against them, and the year
// to date against last year. The seasonal expectation is left out: the
// headline states the month against it (or against last year, when the
// same month last year is left out too).
func (b *builder) directorSummary(won *kpi.Value, month []KPI, ytd *KPI) {
	if won == nil || len(month) < 3 {
		return
	}
	said := func(against string) bool {
		for _, c := range b.d.Claims {
			if c.Metric == kpi.WonRevenue && c.Period == b.s.main.Period.String() && c.Against == against {
				return true
			}
		}
		return false
	}
	k0, prev, ya := month[0], month[1], month[2]
	b.d.Summary = append(b.d.Summary, Item{Label: b.mainLabel(b.s.main.Period) + " · " + k0.Label, Value: k0.Value, Comparison: k0.Comparison,
		metric: kpi.WonRevenue, value: won.Value})
	if crm.Has(won.Previous) {
		b.d.Summary = append(b.d.Summary, Item{Label: prev.Label, Value: prev.Value, Comparison: prev.Comparison})
	}
	if crm.Has(won.YearAgo) && !said(againstLastYear) {
		b.d.Summary = append(b.d.Summary, Item{Label: ya.Label, Value: ya.Value, Comparison: ya.Comparison})
	}
	if ytd != nil {
		b.d.Summary = append(b.d.Summary, Item{Label: b.t("Year to date"), Value: ytd.Value, Comparison: ytd.Comparison})
	}
}

// teamsIn returns the teams inside a region or the organisation that
// have figures, by name.
func (b *builder) teamsIn(r *kpi.Result, sc *kpi.Scope) []*kpi.Scope {
	var out []*kpi.Scope
	for _, k := range sc.Teams {
		t := r.Scope(kpi.ScopeTeam, k)
		if t == nil || (t.Key == kpi.Unassigned && !ownsFigures(t)) {
			continue
		}
		out = append(out, t)
	}
	sortByName(out)
	return out
}

// dirScope is the director's scope: their region, else the organisation.
func (b *builder) dirScope() *kpi.Scope {
	if b.p.Region != "" {
		return b.s.main.Scope(kpi.ScopeRegion, b.p.Region)
	}
	return b.s.main.Scope(kpi.ScopeOrg, kpi.OrgKey)
}

// directorHeadline reads the month: is the gap to the seasonal
// expectation structural (beyond its range several months running) or
// seasonal?
func (b *builder) directorHeadline(won *kpi.Value) string {
	label := b.mainLabel(b.s.main.Period)
	if won == nil || !crm.Has(won.Value) {
		return b.t("%s: no won revenue figures in this export.", label)
	}
	sc := b.dirScope()
	// With a target, the headline leads with its attainment; then it
	// reads the month against its seasonal expectation (or last year).
	var parts []string
	if fs := b.wonFacts(b.s.main, sc, label); len(fs) > 0 && fs[0].Against == againstTarget {
		t := b.sayFacts(fs[:1], false)
		if won.TargetCover.Source == kpi.TargetSumTeams {
			t = strings.TrimSuffix(t, ".") + " (" + b.t("sum of team targets") + ")."
		}
		parts = append(parts, t)
	}
	var against ref
	refv := math.NaN()
	bl := won.Baseline
	seasonal := bl.Method == kpi.MethodSeasonal && crm.Has(bl.Value) && bl.Value > 0
	switch {
	case seasonal:
		against, refv = refExpected, bl.Value
	case crm.Has(won.YearAgo) && won.YearAgo > 0:
		against, refv = refLastYear, won.YearAgo
	}
	if crm.Has(refv) {
		w := b.words(won.Value, refv, against, kpi.WonRevenue)
		b.d.Claims = append(b.d.Claims, Claim{Scope: sc.Kind.String(), Key: sc.Key, Metric: kpi.WonRevenue,
			Period: b.s.main.Period.String(), Label: label, Against: refAgainst(against), Value: won.Value, Reference: refv,
			Dir: dirOf(won.Value/refv - 1), Text: w})
		if len(parts) == 0 {
			parts = append(parts, b.t("%s: won revenue %s", label, b.money(won.Value))+", "+w+".")
		} else {
			b.d.Claims[len(b.d.Claims)-1].Text = capitalize(w)
			parts = append(parts, capitalize(w)+".")
		}
	} else if len(parts) == 0 {
		parts = append(parts, b.t("%s: won revenue %s", label, b.money(won.Value))+".")
		b.d.figures = append(b.d.figures, Claim{Metric: kpi.WonRevenue, Label: label, Value: won.Value})
	}
	rd := b.s.main.Reading(sc.Kind, sc.Key, kpi.WonRevenue)
	reading := b.stateSentence(rd)
	if rd != nil && rd.State != kpi.StateNone {
		b.d.Claims = append(b.d.Claims, b.readingClaim(rd, label, reading))
	}
	return strings.Join(append(parts, reading), " ")
}

// monthKPIs is the month, the previous month, the same month last year
// and the expectation, each with its comparison.
func (b *builder) monthKPIs(v *kpi.Value, name string) []KPI {
	k0 := KPI{Label: b.metricLabel(name), Value: b.value(name, v.Value), Dir: Flat}
	k0.Comparison, k0.Dir = b.targetCmp(v, name)
	prev := KPI{Label: b.byGrain("Previous week", "Previous month", "Previous quarter", "Previous half-year", "Previous year"), Value: b.value(name, v.Previous), Dir: Flat}
	prev.Comparison, prev.Dir = b.change(v.Value, v.Previous, name)
	ya := KPI{Label: b.byGrain("Same week last year", "Same month last year", "Same quarter last year", "Same half-year last year", "Same period last year"), Value: b.value(name, v.YearAgo), Dir: Flat}
	ya.Comparison, ya.Dir = b.change(v.Value, v.YearAgo, name)
	exp := KPI{Label: b.t("Seasonal expectation"), Dir: Flat}
	if v.Baseline.Method == kpi.MethodSeasonal && crm.Has(v.Baseline.Value) {
		exp.Value = b.value(name, v.Baseline.Value)
		exp.Comparison, exp.Dir = b.change(v.Value, v.Baseline.Value, name)
	} else {
		exp.Value = b.loc.NotAvailable()
		exp.Comparison = b.t("not enough history")
	}
	if !crm.Has(v.Previous) {
		prev.Value, prev.Comparison = b.loc.NotAvailable(), b.t("no history yet")
	}
	if !crm.Has(v.YearAgo) {
		ya.Value, ya.Comparison = b.loc.NotAvailable(), b.t("no history yet")
	}
	return []KPI{k0, prev, ya, exp}
}

// change writes the month's change against a reference: "this month ▲ +12 %".
func (b *builder) change(actual, refv float64, name string) (string, Dir) {
	if !crm.Has(actual) || !crm.Has(refv) {
		return b.t("no history yet"), Flat
	}
	if refv == 0 {
		return b.t("no comparison (0)"), Flat
	}
	c, dir := b.compare(actual, refv, refPrevious, name)
	// "▲ +12 % vs the previous period" reads "this month is 12 % above".
	c = strings.TrimSuffix(c, " "+b.vs(refPrevious))
	return b.byGrain("this week %s", "this month %s", "this quarter %s", "this half-year %s", "this year %s", c), dir
}

// monthTable writes one row per metric: the month, the previous month,
// the same month last year and the expectation, each change beside it.
func (b *builder) monthTable(sc *kpi.Scope) {
	t := &Table{Columns: []Column{{Title: "", Weight: 2.4},
		{Title: b.byGrain("This week", "This month", "This quarter", "This half-year", "This year"), Weight: 1.5, Numeric: true},
		{Title: b.t("Previous"), Weight: 1.5, Numeric: true}, {Title: "±", Weight: 0.9, Numeric: true},
		{Title: b.t("Last year"), Weight: 1.5, Numeric: true}, {Title: "±", Weight: 0.9, Numeric: true},
		{Title: b.t("Expected"), Weight: 1.5, Numeric: true}, {Title: "±", Weight: 0.9, Numeric: true}}}
	for _, m := range comparisonMetrics {
		if !hasMetric(b.s.main, m) {
			continue
		}
		v := sc.Values[m]
		if v == nil {
			continue
		}
		exp := math.NaN()
		if v.Baseline.Method == kpi.MethodSeasonal {
			exp = v.Baseline.Value
		}
		row := []string{b.metricLabel(m), b.value(m, v.Value)}
		for _, r := range []float64{v.Previous, v.YearAgo, exp} {
			row = append(row, b.value(m, r), b.delta(v.Value, r, m))
		}
		t.Rows = append(t.Rows, row)
	}
	if len(t.Rows) > 0 {
		t.dropBlank(b.loc.NotAvailable())
		b.add(Block{Table: t})
		b.paragraph(b.byGrain("±: change of this week against the column on its left; for rates, in points. n/a: no history to compare with.",
			"±: change of this month against the column on its left; for rates, in points. n/a: no history to compare with.",
			"±: change of this quarter against the column on its left; for rates, in points. n/a: no history to compare with.",
			"±: change of this half-year against the column on its left; for rates, in points. n/a: no history to compare with.",
			"±: change of this year against the column on its left; for rates, in points. n/a: no history to compare with."), true)
	}
}

// delta writes a change: a percentage for amounts and counts, points for
// ratios; "n/a" when there is nothing to compare with. Points are the
// difference of the two rates as printed (whole percents): a reader checks
// 78 % − 53 % by eye, and "+26 pt" from the unrounded 78.5 % and 52.9 %
// would look wrong.
func (b *builder) delta(actual, refv float64, name string) string {
	if !crm.Has(actual) || !crm.Has(refv) {
		return b.loc.NotAvailable()
	}
	if m, _ := kpi.MetricByName(name); m.Unit == kpi.UnitRatio {
		return b.t("%s pt", b.signed(math.Round(100*actual)-math.Round(100*refv), 0))
	}
	ratio, ok := shownRatio(actual, refv, name)
	if !ok {
		return b.loc.NotAvailable()
	}
	return b.loc.SignedPercent(ratio, 0)
}

func (b *builder) signed(v float64, dec int) string {
	s := b.loc.Number(v, dec)
	if math.Round(v) > 0 {
		return "+" + s
	}
	return s
}

// scopeTable writes one row per team or region: won revenue against
// target, last year and expectation, and the reading.
func (b *builder) scopeTable(r *kpi.Result, title string, scopes []*kpi.Scope) {
	t := &Table{Columns: []Column{{Title: title, Weight: 2.0, Data: true}, {Title: b.metricLabel(kpi.WonRevenue), Weight: 1.8, Numeric: true},
		{Title: b.t("vs target"), Weight: 1.3, Numeric: true}, {Title: b.t("vs last year"), Weight: 1.3, Numeric: true},
		{Title: b.t("vs expected"), Weight: 1.3, Numeric: true}, {Title: b.t("Reading"), Weight: 2.6}}}
	var summed []string
	for _, sc := range scopes {
		v := sc.Values[kpi.WonRevenue]
		if v == nil {
			t.Rows = append(t.Rows, []string{sc.Name, b.loc.NotAvailable(), "", "", "", ""})
			continue
		}
		tgt := b.noTarget(v, "no target")
		if crm.Has(v.Target) {
			tgt = b.delta(v.Value, v.Target, kpi.WonRevenue)
			if v.TargetCover.Source == kpi.TargetSumTeams {
				summed = append(summed, sc.Name)
			}
		}
		exp := b.t("n/a")
		if v.Baseline.Method == kpi.MethodSeasonal {
			exp = b.delta(v.Value, v.Baseline.Value, kpi.WonRevenue)
		}
		t.Rows = append(t.Rows, []string{sc.Name, b.value(kpi.WonRevenue, v.Value), tgt,
			b.delta(v.Value, v.YearAgo, kpi.WonRevenue), exp, b.stateShort(r.Reading(sc.Kind, sc.Key, kpi.WonRevenue))})
	}
	t.dropBlank(b.t("no target"), b.t("n/a"), b.loc.NotAvailable())
	b.add(Block{Table: t})
	if len(summed) > 0 {
		b.paragraph(b.t("Targets of %s: sums of team targets (none set at that level).", strings.Join(summed, ", ")), true)
	}
}

// yearOverYear is this year's months against last year's, January to
// December, from the month's history.
func (b *builder) yearOverYear(r *kpi.Result, v *kpi.Value) *Chart {
	if r.Period.Kind != kpi.Month {
		return nil
	}
	y := r.Period.Year
	this, last := make([]Num, 12), make([]Num, 12)
	labels := make([]string, 12)
	for i := range 12 {
		this[i], last[i] = Num(math.NaN()), Num(math.NaN())
		labels[i] = b.loc.ShortMonth(time.Month(i + 1))
	}
	any := false
	for i, p := range r.History {
		if p.Kind != kpi.Month || i >= len(v.History.Values) {
			continue
		}
		x := v.History.Values[i]
		switch p.Year {
		case y:
			this[p.N-1] = Num(x)
		case y - 1:
			last[p.N-1] = Num(x)
			any = any || crm.Has(x)
		}
	}
	ch := &Chart{Kind: ChartYoY, Height: 50, Money: true, HighlightIndex: -1, Labels: labels, Actual: this, Reference: last,
		Caption: b.t("Solid: %s; outlined: %s.", strconv.Itoa(y), strconv.Itoa(y-1))}
	if !any {
		ch.Caption += " " + b.t("No history for last year in this export.")
	}
	return ch
}

// ranking shows the teams' ranking for the sales challenge: by target
// attainment when targets are set, else by growth against the baseline.
// A regional director sees their own teams with their rank in the whole
// organisation.
func (b *builder) ranking(r *kpi.Result, teams []*kpi.Scope) {
	var rk *kpi.Ranking
	for _, by := range []string{kpi.TargetAttainment, "growth_vs_baseline"} {
		for i := range r.Findings.Rankings {
			x := &r.Findings.Rankings[i]
			if x.Kind == kpi.ScopeTeam && x.By == by && len(x.Entries) > 0 && rk == nil {
				rk = x
			}
		}
	}
	b.section(b.t("Ranking for the sales challenge"))
	if rk == nil {
		b.paragraph(b.t("No ranking: no targets set and not enough history to measure growth."), true)
		return
	}
	in := map[string]bool{}
	for _, t := range teams {
		in[t.Key] = true
	}
	by := b.t("target attainment")
	if rk.By != kpi.TargetAttainment {
		by = b.growthBy(rk.Entries)
	}
	ch := &Chart{Kind: ChartRanking, Height: 0, Percent: true, HighlightIndex: -1}
	t := &Table{Columns: []Column{{Title: b.t("Rank"), Weight: 1.2}, {Title: b.t("Team"), Weight: 4, Data: true}, {Title: capitalize(by), Weight: 2, Numeric: true}}}
	for _, e := range rk.Entries {
		if !in[e.Key] {
			continue
		}
		val := b.loc.Percent(e.Value, 0)
		if rk.By != kpi.TargetAttainment {
			val = b.loc.SignedPercent(e.Value, 0)
		}
		t.Rows = append(t.Rows, []string{b.t("%d of %d", e.Rank, len(rk.Entries)), e.Name, val})
		ch.Labels = append(ch.Labels, e.Name)
		ch.Actual = append(ch.Actual, Num(e.Value))
	}
	if len(t.Rows) == 0 {
		b.paragraph(b.byGrain("No team of yours is ranked this week.", "No team of yours is ranked this month.", "No team of yours is ranked this quarter.", "No team of yours is ranked this half-year.", "No team of yours is ranked this year."), true)
		return
	}
	if len(t.Rows) < len(rk.Entries) {
		// A regional director's "1 of 3" under a one-row table reads as a
		// podium of three unless the caption says whose three.
		b.paragraph(b.t("Teams ranked by %s, %s: the rank is among the organisation's %d teams.", by, b.midLabel(r.Period), len(rk.Entries)), true)
	} else {
		b.paragraph(b.t("Teams ranked by %s, %s.", by, b.midLabel(r.Period)), true)
	}
	if len(ch.Labels) > 1 {
		ch.Height = 8 + 7*float64(len(ch.Labels))
		b.add(Block{Chart: ch})
	}
	b.add(Block{Table: t})
}

// growthBy names what a growth ranking measures against: the reference
// the teams share (the seasonal expectation, the same period last year, or
// their usual level when history is short), so that a director reading
// "+38 %" knows against what; "the baseline" only when the teams differ.
func (b *builder) growthBy(entries []kpi.RankEntry) string {
	m := kpi.MethodNone
	for i, e := range entries {
		if i > 0 && e.Method != m {
			return b.t("growth against the baseline")
		}
		m = e.Method
	}
	switch m {
	case kpi.MethodSeasonal:
		return b.t("growth against the seasonal expectation")
	case kpi.MethodYearAgo:
		return b.t("growth against the same period last year")
	case kpi.MethodTrailingMean:
		return b.t("growth against the usual level (mean of the previous periods)")
	}
	return b.t("growth against the baseline")
}

// readings says, for the director's scope and each of its teams, which
// metrics look structural and in which months, and which look seasonal.
func (b *builder) readings(r *kpi.Result, sc *kpi.Scope, teams []*kpi.Scope) {
	b.section(b.t("Structural or seasonal?"))
	names := map[string]string{sc.Key: sc.Name}
	if sc.Kind == kpi.ScopeOrg {
		names[sc.Key] = b.t("Organisation")
	}
	order := []string{sc.Key}
	kinds := map[string]kpi.ScopeKind{sc.Key: sc.Kind}
	for _, t := range teams {
		names[t.Key] = t.Name
		order = append(order, t.Key)
		kinds[t.Key] = kpi.ScopeTeam
	}
	byKey := map[string][]kpi.Reading{}
	for _, rd := range r.Findings.Readings {
		if k, ok := kinds[rd.Key]; ok && k == rd.Kind && slices.Contains(readingMetrics, rd.Metric) {
			byKey[rd.Key] = append(byKey[rd.Key], rd)
		}
	}
	var items, off []string
	seasonal := map[string][]string{} // metric -> scopes within the seasonal range
	assessed := false
	for _, k := range order {
		for _, rd := range byKey[k] {
			switch rd.State {
			case kpi.StateStructural:
				assessed = true
				var months []string
				for _, p := range rd.Marked {
					months = append(months, b.loc.ShortMonthYear(time.Month(p.N), p.Year))
				}
				if len(months) > 6 {
					months = append(months[:1], append([]string{"…"}, months[len(months)-5:]...)...)
				}
				dev := b.loc.SignedPercent(rd.Deviation, 0)
				item := b.t("%s — %s: structural since %s, %s vs expected.", names[k], strings.ToLower(b.metricLabel(rd.Metric)), b.periodName(rd.Break), dev)
				if len(months) > 0 {
					item += " " + b.t("Marked: %s.", strings.Join(months, ", "))
				}
				items = append(items, item)
			case kpi.StateOutside:
				assessed = true
				items = append(items, b.t("%s — %s: %s vs expected.", names[k], strings.ToLower(b.metricLabel(rd.Metric)), b.loc.SignedPercent(rd.Deviation, 0))+" "+b.stateSentence(&rd))
			case kpi.StateWithinOff:
				// 15 % or more off its expectation: "within range" alone
				// would hide a -27 % the reader should weigh, so the figure
				// and the range's width are said (docs/KPIS.md, readings).
				assessed = true
				off = append(off, b.t("%s — %s: %s vs expected.", names[k], strings.ToLower(b.metricLabel(rd.Metric)), b.loc.SignedPercent(rd.Deviation, 0))+" "+b.stateSentence(&rd))
			case kpi.StateWithin, kpi.StateBack:
				assessed = true
				seasonal[rd.Metric] = append(seasonal[rd.Metric], names[k])
			}
		}
	}
	if len(items) == 0 && assessed {
		b.paragraph(b.t("Nothing is beyond its usual range: no structural break, no run outside it."), false)
	}
	if len(items) > 0 {
		b.add(Block{List: items})
	}
	if len(off) > 0 {
		b.add(Block{List: off})
	}
	for _, m := range readingMetrics {
		if len(seasonal[m]) > 0 {
			b.paragraph(b.t("Within the usual range (%s): %s.", strings.ToLower(b.metricLabel(m)), strings.Join(seasonal[m], ", ")), true)
		}
	}
	if !assessed {
		b.paragraph(b.t("Not enough history for a seasonal reading yet (two full years are needed)."), true)
	}
}
