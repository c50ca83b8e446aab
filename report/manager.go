package report

import (
	"math"
	"slices"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// tableMetrics are the columns of the manager's per-rep table after the
// revenue: results then activity.
var tableMetrics = []string{kpi.WonDeals, kpi.WinRate, kpi.NewOpportunities, kpi.Calls, kpi.Meetings, kpi.Demos, kpi.PipelineValue}

// multipleMetrics are the columns of the small multiples.
var multipleMetrics = []string{kpi.WonRevenue, kpi.NewOpportunities, kpi.Calls, kpi.Meetings}

// manager builds a manager's team report: the diagnosis, the team's
// bullet graphs, one row per rep with outliers marked, one sparkline per
// rep and metric, and the team's trend with its seasonal band. Only the
// manager's team appears.
func (b *builder) manager() {
	s, d := b.s, b.d
	team := teamOf(b.p)
	d.Title = b.byGrain("Weekly team report", "Monthly team report", "Quarterly team report", "Half-yearly team report", "Annual team report") + " — " + team
	res := s.main
	long := res
	if len(s.toDate) > 0 {
		long = s.toDate[0]
	}
	ts := res.Scope(kpi.ScopeTeam, team)
	if ts == nil {
		d.Headline = b.t("No figures for the team %s in the exports for this period.", team)
		b.paragraph(b.t("The people directory names no rep in this team, or the exports hold nothing they own."), true)
		return
	}
	all := []*kpi.Result{res}
	if long != res {
		all = append(all, long)
	}
	// The diagnosis and the rep table share one period: the shortest in
	// which the team expects enough deals (kpi.Diagnose).
	cands := slices.Clone(all)
	diag := kpi.Diagnose(cands, team)
	if diag.Kind == kpi.DiagnosisNotAssessed {
		cands = append(cands, s.diagResults()...)
		diag = kpi.Diagnose(cands, team)
	}
	di := len(all) - 1
	for i, r := range cands {
		if diag.Kind != kpi.DiagnosisNotAssessed && r.Period == diag.Period {
			di = i
		}
	}
	dres := cands[di]
	dlabel := b.periodLabel(di, dres)
	reps := sellers(dres, dres.Scope(kpi.ScopeTeam, team).Members)
	var facts []fact
	for i, r := range all {
		if f, ok := b.wonFact(r, r.Scope(kpi.ScopeTeam, team), b.periodLabel(i, r)); ok {
			facts = append(facts, f)
		}
	}
	d.Headline = b.managerHeadline(pickFacts(facts), dres, dlabel, &diag)

	// Team totals against target and expectation.
	for _, name := range []string{kpi.WonRevenue, kpi.GrossMargin} {
		if !hasMetric(res, name) {
			continue
		}
		b.section(b.t("Team") + " · " + b.metricLabel(name))
		var rows []Bullet
		for i, r := range all {
			label := b.periodLabel(i, r)
			var v *kpi.Value
			if sc := r.Scope(kpi.ScopeTeam, team); sc != nil {
				v = sc.Values[name]
			}
			rows = append(rows, b.bullet(label, v, name, 12))
		}
		b.add(Block{Bullets: rows})
		if name == kpi.WonRevenue {
			b.d.emailChart = b.bulletChart(name, rows)
		}
	}
	var kpis []KPI
	var pipeline *KPI // the email's, as the row prints it
	for _, name := range []string{kpi.WonDeals, kpi.NewOpportunities, kpi.PipelineValue, kpi.Calls, kpi.Meetings} {
		if !hasMetric(res, name) {
			continue
		}
		k := b.kpiVsBaseline(ts.Values[name], name)
		kpis = append(kpis, k)
		if name == kpi.PipelineValue && ts.Values[name] != nil {
			pipeline = &k
		}
	}
	if len(kpis) > 0 {
		// Named, or the figures read as the month to date of the bullet
		// rows just above them.
		b.section(b.t("Team") + " · " + b.periodLabel(0, res))
		b.add(Block{KPIs: kpis})
	}
	if !hasMetric(res, kpi.Calls) {
		b.paragraph(b.t("No activity data in this export: the tables show results only."), true)
	}

	// One row per rep.
	b.section(b.t("Reps") + " · " + dlabel)
	if len(reps) == 0 {
		b.paragraph(b.t("No rep of this team owns figures in the exports."), true)
	} else {
		b.repTable(dres, team, reps, &diag)
		if len(cands) > 1 {
			b.paragraph(b.diagnosisPeriodNote(&diag, cands, di), true)
		}
		b.repChart(dres, team, b.periodLabelInText(di, dres))
		b.multiples(res, sellers(res, ts.Members))
	}

	// The team's trend by month.
	trendRes := long
	if trendRes.Period.Kind != kpi.Month {
		trendRes = nil
		for _, r := range all {
			if r.Period.Kind == kpi.Month {
				trendRes = r
			}
		}
	}
	if trendRes != nil {
		if sc := trendRes.Scope(kpi.ScopeTeam, team); sc != nil {
			if ch := b.trend(trendRes, sc.Values[kpi.WonRevenue], 55); ch != nil {
				b.section(b.t("Team trend") + " · " + b.metricLabel(kpi.WonRevenue))
				b.add(Block{Chart: ch})
			}
		}
	}

	// The email's numbers.
	for i, r := range all {
		label := b.mainLabel(r.Period)
		if i > 0 {
			label = b.toDateLabel(r.Period)
		}
		if sc := r.Scope(kpi.ScopeTeam, team); sc != nil {
			b.summary(label+" · "+b.metricLabel(kpi.WonRevenue), sc.Values[kpi.WonRevenue], kpi.WonRevenue)
		}
	}
	if pipeline != nil {
		d.Summary = append(d.Summary, Item{Label: pipeline.Label, Value: pipeline.Value, Comparison: pipeline.Comparison})
	}
}

// kpiVsBaseline is a figure with its comparison to the baseline.
func (b *builder) kpiVsBaseline(v *kpi.Value, name string) KPI {
	k := KPI{Label: b.metricLabel(name), Dir: Flat}
	if v == nil || !crm.Has(v.Value) {
		k.Value, k.Comparison = b.loc.NotAvailable(), b.t("no data")
		return k
	}
	k.Value = b.value(name, v.Value)
	k.Comparison, k.Dir = b.baselineCmp(v, name)
	return k
}

// teamFinding returns the finding of a team in r.
func teamFinding(r *kpi.Result, team string) *kpi.TeamFinding {
	for i := range r.Findings.Teams {
		if r.Findings.Teams[i].Team == team {
			return &r.Findings.Teams[i]
		}
	}
	return nil
}

// managerHeadline says the one or two most material facts of the team's
// won revenue, then the diagnosis of the shared period r (named by label),
// naming the reps concerned.
func (b *builder) managerHeadline(facts []fact, r *kpi.Result, label string, diag *kpi.ManagerDiagnosis) string {
	ts := r.Scope(kpi.ScopeTeam, diag.Team)
	won := ts.Values[kpi.WonRevenue]
	var h string
	switch {
	case len(facts) > 0:
		h = b.sayFacts(facts, true)
	case won == nil || !crm.Has(won.Value):
		return b.t("%s: no won revenue figures in this export.", label)
	default:
		h = b.t("%s: the team won %s", label, b.money(won.Value)) + "."
		b.d.figures = append(b.d.figures, Claim{Metric: kpi.WonRevenue, Label: label, Value: won.Value})
	}
	byKey := map[string]kpi.RepDiagnosis{}
	assessed := 0
	var noHistory, fewDeals []string
	for _, rd := range diag.Reps {
		byKey[rd.Rep] = rd
		if rd.Assessed {
			assessed++
		}
		switch rd.NotAssessed {
		case kpi.NotAssessedHistory:
			noHistory = append(noHistory, rd.Name)
		case kpi.NotAssessedFewDeals:
			fewDeals = append(fewDeals, rd.Name)
		}
	}
	var named []string
	for _, k := range diag.Named {
		rd := byKey[k]
		named = append(named, rd.Name)
		against := againstOwnRange
		if diag.Kind == kpi.DiagnosisIndividual {
			against = againstFarBelow
		}
		if diag.Kind == kpi.DiagnosisGeneral || diag.Kind == kpi.DiagnosisIndividual {
			b.d.Claims = append(b.d.Claims, Claim{Scope: kpi.ScopeRep.String(), Key: rd.Rep, Metric: kpi.WonRevenue,
				Period: r.Period.String(), Label: label, Against: against, Value: rd.Value, Reference: rd.Expected,
				Dir: Down, Text: rd.Name})
		}
	}
	say := ""
	switch diag.Kind {
	case kpi.DiagnosisGeneral:
		say = b.t("General slowdown: %d of the %d reps assessed below their usual range (%s).", len(named), assessed, strings.Join(named, ", "))
	case kpi.DiagnosisIndividual:
		say = b.t("Individual shortfall: %s far below their own expectation.", strings.Join(named, ", "))
	case kpi.DiagnosisMixed:
		say = b.t("The team is below its usual range, without a single pattern.")
	case kpi.DiagnosisNone:
		// Said beside a gap to target, "no shortfall" read as a contradiction:
		// the diagnosis is about the team's usual level, so it says so first.
		say = b.t("The team is within its usual range or above it: no slowdown, general or individual, to diagnose.")
		// Inside the range but 15 % or more below its expectation: "within
		// its usual range" alone read as "on track" beside a −21 %.
		// When a fact of the headline already gives that gap, only the
		// usual variation is added.
		if rd := diag.TeamReading; rd != nil && rd.State == kpi.StateWithinOff && rd.Direction < 0 {
			said := slices.ContainsFunc(facts, func(f fact) bool {
				return f.Against == againstExpected && f.Period == rd.Period.String()
			})
			if said {
				say = b.t("The team is within its usual variation (±%s): no slowdown, general or individual, to diagnose.", b.loc.Percent(rd.Variation, 0))
			} else {
				say = b.t("The team is %s below its expectation, within its usual variation (±%s): no slowdown, general or individual, to diagnose.",
					b.loc.Percent(-rd.Deviation, 0), b.loc.Percent(rd.Variation, 0))
			}
			b.d.Claims = append(b.d.Claims, b.readingClaim(rd, label, lowerFirst(say)))
		}
	case kpi.DiagnosisNotAssessed:
		return h + " " + b.notAssessedWords(diag)
	}
	// A rep in the table the rule did not count is named with the reason,
	// or "3 of the 3 reps" above a 4-rep table reads as if one were
	// forgotten.
	var why []string
	if len(noHistory) > 0 {
		why = append(why, b.t("%s (not enough history)", b.names(noHistory)))
	}
	if len(fewDeals) > 0 {
		why = append(why, b.t("%s (too few deals expected)", b.names(fewDeals)))
	}
	if len(why) > 0 {
		say += " " + b.t("Not assessed: %s.", strings.Join(why, "; "))
	}
	return h + " " + label + ", " + lowerFirst(say)
}

// notAssessedWords says why no period could judge the team, by the
// reason every candidate period shares ("Not enough history to judge the
// team yet." on Maven, whose 14 months hold no seasonal expectation,
// although its week already expects 30 won deals), both reasons only when
// they differ from period to period.
func (b *builder) notAssessedWords(diag *kpi.ManagerDiagnosis) string {
	why := ""
	for i, sk := range diag.Skipped {
		if i > 0 && sk.Why != why {
			why = ""
			break
		}
		why = sk.Why
	}
	switch why {
	case kpi.SkipNoExpectation:
		return b.t("Not enough history to judge the team yet.")
	case kpi.SkipFewDeals:
		return b.t("Too few deals to judge the team yet.")
	case kpi.SkipFewReps:
		return b.t("Too few deals per rep to judge the team yet.")
	}
	return b.t("Too few deals or too little history to judge the team yet.")
}

// diagnosisPeriodNote says which period the rep table and the diagnosis
// use (cands[di]) and why each shorter one could not be judged: too few
// won deals expected, no seasonal expectation (with the reason), or too
// few reps to assess; when none could, that the table shows di for want
// of one.
func (b *builder) diagnosisPeriodNote(diag *kpi.ManagerDiagnosis, cands []*kpi.Result, di int) string {
	label := func(p kpi.Period) string {
		for i, r := range cands {
			if r.Period == p {
				return b.periodLabel(i, r)
			}
		}
		return b.periodName(p)
	}
	note := b.t("The period of the table and of the diagnosis: %s, the shortest one that can be judged.", lowerFirst(b.periodLabel(di, cands[di])))
	if diag.Kind == kpi.DiagnosisNotAssessed {
		note = b.t("No period can be judged yet; the table shows %s.", lowerFirst(b.periodLabel(di, cands[di])))
	}
	// One sentence per reason, naming every period it holds for ("Last
	// week, month to date: no seasonal expectation …").
	type reason struct {
		key, arg string
		labels   []string
	}
	var reasons []*reason
	add := func(l, key, arg string) {
		for _, r := range reasons {
			if r.key == key && r.arg == arg {
				r.labels = append(r.labels, lowerFirst(l))
				return
			}
		}
		reasons = append(reasons, &reason{key, arg, []string{l}})
	}
	for _, sk := range diag.Skipped {
		l := label(sk.Period)
		switch sk.Why {
		case kpi.SkipFewDeals:
			dec := 0
			if sk.Expected < 10 {
				dec = 1
			}
			note += " " + b.t("%s: too few won deals expected for the team (%s; at least %d are needed).", capitalize(l), b.loc.Number(sk.Expected, dec), kpi.MinTeamDeals)
		case kpi.SkipNoExpectation:
			if sk.Coverage != "" {
				add(l, "%s: no seasonal expectation for the team (%s).", b.coverage(sk.CoverageDetail))
			} else {
				add(l, "%s: no seasonal expectation for the team yet (two full years of history are needed).", "")
			}
		case kpi.SkipFewReps:
			add(l, "%s: fewer than half of the reps can be assessed.", "")
		}
	}
	for _, r := range reasons {
		ls := capitalize(strings.Join(r.labels, ", "))
		if r.arg != "" {
			note += " " + b.t(r.key, ls, r.arg)
		} else {
			note += " " + b.t(r.key, ls)
		}
	}
	return note
}

// names lists people in a sentence: all of them up to three, else the
// first two and how many more.
func (b *builder) names(ns []string) string {
	if len(ns) <= 3 {
		return strings.Join(ns, ", ")
	}
	return b.t("%s and %d others", strings.Join(ns[:2], ", "), len(ns)-2)
}

// repTable writes one row per rep: revenue against target, results and
// activity, with the outliers against the team's median marked by a sign
// and a word.
func (b *builder) repTable(r *kpi.Result, team string, reps []*kpi.Scope, diag *kpi.ManagerDiagnosis) {
	cols := []Column{{Title: b.t("Rep"), Weight: 2.3, Data: true}, {Title: b.t("Won rev."), Weight: 1.7, Numeric: true},
		{Title: b.t("vs target"), Weight: 1.2, Numeric: true}}
	var metrics []string
	for _, m := range tableMetrics {
		if hasMetric(r, m) {
			metrics = append(metrics, m)
			w := 1.0
			switch m {
			case kpi.PipelineValue:
				w = 1.6
			case kpi.WinRate, kpi.NewOpportunities:
				w = 1.1
			}
			cols = append(cols, Column{Title: b.shortLabel(m), Weight: w, Numeric: true})
		}
	}
	t := &Table{Columns: cols, MarkTitle: b.t("vs team")}
	tf := teamFinding(r, team)
	var notes []string
	for _, sc := range reps {
		if !sc.InExport {
			row := []string{sc.Name, b.t("no deals in this export"), ""}
			for range metrics {
				row = append(row, "")
			}
			t.Rows = append(t.Rows, row)
			t.Marks = append(t.Marks, "")
			continue
		}
		won := sc.Values[kpi.WonRevenue]
		row := []string{sc.Name, b.loc.NotAvailable(), ""}
		if won != nil {
			row[1] = b.value(kpi.WonRevenue, won.Value)
			if crm.Has(won.Target) && won.Target > 0 && crm.Has(won.Value) {
				ratio, _ := shownRatio(won.Value, won.Target, kpi.WonRevenue)
				row[2] = b.loc.SignedPercent(ratio, 0)
			} else {
				row[2] = b.t("no target")
			}
		}
		for _, m := range metrics {
			v := sc.Values[m]
			if v == nil {
				row = append(row, b.loc.NotAvailable())
			} else {
				row = append(row, b.value(m, v.Value))
			}
		}
		t.Rows = append(t.Rows, row)
		mark, note := b.outlierMark(onlyShown(tf, append([]string{kpi.WonRevenue}, metrics...)), sc)
		for _, rd := range diag.Reps {
			if rd.Rep == sc.Key && rd.FarBelow && diag.Period == r.Period {
				mark = strings.TrimSpace(b.markText("▼▼", []string{b.markLabel(kpi.WonRevenue)}) + " " + mark)
				note = strings.TrimSpace(b.t("%s: won revenue %s below their own expectation.", sc.Name, b.loc.Percent(-rd.Deviation, 0)) + " " + note)
			}
		}
		t.Marks = append(t.Marks, mark)
		if note != "" {
			notes = append(notes, note)
		}
	}
	t.RowLinks = b.personLinks(reps)
	t.dropBlank(b.t("no target"))
	b.add(Block{Table: t})
	if len(notes) > 0 {
		b.paragraph(b.t("▼ below, ▲ above the team on the metrics named: more than two robust deviations from the team's median and more than chance gives a count or a rate, whatever the targets; ▼▼ far below: won revenue 40 %% or more under the rep's own expectation and below their usual range.")+" "+strings.Join(notes, " "), true)
	}
}

// shortLabel is a metric's column title.
func (b *builder) shortLabel(name string) string {
	switch name {
	case kpi.NewOpportunities:
		return b.t("New opp.")
	case kpi.PipelineValue:
		return b.t("Pipeline")
	case kpi.WonDeals:
		return b.t("Deals")
	case kpi.WinRate:
		return b.t("Win %%")
	}
	return b.metricLabel(name)
}

// markText is an outlier cell: the direction's sign and the metrics it
// concerns by their column titles, "▼ Leads, Calls"; the legend under the
// table says what each sign means, and the notes spell the metrics out.
// Words in the cell ("▲ Chiffre d'affaires signé, % gagné : au-dessus de
// l'équipe") ran to six lines of the narrow last column.
func (b *builder) markText(sign string, metrics []string) string {
	return sign + " " + strings.Join(metrics, ", ")
}

// markLabel names a metric in a mark as the table's column does.
func (b *builder) markLabel(name string) string {
	if name == kpi.WonRevenue {
		return b.t("Won rev.")
	}
	return b.shortLabel(name)
}

// outlierMark returns a rep's mark ("▼ Calls") and the sentence that
// says on which metrics.
func (b *builder) outlierMark(tf *kpi.TeamFinding, sc *kpi.Scope) (string, string) {
	if tf == nil {
		return "", ""
	}
	var low, high, lowShort, highShort []string
	for _, c := range tf.Comparisons {
		if c.Rep != sc.Key {
			continue
		}
		switch c.Outlier {
		case -1:
			low = append(low, b.metricLabel(c.Metric))
			lowShort = append(lowShort, b.markLabel(c.Metric))
		case 1:
			high = append(high, b.metricLabel(c.Metric))
			highShort = append(highShort, b.markLabel(c.Metric))
		}
	}
	mark, note := "", ""
	if len(low) > 0 {
		mark = b.markText("▼", lowShort)
		note = b.t("%s: below the rest of the team on %s.", sc.Name, strings.Join(low, ", "))
	}
	if len(high) > 0 {
		if mark != "" {
			mark += " "
		}
		mark += b.markText("▲", highShort)
		if note != "" {
			note += " "
		}
		note += b.t("%s: above the rest of the team on %s.", sc.Name, strings.Join(high, ", "))
	}
	return mark, note
}

// repChart draws each rep's won revenue against their target over the
// longer period, outliers highlighted; label names the period mid-sentence.
func (b *builder) repChart(r *kpi.Result, team, label string) {
	ts := r.Scope(kpi.ScopeTeam, team)
	if ts == nil {
		return
	}
	reps := sellers(r, ts.Members)
	tf := teamFinding(r, team)
	ch := &Chart{Kind: ChartRepBars, Height: 50, Money: true, HighlightIndex: -1}
	anyTarget := false
	for _, sc := range reps {
		if !sc.InExport {
			continue
		}
		v := sc.Values[kpi.WonRevenue]
		ch.Labels = append(ch.Labels, sc.Name)
		if v == nil {
			ch.Actual = append(ch.Actual, Num(math.NaN()))
			ch.Reference = append(ch.Reference, Num(math.NaN()))
		} else {
			ch.Actual = append(ch.Actual, Num(v.Value))
			ch.Reference = append(ch.Reference, Num(v.Target))
			anyTarget = anyTarget || crm.Has(v.Target)
		}
		out := false
		if tf != nil {
			for _, c := range tf.Comparisons {
				out = out || (c.Rep == sc.Key && c.Metric == kpi.WonRevenue && c.Outlier != 0)
			}
		}
		ch.Highlight = append(ch.Highlight, out)
	}
	ch.Caption = b.t("Won revenue by rep, %s; tick: the rep's target; ● far from the team's median.", label)
	if !anyTarget {
		// No tick is drawn, so the caption must not promise one.
		ch.Reference = nil
		ch.Caption = b.t("Won revenue by rep, %s; ● far from the team's median.", label)
	}
	b.add(Block{Chart: ch})
}

// multiples draws one sparkline per rep and metric over the last periods.
func (b *builder) multiples(r *kpi.Result, reps []*kpi.Scope) {
	m := &Multiples{}
	var metrics []string
	for _, name := range multipleMetrics {
		if hasMetric(r, name) {
			metrics = append(metrics, name)
			m.Metrics = append(m.Metrics, b.metricLabel(name))
		}
	}
	const n = 12
	m.Periods = b.t("Last %d periods, the latest on the right with its value.", min(n, len(r.History)))
	if r.Period.Kind == kpi.Week {
		m.Periods = b.t("Last %d weeks, the latest on the right with its value.", min(n, len(r.History)))
	}
	for _, sc := range reps {
		if !sc.InExport {
			// Nothing to draw: a line at 0 with "0" beside it would say
			// the rep sold nothing, where the table says the export holds
			// no deal of theirs (as the rep bars, which draw no bar).
			continue
		}
		row := MultipleRow{Name: sc.Name}
		for _, name := range metrics {
			v := sc.Values[name]
			if v == nil {
				row.Series = append(row.Series, nil)
				row.Last = append(row.Last, b.loc.NotAvailable())
				continue
			}
			row.Series = append(row.Series, nums(lastN(v.History.Values, n)))
			row.Last = append(row.Last, b.value(name, v.Value))
		}
		m.Rows = append(m.Rows, row)
	}
	b.section(b.t("Each rep over time"))
	b.add(Block{Multiples: m})
}
