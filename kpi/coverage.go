package kpi

import (
	"fmt"

	"github.com/crmdigest/crmdigest/crm"
)

// famLabels name each family of rows in a coverage note.
var famLabels = [nFamilies]string{famClosed: "closed deals", famCreated: "deals", famInvoices: "invoices",
	famLeads: "leads", famActivities: "activities"}

// coverage says why a comparison of the value at index t is missing when
// the export's rows of its family start (on start) after the period it
// needs began: the period itself, the previous one or the same period
// last year. It returns "" and NoDay when nothing is missing.
func (e *engine) coverage(t int, fam family, start crm.Day) (string, crm.Day) {
	p := e.c.periods[t]
	needs := []Period{p.Whole()}
	if t > 0 {
		needs = append(needs, e.c.periods[t-1].Whole())
	} else {
		needs = append(needs, p.Previous().Whole())
	}
	if ya, err := p.YearAgo(); err == nil {
		needs = append(needs, ya.Whole())
	}
	for _, q := range needs {
		if partlyCovered(q, start) && q.FullEnd() >= start {
			return fmt.Sprintf("the export's %s start on %s", famLabels[fam], start.Time().Format("2 Jan 2006")), start
		}
	}
	return "", crm.NoDay
}

// uncoveredShare is the share of a period's working days the export
// misses when its rows start on start: more than this and the period
// is not a full one. A tenth lets an export that starts on the first
// working day after a holiday count its first month.
const uncoveredShare = 0.10

// partlyCovered reports whether the export, whose rows of a kind start
// on start, misses more than uncoveredShare of the working days of the
// whole period p before that.
func partlyCovered(p Period, start crm.Day) bool {
	s := p.Start()
	if start <= s {
		return false
	}
	all := workingDays(s, p.FullEnd())
	missed := workingDays(s, min(start-1, p.FullEnd()))
	return float64(missed) > uncoveredShare*float64(all)
}
