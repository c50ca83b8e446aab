package kpi

import (
	"fmt"
	"math"

	"github.com/crmdigest/crmdigest/crm"
)

// famLabels name each family of rows in a coverage note.
var famLabels = [nFamilies]string{famClosed: "closed deals", famCreated: "deals", famInvoices: "invoices",
	famLeads: "leads", famActivities: "activities"}

// coverage says why a comparison of the value at index t is missing when
// the export's rows of its family start (on start) after the period it
// needs began: the period itself, the previous one or the same period
// last year; or when the period itself runs past the export's last day
// (then the day returned is NoDay). It returns "" and NoDay when
// nothing is missing. The fields of Coverage let a report say the same
// in the reader's language.
func (e *engine) coverage(t int, fam family, start crm.Day) Coverage {
	p := e.c.periods[t]
	var buf [3]Period
	needs := append(buf[:0], p.Whole())
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
			return Coverage{Text: fmt.Sprintf("the export's %s start on %s", famLabels[fam], start.Time().Format("2 Jan 2006")),
				Rows: famLabels[fam], From: start, Until: crm.NoDay}
		}
	}
	// The period read ends (or is cut) after the export's last row.
	if endsUncovered(p, e.exportLast) {
		return Coverage{Text: fmt.Sprintf("the export ends on %s", e.exportLast.Time().Format("2 Jan 2006")),
			From: crm.NoDay, Until: e.exportLast}
	}
	return Coverage{From: crm.NoDay, Until: crm.NoDay}
}

// Coverage says why a comparison of a value is missing: the export's rows
// of its kind start after a period it needs began, or the period runs
// past the export's last day.
type Coverage struct {
	// Text says it in English ("the export's closed deals start on 1 Mar
	// 2017"), "" when nothing is missing.
	Text string
	// Rows names the kind of rows that start late ("closed deals",
	// "deals", "invoices", "leads", "activities") when From is set.
	Rows string
	// From is the first day of those rows, or NoDay.
	From crm.Day
	// Until is the export's last day when the period runs past it, or
	// NoDay.
	Until crm.Day
}

// exportLast is the last day of the dataset's dated rows (targets and
// people aside), MaxInt32 when no source reports one.
func exportLast(ds *crm.Dataset) crm.Day {
	last := crm.Day(math.MaxInt32)
	for _, q := range ds.Quality {
		if q.Last.Valid() && q.Kind != crm.KindTargets && q.Kind != crm.KindPeople {
			if last == math.MaxInt32 || q.Last > last {
				last = q.Last
			}
		}
	}
	return last
}

// endsUncovered reports whether period p (as cut) runs more than
// uncoveredShare of its working days past the export's last day.
func endsUncovered(p Period, last crm.Day) bool {
	end := p.End()
	if last == math.MaxInt32 || end <= last {
		return false
	}
	all := workingDays(p.Start(), p.FullEnd())
	missed := workingDays(max(last+1, p.Start()), end)
	return float64(missed) > uncoveredShare*float64(all)
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
