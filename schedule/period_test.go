package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

func day(t testing.TB, s string) crm.Day {
	t.Helper()
	v, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return crm.DayOf(v)
}

func TestPeriodBefore(t *testing.T) {
	for _, tc := range []struct {
		kind, day, id, start, end string
	}{
		{LastWeek, "2026-11-23", "2026-W47", "2026-11-16", "2026-11-22"}, // Monday
		{LastWeek, "2026-11-29", "2026-W47", "2026-11-16", "2026-11-22"}, // Sunday of the next week
		{LastWeek, "2026-11-30", "2026-W48", "2026-11-23", "2026-11-29"},
		{LastWeek, "2020-01-05", "2019-W52", "2019-12-23", "2019-12-29"},
		{LastWeek, "2020-01-06", "2020-W01", "2019-12-30", "2020-01-05"}, // ISO week-year
		{LastWeek, "2021-01-04", "2020-W53", "2020-12-28", "2021-01-03"}, // a 53-week year
		{LastWeek, "2026-01-01", "2025-W52", "2025-12-22", "2025-12-28"},
		{LastMonth, "2026-11-01", "2026-10", "2026-10-01", "2026-10-31"},
		{LastMonth, "2026-11-30", "2026-10", "2026-10-01", "2026-10-31"},
		{LastMonth, "2026-01-15", "2025-12", "2025-12-01", "2025-12-31"},
		{LastMonth, "2024-03-01", "2024-02", "2024-02-01", "2024-02-29"},
		{LastMonth, "2026-03-01", "2026-02", "2026-02-01", "2026-02-28"},
		{LastQuarter, "2026-10-01", "2026-Q3", "2026-07-01", "2026-09-30"},
		{LastQuarter, "2026-12-31", "2026-Q3", "2026-07-01", "2026-09-30"},
		{LastQuarter, "2026-01-01", "2025-Q4", "2025-10-01", "2025-12-31"},
		{LastQuarter, "2026-03-31", "2025-Q4", "2025-10-01", "2025-12-31"},
		{LastQuarter, "2026-04-01", "2026-Q1", "2026-01-01", "2026-03-31"},
		{LastHalf, "2026-07-01", "2026-H1", "2026-01-01", "2026-06-30"},
		{LastHalf, "2026-06-30", "2025-H2", "2025-07-01", "2025-12-31"},
		{LastYear, "2026-01-01", "2025", "2025-01-01", "2025-12-31"},
		{LastYear, "2026-12-31", "2025", "2025-01-01", "2025-12-31"},
	} {
		p, err := PeriodBefore(tc.kind, day(t, tc.day))
		id, start, end := p.ID(), p.Start(), p.End()
		if err != nil {
			t.Errorf("%s before %s: %v", tc.kind, tc.day, err)
			continue
		}
		if id != tc.id || start.String() != tc.start || end.String() != tc.end {
			t.Errorf("%s before %s = %s %s..%s, want %s %s..%s", tc.kind, tc.day, id, start, end, tc.id, tc.start, tc.end)
		}
		// The period is complete and ends before the day.
		if !(start <= end && end < day(t, tc.day)) {
			t.Errorf("%s before %s: %s..%s does not end before the day", tc.kind, tc.day, start, end)
		}
	}
	if _, err := PeriodBefore("last_fortnight", day(t, "2026-01-01")); err == nil || !strings.Contains(err.Error(), "last_fortnight") {
		t.Errorf("unknown kind: err = %v", err)
	}
	if _, err := PeriodBefore(LastWeek, crm.NoDay); err == nil {
		t.Error("no day: accepted")
	}
}

// TestPeriodBeforeWalk checks, day by day over six years, that each kind's
// period ends the day before the current one starts, so that consecutive
// periods tile the calendar with no gap or overlap.
func TestPeriodBeforeWalk(t *testing.T) {
	first, last := day(t, "2019-01-01"), day(t, "2025-01-01")
	for _, kind := range Periods {
		var prevID string
		var prevEnd crm.Day
		for d := first; d < last; d++ {
			p, err := PeriodBefore(kind, d)
			id, start, end := p.ID(), p.Start(), p.End()
			if err != nil {
				t.Fatal(err)
			}
			if id == prevID {
				continue
			}
			if prevID != "" && start != prevEnd+1 {
				t.Fatalf("%s: %s starts %s, the previous period ended %s", kind, id, start, prevEnd)
			}
			if prevID != "" && end+1 != d {
				t.Fatalf("%s: on %s the period changed to %s which ends %s, not the day before", kind, d, id, end)
			}
			prevID, prevEnd = id, end
		}
	}
}

func TestResolvePeriodOrgZone(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	la := mustLoad(t, "America/Los_Angeles")
	// Monday 2026-11-23 03:00 UTC is Monday in Paris, still Sunday in Los
	// Angeles: the organisation's zone decides.
	at := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		org  *time.Location
		want string
	}{{paris, "2026-W47"}, {la, "2026-W46"}, {time.UTC, "2026-W47"}, {nil, "2026-W47"}} {
		p, err := ResolvePeriod(LastWeek, at, tc.org)
		id := p.ID()
		if err != nil || id != tc.want {
			t.Errorf("ResolvePeriod in %v = %s, %v; want %s", tc.org, id, err, tc.want)
		}
	}
	// Midnight on the 1st in Paris is still the last day of the month in UTC.
	at = time.Date(2026, 11, 1, 0, 30, 0, 0, paris)
	if p, _ := ResolvePeriod(LastMonth, at, paris); p.ID() != "2026-10" {
		t.Errorf("last_month at %s in Paris = %s, want 2026-10", at, p)
	}
	if p, _ := ResolvePeriod(LastMonth, at, time.UTC); p.ID() != "2026-09" {
		t.Errorf("last_month at %s in UTC = %s, want 2026-09", at, p)
	}
}

func TestAsOf(t *testing.T) {
	firing := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		export, want time.Time
	}{
		{firing.Add(-30 * time.Hour), firing.Add(-30 * time.Hour)},
		{firing.Add(time.Hour), firing},
		{firing, firing},
		{time.Time{}, firing},
	} {
		if got := AsOf(firing, tc.export); !got.Equal(tc.want) {
			t.Errorf("AsOf(%s, %s) = %s, want %s", firing, tc.export, got, tc.want)
		}
	}
}
