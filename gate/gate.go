// Package gate judges each source of a reading before any digest rests on
// it: too many rows set aside, far fewer rows than the last good load, a
// column a metric needs missing or mostly empty, a date_format that
// another day order beats. A digest built on a fraction of the data is
// worse than none, so a breach refuses the run unless someone accepts it.
//
// It reads a crm.Dataset and plain settings and returns verdicts; the
// caller (pipeline, check) keeps the last good load in the store and tells
// the administrator.
package gate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// The rules, named as in config.yaml and in notices.
const (
	RuleSetAside   = "max_set_aside"
	RuleDrop       = "max_drop"
	RuleColumn     = "needed_column"
	RuleDateFormat = "date_format"
)

// Settings are the quality section of config.yaml, plus the command line's
// override.
type Settings struct {
	// MaxSetAside is the largest share of a source's rows that may be set
	// aside, and of the rows a metric uses that may lack its column.
	MaxSetAside float64
	// MaxDrop is the largest fall in accepted rows since the last good load.
	MaxDrop float64
	// Accept names the sources whose breaches are accepted (quality.accept).
	Accept []string
	// AcceptAll accepts every breach (--accept-quality).
	AcceptAll bool
}

// Defaults are the settings when config.yaml says nothing.
var Defaults = Settings{MaxSetAside: 0.01, MaxDrop: 0.20}

// Previous is the last good load of a source, as the store remembers it.
type Previous struct {
	File         string
	RowsAccepted int
	LoadedAt     time.Time
}

// Breach is one broken rule on one source, with its evidence.
type Breach struct {
	Source   string
	Rule     string
	Evidence string
}

func (b Breach) String() string {
	return fmt.Sprintf("source %s: %s: %s", b.Source, b.Rule, b.Evidence)
}

// Verdict is the judgement on one source.
type Verdict struct {
	Report   crm.SourceReport
	Breaches []Breach
	// Override says who accepted the breaches ("--accept-quality",
	// "quality.accept"); "" when there are none or nobody did.
	Override string
}

// Refused tells whether no digest may rest on this source.
func (v Verdict) Refused() bool { return len(v.Breaches) > 0 && v.Override == "" }

// Judge applies every rule to every source of ds. last holds each
// source's last good load, by source name; a source missing from it is
// not held to max_drop (there is nothing to compare with).
func Judge(ds *crm.Dataset, s Settings, last map[string]Previous) []Verdict {
	accept := map[string]bool{}
	for _, a := range s.Accept {
		accept[a] = true
	}
	var out []Verdict
	for _, q := range ds.Quality {
		v := Verdict{Report: q}
		add := func(rule, format string, args ...any) {
			v.Breaches = append(v.Breaches, Breach{Source: q.Name, Rule: rule, Evidence: fmt.Sprintf(format, args...)})
		}
		if q.RowsRead > 0 && over(q.RowsSetAside, q.RowsRead, s.MaxSetAside) {
			first := ""
			if len(q.SetAside) > 0 {
				first = "; first: " + q.SetAside[0].String()
			}
			add(RuleSetAside, "%s of %s rows set aside (%s), more than quality.max_set_aside %s%s",
				Count(q.RowsSetAside), Count(q.RowsRead), pct(q.RowsSetAside, q.RowsRead), pctOf(s.MaxSetAside), first)
		}
		if p, ok := last[q.Name]; ok && p.RowsAccepted > 0 && float64(q.RowsAccepted) < float64(p.RowsAccepted)*(1-s.MaxDrop) {
			add(RuleDrop, "%s rows accepted, down from %s in the last good load (%s, %s): a fall of %s, more than quality.max_drop %s",
				Count(q.RowsAccepted), Count(p.RowsAccepted), p.File, p.LoadedAt.UTC().Format(time.RFC3339),
				pct(p.RowsAccepted-q.RowsAccepted, p.RowsAccepted), pctOf(s.MaxDrop))
		}
		if q.Kind == crm.KindDeals {
			for _, b := range dealColumns(ds, s.MaxSetAside) {
				add(RuleColumn, "%s", b)
			}
		}
		for _, dc := range q.Dates {
			if dc.Best != "" && dc.BestFit > dc.Fit {
				add(RuleDateFormat, "column %q is read as %s, but %s fits more cells: %s",
					dc.Column, dc.Used, dc.Best, dc.Evidence)
			}
		}
		if len(v.Breaches) > 0 {
			switch {
			case s.AcceptAll:
				v.Override = "--accept-quality"
			case accept[q.Name]:
				v.Override = "quality.accept"
			}
		}
		out = append(out, v)
	}
	return out
}

// dealColumns checks the deal columns that every digest's revenue rests
// on: the amount and the close date of won deals. Open and lost deals may
// lack an amount. Deals carry no source, so with several deals sources
// the counts cover all of them.
func dealColumns(ds *crm.Dataset, maxShare float64) []string {
	var out []string
	fields := ds.Fields[crm.KindDeals]
	need := []struct {
		field, what string
		missing     func(d crm.Deal) bool
	}{
		{"amount", "won revenue", func(d crm.Deal) bool { return !crm.Has(d.Amount) }},
		{"closed", "won deals by period", func(d crm.Deal) bool { return d.Closed == crm.NoDay }},
	}
	won := 0
	for _, d := range ds.Deals {
		if d.Status == crm.StatusWon {
			won++
		}
	}
	for _, n := range need {
		if !fields[n.field] {
			out = append(out, fmt.Sprintf("no %s column: %s needs it", n.field, n.what))
			continue
		}
		empty := 0
		for _, d := range ds.Deals {
			if d.Status == crm.StatusWon && n.missing(d) {
				empty++
			}
		}
		if won > 0 && over(empty, won, maxShare) {
			out = append(out, fmt.Sprintf("%s empty on %s of %s won deals (%s), more than quality.max_set_aside %s: %s needs it",
				n.field, Count(empty), Count(won), pct(empty, won), pctOf(maxShare), n.what))
		}
	}
	return out
}

// over tells whether part is more than share of whole.
func over(part, whole int, share float64) bool {
	return float64(part) > share*float64(whole)
}

func pct(part, whole int) string { return pctOf(float64(part) / float64(whole)) }

func pctOf(f float64) string {
	v := f * 100
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64) + " %"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " %"
}

// Count writes n with thousands separators: 8,800.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
