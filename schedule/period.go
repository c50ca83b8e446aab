package schedule

import (
	"fmt"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// The periods a schedule may cover: the last complete one before the
// firing's day.
const (
	LastWeek    = "last_week"
	LastMonth   = "last_month"
	LastQuarter = "last_quarter"
	LastHalf    = "last_half"
	LastYear    = "last_year"
)

// Periods lists the period kinds in increasing length.
var Periods = []string{LastWeek, LastMonth, LastQuarter, LastHalf, LastYear}

// ResolvePeriod returns the period of the given kind that a firing at the
// instant at covers, cut in the organisation's reporting zone org: the last
// complete period before the day at falls on in org. See PeriodBefore.
func ResolvePeriod(kind string, at time.Time, org *time.Location) (kpi.Period, error) {
	if org == nil {
		org = time.UTC
	}
	return PeriodBefore(kind, crm.DayOf(at.In(org)))
}

// periodKinds maps the schedule periods to their kpi kinds.
var periodKinds = map[string]kpi.Kind{
	LastWeek: kpi.Week, LastMonth: kpi.Month, LastQuarter: kpi.Quarter, LastHalf: kpi.Half, LastYear: kpi.Year,
}

// PeriodBefore returns the last complete period of the given kind that ends
// before day: for last_week the ISO week (Monday to Sunday) before the one
// holding day, for last_month the calendar month before day's, and so on.
// Schedule periods are calendar periods; their ids are "2026-W47" (ISO
// week-year: 2019-12-30 is in 2020-W01), "2026-10", "2026-Q3", "2026-H1"
// and "2025". The value travels as it is; only the store and file names
// use its canonical text (kpi.Period.Key).
func PeriodBefore(kind string, day crm.Day) (kpi.Period, error) {
	k, ok := periodKinds[kind]
	if !ok {
		return kpi.Period{}, fmt.Errorf("unknown period %q: expected one of last_week, last_month, last_quarter, last_half, last_year", kind)
	}
	if !day.Valid() {
		return kpi.Period{}, fmt.Errorf("period %s: no day", kind)
	}
	return kpi.Last(k, day), nil
}

// AsOf returns the time the numbers of a firing are as of: the firing's
// time, or the time of the newest export when that is earlier (data cannot
// be newer than its export). A zero newestExport means unknown and gives
// the firing time.
func AsOf(firing, newestExport time.Time) time.Time {
	if !newestExport.IsZero() && newestExport.Before(firing) {
		return newestExport
	}
	return firing
}
