package schedule

import (
	"fmt"
	"time"

	"github.com/crmdigest/crmdigest/crm"
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
// complete period before the day at falls on in org. See PeriodBefore for
// the ids; start and end are both included.
func ResolvePeriod(kind string, at time.Time, org *time.Location) (id string, start, end crm.Day, err error) {
	if org == nil {
		org = time.UTC
	}
	return PeriodBefore(kind, crm.DayOf(at.In(org)))
}

// PeriodBefore returns the last complete period of the given kind that ends
// before day: for last_week the ISO week (Monday to Sunday) before the one
// holding day, for last_month the calendar month before day's, and so on.
// Ids are "2026-W47" (ISO week-year: 2019-12-30 is in 2020-W01), "2026-10",
// "2026-Q3", "2026-H1" and "2025". start and end are both included.
func PeriodBefore(kind string, day crm.Day) (id string, start, end crm.Day, err error) {
	if !day.Valid() {
		return "", crm.NoDay, crm.NoDay, fmt.Errorf("period %s: no day", kind)
	}
	y, m, _ := day.Date()
	months := 0
	switch kind {
	case LastWeek:
		// Weekday counted from Monday = 0.
		wd := (int(day.Time().Weekday()) + 6) % 7
		start = day - crm.Day(wd) - 7
		end = start + 6
		wy, w := start.Time().ISOWeek()
		return fmt.Sprintf("%d-W%02d", wy, w), start, end, nil
	case LastMonth:
		months = 1
	case LastQuarter:
		months = 3
	case LastHalf:
		months = 6
	case LastYear:
		months = 12
	default:
		return "", crm.NoDay, crm.NoDay, fmt.Errorf("unknown period %q: expected one of last_week, last_month, last_quarter, last_half, last_year", kind)
	}
	// First month of the current period, then step back one period;
	// time.Date normalises a month below 1 into the previous year.
	first := time.Month((int(m)-1)/months*months + 1)
	s := time.Date(y, first-time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	e := s.AddDate(0, months, -1)
	start, end = crm.DayOf(s), crm.DayOf(e)
	sy, sm := s.Year(), s.Month()
	switch months {
	case 1:
		id = fmt.Sprintf("%d-%02d", sy, int(sm))
	case 3:
		id = fmt.Sprintf("%d-Q%d", sy, (int(sm)-1)/3+1)
	case 6:
		id = fmt.Sprintf("%d-H%d", sy, (int(sm)-1)/6+1)
	default:
		id = fmt.Sprintf("%d", sy)
	}
	return id, start, end, nil
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
