package report

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// Claim is one fact a sentence of the digest states, kept beside the
// sentence so that a test (or a reader of the JSON model) can check it
// against the tables and the data: who, which metric, which period, what
// it is compared with, the two numbers and the direction. The sentence is
// written from the claim, never the other way round.
type Claim struct {
	// Scope is the level ("rep", "team", "region", "org") and Key the
	// scope's key (a rep's email, a team or region name, "all").
	Scope, Key string
	Metric     string
	// Period is the period id as package kpi writes it ("2026-W48",
	// "2026-11..2026-11-29" for a month to date); Label is how the
	// sentence names it ("Month to date").
	Period, Label string
	// Against is the comparison: "range" (a reading: the usual range
	// around the seasonal expectation), "target", "expected" (seasonal
	// expectation), "last_year", "usual" (trailing mean) or "own_range"
	// (a rep named in a manager's diagnosis: below their own usual range,
	// Reference their own seasonal expectation) or "far_below" (named far
	// below it: kpi.FarBelow or more under that expectation).
	Against   string
	Value     float64 `json:",omitempty"`
	Reference float64 `json:",omitempty"`
	// Low and High are the usual range of a reading ("range"), with its
	// kpi state ("within_off", "outside", ...).
	Low   float64 `json:",omitempty"`
	High  float64 `json:",omitempty"`
	State string  `json:",omitempty"`
	Dir   Dir
	// Text is the phrase written from the claim.
	Text string
}

// The comparisons a claim can make.
const (
	againstTarget   = "target"
	againstExpected = "expected"
	againstLastYear = "last_year"
	againstUsual    = "usual"
	againstRange    = "range"
	againstOwnRange = "own_range"
	againstFarBelow = "far_below"
)

// readingClaim is the claim of a reading's sentence: the value, its
// expectation and usual range, and the state the words come from.
func (b *builder) readingClaim(rd *kpi.Reading, label, text string) Claim {
	dir := Flat
	switch {
	case rd.Direction < 0:
		dir = Down
	case rd.Direction > 0:
		dir = Up
	}
	return Claim{Scope: rd.Kind.String(), Key: rd.Key, Metric: rd.Metric, Period: rd.Period.String(), Label: label,
		Against: againstRange, Value: rd.Value, Reference: rd.Expected, Low: rd.Low, High: rd.High, State: string(rd.State),
		Dir: dir, Text: text}
}

// fact is a candidate claim of a headline with its materiality.
type fact struct {
	Claim
	stake float64 // the money between the value and its reference
	ratio float64 // value / reference - 1
}

// materialDeviation is how far off its reference a second fact of a
// headline must be, as printed, to be material: "1 % above the usual
// level" is no news, whatever the money.
const materialDeviation = 0.15

// materialShare is how much a second fact pointing the same way as the
// first must differ from it in deviation: below it, it only repeats the
// first.
const materialShare = 0.15

// wonFacts are the won-revenue facts of one scope in one period, one per
// comparison the digest's tables show beside the figure: the target, and
// the baseline (seasonal expectation, same period last year or the usual
// level, whichever package kpi could make).
func (b *builder) wonFacts(r *kpi.Result, sc *kpi.Scope, label string) []fact {
	if sc == nil {
		return nil
	}
	v := sc.Values[kpi.WonRevenue]
	if v == nil || !crm.Has(v.Value) {
		return nil
	}
	var out []fact
	add := func(against string, refv float64) {
		f := fact{Claim: Claim{Scope: sc.Kind.String(), Key: sc.Key, Metric: kpi.WonRevenue, Period: r.Period.String(),
			Label: label, Against: against, Value: v.Value, Reference: refv}}
		f.ratio = f.Value/f.Reference - 1
		f.stake = math.Abs(f.Value - f.Reference)
		f.Dir = dirOf(f.ratio)
		out = append(out, f)
	}
	if crm.Has(v.Target) && v.Target > 0 {
		add(againstTarget, v.Target)
	}
	if rf, ok := baselineRef(v.Baseline.Method); ok && crm.Has(v.Baseline.Value) && v.Baseline.Value > 0 {
		add(refAgainst(rf), v.Baseline.Value)
	}
	return out
}

// wonFact is the most material won-revenue fact of one scope in one
// period (see pickFacts).
func (b *builder) wonFact(r *kpi.Result, sc *kpi.Scope, label string) (fact, bool) {
	fs := b.wonFacts(r, sc, label)
	if len(fs) == 0 {
		return fact{}, false
	}
	best := fs[0]
	for _, f := range fs[1:] {
		if f.stake > best.stake {
			best = f
		}
	}
	return best, true
}

func refAgainst(r ref) string {
	switch r {
	case refTarget:
		return againstTarget
	case refExpected:
		return againstExpected
	case refLastYear:
		return againstLastYear
	}
	return againstUsual
}

func againstRef(a string) ref {
	switch a {
	case againstTarget:
		return refTarget
	case againstExpected:
		return refExpected
	case againstLastYear:
		return refLastYear
	}
	return refUsual
}

// dirOf is the direction of a ratio as the percentages print it (a
// change that rounds to 0 % is flat).
func dirOf(ratio float64) Dir {
	switch {
	case math.Abs(ratio) < 0.005:
		return Flat
	case ratio > 0:
		return Up
	}
	return Down
}

// pickFacts applies the headline rule (docs/REPORTS.md) to one fact per
// period shown (wonFact: of the comparisons the page prints beside the
// figure, the one with the most money between figure and reference — the
// money at stake times the deviation). The first is the most material of
// them. A second follows only when it is material too — at least
// materialDeviation off its reference as printed: the most material of
// those pointing the other way, else of those pointing the same way whose
// deviation differs from the first's by at least materialShare. So a rep
// 58 % above last year on the half who won nothing this week reads both, a
// rep 263 % above the usual level on the week and 52 % above it on the
// month too, but never "1 % above the usual level" beside them.
func pickFacts(fs []fact) []fact {
	if len(fs) == 0 {
		return nil
	}
	order := slices.Clone(fs)
	slices.SortStableFunc(order, func(a, c fact) int { return cmp.Compare(c.stake, a.stake) })
	lead := order[0]
	var rest []fact
	for _, f := range order[1:] {
		if math.Round(100*math.Abs(f.ratio)) >= math.Round(100*materialDeviation) {
			rest = append(rest, f)
		}
	}
	for _, f := range rest {
		if f.Dir != Flat && f.Dir != lead.Dir {
			return []fact{lead, f}
		}
	}
	for _, f := range rest {
		if f.Dir == lead.Dir && math.Abs(f.ratio-lead.ratio) >= materialShare {
			return []fact{lead, f}
		}
	}
	return []fact{lead}
}

// claimText writes a won-revenue fact: "Half-year to date: won revenue
// €312,400, 99 % above target", with the team's words for a team.
func (b *builder) claimText(f fact, team bool) string {
	key := "%s: won revenue %s"
	if team {
		key = "%s: the team won %s"
	}
	return b.t(key, f.Label, b.money(f.Value)) + ", " + b.words(f.Value, f.Reference, againstRef(f.Against), kpi.WonRevenue)
}

// sayFacts writes the facts picked for a headline as one or two clauses
// and records their claims.
func (b *builder) sayFacts(fs []fact, team bool) string {
	var parts []string
	for i, f := range fs {
		text := b.claimText(f, team)
		if i > 0 {
			text = lowerFirst(text)
		}
		f.Text = text
		parts = append(parts, text)
		b.d.Claims = append(b.d.Claims, f.Claim)
	}
	return strings.Join(parts, b.t("; ")) + "."
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToLower(string(r[0])) + string(r[1:])
}
