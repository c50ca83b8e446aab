package report

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/locale"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// builder builds one person's digest.
type builder struct {
	s   *Set
	p   *crm.Person
	loc locale.Locale
	cur string
	d   *Digest
}

func (s *Set) newBuilder(p *crm.Person) *builder {
	loc := locale.New(p.Locale)
	b := &builder{s: s, p: p, loc: loc, cur: s.ds.Currency}
	asOf := s.headerAsOf(s.location(p.TimeZone))
	b.d = &Digest{
		Kind:      string(s.kind),
		Locale:    loc.Code(),
		Recipient: p.Name,
		To:        p.Email,
		PeriodID:  s.period.ID(),
		Period:    b.periodText(s.period),
		inText:    b.periodInText(s.period),
		AsOf:      loc.DateTime(asOf),
		currency:  s.ds.Currency,
		created:   s.now,
		loc:       loc,
		asOfTime:  asOf,
		fallback:  s.opts.Fallback,
	}
	return b
}

// headerAsOf is the as-of instant a digest prints: the run's time, or,
// when the figures are read on an earlier day (render --as-of, a past
// period), the start of that day, so that the header, the to-do list and
// the pipeline speak of the same moment.
func (s *Set) headerAsOf(loc *time.Location) time.Time {
	now := s.now.In(loc)
	if crm.DayOf(now) <= s.asOf {
		return now
	}
	y, m, d := s.asOf.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func (b *builder) t(key string, args ...any) string { return b.loc.T(key, args...) }

func (b *builder) add(bl Block) { b.d.Blocks = append(b.d.Blocks, bl) }

func (b *builder) section(title string) { b.add(Block{Section: title}) }

func (b *builder) paragraph(s string, quiet bool) { b.add(Block{Paragraph: s, Quiet: quiet}) }

// periodText writes a period for a header: the days of a week, a month's
// name, a quarter as "Q4 2026" ("T4 2026" in fr, es) with its days.
func (b *builder) periodText(p kpi.Period) string {
	from, to := p.Start().Time(), p.End().Time()
	switch p.Kind {
	case kpi.Week:
		return b.t("Week %s", weekNumber(p)) + " · " + b.loc.DateRange(from, to)
	case kpi.Month:
		if p.IsToDate() {
			return b.loc.DateRange(from, to)
		}
		return capitalize(b.loc.MonthYear(time.Month(p.N), p.Year))
	}
	return b.periodName(p) + " · " + b.loc.DateRange(from, to)
}

// periodInText is periodText inside a sentence, where the email's subject
// and intro put it: months are lower-case there in French and Spanish
// ("pour octobre 2026"), and a week takes the article French and Spanish
// give it ("pour la semaine 48", "de la semana 48", "for week 48").
func (b *builder) periodInText(p kpi.Period) string {
	switch {
	case p.Kind == kpi.Month && !p.IsToDate():
		return b.loc.MonthYear(time.Month(p.N), p.Year)
	case p.Kind == kpi.Week:
		return b.t("week %s", weekNumber(p)) + " · " + b.loc.DateRange(p.Start().Time(), p.End().Time())
	}
	return b.periodText(p)
}

func weekNumber(p kpi.Period) string { return p.ID()[len(p.ID())-2:] }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// toDateLabel names a to-date period: "Month to date"...
func (b *builder) toDateLabel(p kpi.Period) string {
	switch p.Kind {
	case kpi.Week:
		return b.t("Week")
	case kpi.Month:
		return b.t("Month to date")
	case kpi.Quarter:
		return b.t("Quarter to date")
	case kpi.Half:
		return b.t("Half-year to date")
	}
	return b.t("Year to date")
}

// mainLabel names the reported period: "Last week", "Week", a month.
func (b *builder) mainLabel(p kpi.Period) string {
	switch p.Kind {
	case kpi.Week:
		if b.s.asOf > p.FullEnd() {
			return b.t("Last week")
		}
		return b.t("This week")
	case kpi.Month:
		return capitalize(b.loc.MonthYear(time.Month(p.N), p.Year))
	}
	return b.periodName(p)
}

// metricLabel translates a metric's name.
func (b *builder) metricLabel(name string) string {
	switch name {
	case kpi.WonRevenue:
		return b.t("Won revenue")
	case kpi.GrossMargin:
		return b.t("Margin")
	case kpi.WonDeals:
		return b.t("Deals won")
	case kpi.WinRate:
		return b.t("Win rate")
	case kpi.NewOpportunities:
		return b.t("New opportunities")
	case kpi.PipelineValue:
		return b.t("Open pipeline")
	case kpi.PipelineCount:
		return b.t("Open deals")
	case kpi.WeightedPipeline:
		return b.t("Weighted pipeline")
	case kpi.NewContacts:
		return b.t("New contacts")
	case kpi.NewLeads:
		return b.t("Leads")
	case kpi.Calls:
		return b.t("Calls")
	case kpi.Meetings:
		return b.t("Visits")
	case kpi.Demos:
		return b.t("Demos")
	case kpi.Proposals:
		return b.t("Proposals")
	case kpi.AvgDealSize:
		return b.t("Average deal size")
	case kpi.TargetAttainment:
		return b.t("Target attainment")
	}
	if m, ok := kpi.MetricByName(name); ok {
		return m.Title
	}
	return name
}

// value formats a metric's value in the reader's locale; an absent value
// prints as "n/a", never as 0.
func (b *builder) value(name string, v float64) string {
	m, _ := kpi.MetricByName(name)
	switch m.Unit {
	case kpi.UnitCurrency:
		return b.loc.Money(v, b.cur, 0)
	case kpi.UnitRatio:
		return b.loc.Percent(v, 0)
	case kpi.UnitDays:
		if !crm.Has(v) {
			return b.loc.NotAvailable()
		}
		return b.t("%s days", b.loc.Number(v, 0))
	}
	return b.loc.Number(v, 0)
}

func (b *builder) money(v float64) string { return b.loc.Money(v, b.cur, 0) }

// shown is v rounded as value prints it: money, counts and days to the
// unit, rates to the whole percent.
func shown(name string, v float64) float64 {
	if m, _ := kpi.MetricByName(name); m.Unit == kpi.UnitRatio {
		return math.Round(100*v) / 100
	}
	return math.Round(v)
}

// shownRatio is actual / refv − 1 computed from the two figures as the
// page prints them (docs/REPORTS.md, "Percentages beside their figures"):
// a reader who recomputes a percentage from the figures beside it gets
// the printed one ("usual 1.4 · +257 %", not the +264 % of the unrounded
// 1.375). ok is false when the reference prints as 0.
func shownRatio(actual, refv float64, name string) (float64, bool) {
	r := shown(name, refv)
	if r == 0 {
		return 0, false
	}
	return shown(name, actual)/r - 1, true
}

// ref is a reference a value is compared with, with its words.
type ref int

const (
	refTarget ref = iota
	refExpected
	refLastYear
	refUsual
	refPrevious
	refPrevMonth
)

// vs returns the short "vs ..." phrase of a reference.
func (b *builder) vs(r ref) string {
	switch r {
	case refTarget:
		return b.t("vs target")
	case refExpected:
		return b.t("vs expected")
	case refLastYear:
		return b.t("vs last year")
	case refUsual:
		return b.t("vs usual")
	case refPrevMonth:
		return b.t("vs previous month")
	}
	switch b.s.period.Kind {
	case kpi.Week:
		return b.t("vs previous week")
	case kpi.Month:
		return b.t("vs previous month")
	case kpi.Quarter:
		return b.t("vs previous quarter")
	case kpi.Half:
		return b.t("vs previous half-year")
	case kpi.Year:
		return b.t("vs previous year")
	}
	return b.t("vs previous period")
}

// zeroRef is the catalogue key that names a reference with its figure,
// "last year: %s", for a reference of 0.
func (b *builder) zeroRef(r ref) string {
	switch r {
	case refTarget:
		return "target: %s"
	case refExpected:
		return "expected: %s"
	case refLastYear:
		return "last year: %s"
	case refUsual:
		return "usual: %s"
	case refPrevMonth:
		return "previous month: %s"
	}
	switch b.s.period.Kind {
	case kpi.Week:
		return "previous week: %s"
	case kpi.Month:
		return "previous month: %s"
	case kpi.Quarter:
		return "previous quarter: %s"
	case kpi.Half:
		return "previous half-year: %s"
	case kpi.Year:
		return "previous year: %s"
	}
	return "previous period: %s"
}

// words returns the headline phrase "12 % above target" or "on target".
// Each reference has its own sentences, so that every language can put
// its articles and prepositions where they belong.
func (b *builder) words(actual, refv float64, r ref, name string) string {
	ratio, ok := shownRatio(actual, refv, name)
	if !ok {
		ratio = actual/refv - 1
	}
	pct := b.loc.Percent(math.Abs(ratio), 0)
	keys := map[ref][3]string{
		refTarget:   {"on target", "%s above target", "%s below target"},
		refExpected: {"as expected", "%s above the seasonal expectation", "%s below the seasonal expectation"},
		refLastYear: {"level with last year", "%s above last year", "%s below last year"},
		refUsual:    {"level with the usual level", "%s above the usual level", "%s below the usual level"},
	}[r]
	if keys[0] == "" {
		keys = [3]string{"level with the previous period", "%s above the previous period", "%s below the previous period"}
	}
	switch {
	case math.Abs(ratio) < 0.005:
		return b.t(keys[0])
	case ratio > 0:
		return b.t(keys[1], pct)
	}
	return b.t(keys[2], pct)
}

// compare writes "▲ +12 % vs target". A reference of 0 gives "target:
// €0" (a real figure, but no percentage: "vs last year 0" would read as a
// change of 0 %); an absent one returns "" so the caller can say why in
// words.
func (b *builder) compare(actual, refv float64, r ref, name string) (string, Dir) {
	if !crm.Has(actual) || !crm.Has(refv) || math.IsInf(refv, 0) {
		return "", Flat
	}
	ratio, ok := shownRatio(actual, refv, name)
	if !ok {
		// The reference prints as 0 ("target: €0"), or rounds to it.
		return b.t(b.zeroRef(r), b.value(name, refv)), Flat
	}
	s := b.loc.SignedPercent(ratio, 0)
	dir, sign := Flat, "●"
	switch {
	case strings.HasPrefix(s, "+"):
		dir, sign = Up, "▲"
	case strings.HasPrefix(s, "-"):
		dir, sign = Down, "▼"
	}
	return sign + " " + s + " " + b.vs(r), dir
}

// targetCmp compares a value with its target, or says there is none.
// kpiVs is a figure with its comparison to one reference (previous
// period, last year), or words when there is no figure or no reference.
func (b *builder) kpiVs(v *kpi.Value, name string, refOf func(*kpi.Value) float64, r ref) KPI {
	k := KPI{Label: b.metricLabel(name), Dir: Flat}
	if v == nil || !crm.Has(v.Value) {
		k.Value, k.Comparison = b.loc.NotAvailable(), b.t("no data")
		return k
	}
	k.Value = b.value(name, v.Value)
	k.Comparison, k.Dir = b.compare(v.Value, refOf(v), r, name)
	switch {
	case k.Comparison == "" && v.Undated > 0:
		// kpi leaves the earlier figure out: it lacks these deals.
		k.Comparison = b.plural(v.Undated, "1 deal without a created date: not compared", "%d deals without a created date: not compared")
	case k.Comparison == "":
		k.Comparison = b.t("no history yet")
	}
	return k
}

func (b *builder) targetCmp(v *kpi.Value, name string) (string, Dir) {
	if v == nil {
		return b.t("no data"), Flat
	}
	if !crm.Has(v.Target) {
		return b.noTarget(v, "no target set"), Flat
	}
	return b.compare(v.Value, v.Target, refTarget, name)
}

// noTarget says why a value has no target: "targets for 3 of 5 teams"
// when only some teams below a region or the organisation have one (their
// sum would not be the level's target), else the words given.
func (b *builder) noTarget(v *kpi.Value, words string) string {
	if c := v.TargetCover; c.Teams > 0 && c.TeamsWith > 0 {
		return b.t("targets for %d of %d teams", c.TeamsWith, c.Teams)
	}
	return b.t(words)
}

// baselineCmp compares a value with its baseline (seasonal expectation,
// same period last year or usual level), or says why it cannot.
func (b *builder) baselineCmp(v *kpi.Value, name string) (string, Dir) {
	if v == nil {
		return b.t("no data"), Flat
	}
	r, ok := baselineRef(v.Baseline.Method)
	if !ok || !crm.Has(v.Baseline.Value) {
		return b.t("no history yet"), Flat
	}
	return b.compare(v.Value, v.Baseline.Value, r, name)
}

// refName names a reference in a legend.
func (b *builder) refName(r ref) string {
	switch r {
	case refExpected:
		return b.t("Seasonal expectation")
	case refLastYear:
		return b.t("Last year")
	case refUsual:
		return b.t("Usual level")
	}
	return b.t("Target")
}

func baselineRef(m kpi.Method) (ref, bool) {
	switch m {
	case kpi.MethodSeasonal:
		return refExpected, true
	case kpi.MethodYearAgo:
		return refLastYear, true
	case kpi.MethodTrailingMean:
		return refUsual, true
	}
	return 0, false
}

// bestCmp is the comparison a headline uses: the target, else the
// baseline; "" when there is neither.
func (b *builder) bestWords(v *kpi.Value) string {
	if v == nil || !crm.Has(v.Value) {
		return ""
	}
	if crm.Has(v.Target) && v.Target > 0 {
		return b.words(v.Value, v.Target, refTarget, v.Metric.Name)
	}
	if r, ok := baselineRef(v.Baseline.Method); ok && crm.Has(v.Baseline.Value) && v.Baseline.Value > 0 {
		return b.words(v.Value, v.Baseline.Value, r, v.Metric.Name)
	}
	return ""
}

// bullet builds a bullet-graph line of one metric of one scope.
func (b *builder) bullet(label string, v *kpi.Value, name string, sparkN int) Bullet {
	bl := Bullet{Label: label, Actual: Num(math.NaN()), Reference: Num(math.NaN()), Target: Num(math.NaN()), Baseline: Num(math.NaN()), Dir: Flat}
	if v == nil || !crm.Has(v.Value) {
		bl.Value = b.loc.NotAvailable()
		bl.Comparison = b.t("no data")
		return bl
	}
	bl.Value = b.value(name, v.Value)
	bl.Actual = Num(v.Value)
	tc, td := b.targetCmp(v, name)
	bc, bd := b.baselineCmp(v, name)
	bl.Comparison = tc + "\n" + bc
	bl.Dir = td
	if td == Flat {
		bl.Dir = bd
	}
	refv := math.NaN()
	switch {
	case crm.Has(v.Target) && v.Target > 0:
		refv, bl.RefIsTarget = v.Target, true
	case crm.Has(v.Baseline.Value) && v.Baseline.Value > 0:
		refv = v.Baseline.Value
	}
	bl.Reference = Num(refv)
	if crm.Has(v.Target) && v.Target > 0 {
		bl.Target = Num(v.Target)
		bl.Bands = []Num{Num(0.8 * v.Target), Num(v.Target), Num(1.2 * v.Target)}
	}
	if r, ok := baselineRef(v.Baseline.Method); ok && crm.Has(v.Baseline.Value) && v.Baseline.Value > 0 {
		bl.Baseline = Num(v.Baseline.Value)
		bl.BaselineName = b.refName(r)
	}
	bl.Spark = nums(lastN(v.History.Values, sparkN))
	return bl
}

func lastN(vs []float64, n int) []float64 {
	if len(vs) > n {
		vs = vs[len(vs)-n:]
	}
	return slices.Clone(vs)
}

// sellers returns the rep scopes of a team, region or the organisation
// that sell: reps and people without a role, plus managers and directors
// who own figures of their own. (The directory resolution of package kpi
// makes every owner of rows a rep scope, including a manager listed as
// an owner without deals.)
func sellers(res *kpi.Result, members []string) []*kpi.Scope {
	var out []*kpi.Scope
	for _, k := range members {
		sc := res.Scope(kpi.ScopeRep, k)
		if sc == nil {
			continue
		}
		if sc.Person != nil && sc.Person.Role != crm.RoleRep && sc.Person.Role != crm.RoleUnknown && !ownsFigures(sc) {
			continue
		}
		out = append(out, sc)
	}
	sortByName(out)
	return out
}

// sortByName sorts scopes by name as a reader looks names up: by the
// Unicode collation (Étienne among the E, Ángela among the A, not after
// Z as their bytes would put them), the same order in every language.
// A Collator is not safe for concurrent use, so each call makes its own.
func sortByName(scopes []*kpi.Scope) {
	c := collate.New(language.Und)
	slices.SortStableFunc(scopes, func(a, b *kpi.Scope) int {
		return cmp.Or(c.CompareString(a.Name, b.Name), cmp.Compare(a.Name, b.Name))
	})
}

// ownsFigures reports whether a scope has any won revenue, pipeline or
// activity in its history.
func ownsFigures(sc *kpi.Scope) bool {
	for _, name := range []string{kpi.WonRevenue, kpi.PipelineValue, kpi.Calls, kpi.Meetings} {
		if v := sc.Values[name]; v != nil {
			for _, x := range v.History.Values {
				if crm.Has(x) && x != 0 {
					return true
				}
			}
		}
	}
	return false
}

// teamOf returns the team a manager leads: their team, else their name
// (the rule of package kpi).
func teamOf(p *crm.Person) string {
	if p.Team != "" {
		return p.Team
	}
	return p.Name
}

// historyLabels names the periods of a result's history for a chart axis.
func (b *builder) historyLabels(ps []kpi.Period) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		switch p.Kind {
		case kpi.Month:
			out[i] = b.loc.ShortMonth(time.Month(p.N))
			if p.N == 1 || i == 0 {
				out[i] = b.loc.ShortMonthYear(time.Month(p.N), p.Year)
			}
		case kpi.Week:
			out[i] = b.loc.ShortWeek(p.N)
		default:
			out[i] = b.periodName(p)
		}
	}
	return out
}

// trend builds the trend chart of a value: the actual series with the
// seasonal expectation and its band, leaving out a last period cut short
// (a month to date would look like a fall).
func (b *builder) trend(res *kpi.Result, v *kpi.Value, height float64) *Chart {
	if v == nil {
		return nil
	}
	n := len(res.History)
	if res.Period.IsToDate() && n > 1 {
		n--
	}
	h := v.History
	// Leave out the periods before the data starts: an empty left half
	// says nothing.
	first := 0
	for first < n-1 && !crm.Has(h.Values[first]) {
		first++
	}
	ch := &Chart{Kind: ChartTrend, Height: height, Money: true, HighlightIndex: -1,
		Labels: b.historyLabels(res.History[first:n]), Actual: nums(h.Values[first:n])}
	hasExp := false
	if len(h.Expected) >= n {
		ch.Expected = nums(h.Expected[first:n])
		ch.Low, ch.High = make([]Num, n-first), make([]Num, n-first)
		// The grey band is the usual range the readings use (kpi's Low and
		// High), not the wider structural threshold: the caption calls it
		// the usual range, and a point outside it is one the text calls
		// outside. A range never goes below zero on the page.
		for i := range n - first {
			e := h.Expected[first+i]
			ch.Low[i], ch.High[i] = Num(math.NaN()), Num(math.NaN())
			if len(h.Low) > first+i && len(h.High) > first+i {
				ch.Low[i], ch.High[i] = Num(max(0, h.Low[first+i])), Num(h.High[first+i])
				if !crm.Has(h.Low[first+i]) {
					ch.Low[i] = Num(math.NaN())
				}
			}
			if crm.Has(e) {
				hasExp = true
			}
		}
	}
	if hasExp {
		ch.Caption = b.t("Line: actual. Dashed: seasonal expectation; grey band: its usual range.")
	} else {
		ch.Expected, ch.Low, ch.High = nil, nil, nil
		ch.Caption = b.t("Not enough history for a seasonal expectation yet (two full years are needed).")
	}
	if n < len(res.History) {
		ch.Caption += " " + b.t("The current period, not yet complete, is left out.")
	}
	return ch
}

// dropBlank removes the columns after the first that hold no value on any
// row: each cell empty or one of the words none that say a value is
// missing ("no target", "n/a"). A column saying "no target" on every row
// tells the reader nothing and takes the room the others need.
func (t *Table) dropBlank(none ...string) {
	blank := func(s string) bool {
		s = strings.TrimSpace(s)
		return s == "" || slices.Contains(none, s)
	}
	for c := len(t.Columns) - 1; c > 0; c-- {
		empty := true
		for _, r := range t.Rows {
			if c < len(r) && !blank(r[c]) {
				empty = false
				break
			}
		}
		if !empty {
			continue
		}
		t.Columns = slices.Delete(t.Columns, c, c+1)
		for i, r := range t.Rows {
			if c < len(r) {
				t.Rows[i] = slices.Delete(r, c, c+1)
			}
		}
	}
}
