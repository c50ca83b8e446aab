package schedule

import (
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser reads the five standard fields and the descriptors (@monthly...).
// A seconds field is not offered: digests are planned to the minute.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// starBit is robfig/cron's marker for a field written as "*" or "?"; it
// decides whether day-of-month and day-of-week are AND-ed or OR-ed.
const starBit = 1 << 63

// searchDays bounds the search for the next firing. Nine years covers a
// schedule on 29 February across a century year that is not a leap year
// (2096 to 2104).
const searchDays = 9 * 366

// Cron is a parsed cron expression. Its zero value never fires; build one
// with ParseCron.
type Cron struct {
	expr string
	spec *cron.SpecSchedule
}

// ParseCron reads a five-field cron expression (minute hour day-of-month
// month day-of-week) or a descriptor: @yearly, @annually, @monthly,
// @weekly, @daily, @midnight, @hourly. It rejects a seconds field, a TZ= or
// CRON_TZ= prefix (the zone is the schedule's timezone field), @every
// (digests follow the wall clock, not an interval) and an expression that
// matches no calendar date, such as 31 February.
func ParseCron(expr string) (Cron, error) {
	fail := func(format string, a ...any) (Cron, error) {
		return Cron{}, &CronError{Expr: expr, Msg: fmt.Sprintf(format, a...)}
	}
	e := strings.TrimSpace(expr)
	switch {
	case e == "":
		return Cron{}, &CronError{Expr: expr, Msg: "empty cron expression"}
	case strings.HasPrefix(e, "TZ=") || strings.HasPrefix(e, "CRON_TZ="):
		return fail("set the zone with timezone:, not in the expression")
	case strings.HasPrefix(e, "@every"):
		return fail("@every is not supported, schedules follow the wall clock: write five fields")
	}
	if !strings.HasPrefix(e, "@") {
		if n := len(strings.Fields(e)); n != 5 {
			hint := ""
			if n == 6 {
				hint = " (a seconds field is not supported)"
			}
			return fail("expected 5 fields (minute hour day-of-month month day-of-week), found %d%s", n, hint)
		}
	}
	norm, err := checkCronFields(e)
	if err != nil {
		return fail("%s", err)
	}
	s, err := parser.Parse(norm)
	if err != nil {
		// checkCronFields should have caught it; robfig's words are the
		// last resort.
		return fail("%s", err)
	}
	spec, ok := s.(*cron.SpecSchedule)
	if !ok {
		return fail("not a calendar schedule")
	}
	c := Cron{expr: e, spec: spec}
	// A fixed reference instant, so that the answer does not depend on the
	// day the configuration is loaded.
	if c.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC).IsZero() {
		return fail("matches no calendar date")
	}
	return c, nil
}

// String returns the expression as written (trimmed).
func (c Cron) String() string { return c.expr }

// Matches reports whether a local wall time (read in t's own location, to
// the minute; seconds are ignored) is one the expression names.
func (c Cron) Matches(t time.Time) bool {
	if c.spec == nil {
		return false
	}
	y, m, d := t.Date()
	return c.dayMatches(y, m, d) && c.spec.Hour&(1<<uint(t.Hour())) != 0 && c.spec.Minute&(1<<uint(t.Minute())) != 0
}

// dayMatches applies cron's day rule to a civil date: when either day field
// is "*", both must match; when both are restricted, either may (so
// "0 8 1 * MON" fires on the 1st and on every Monday).
func (c Cron) dayMatches(y int, m time.Month, d int) bool {
	s := c.spec
	if s.Month&(1<<uint(m)) == 0 {
		return false
	}
	wd := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()
	dom := s.Dom&(1<<uint(d)) != 0
	dow := s.Dow&(1<<uint(wd)) != 0
	if s.Dom&starBit != 0 || s.Dow&starBit != 0 {
		return dom && dow
	}
	return dom || dow
}

// Next returns the first firing strictly after the instant after, reading
// the expression as wall-clock time in loc, or the zero time when there is
// none within nine years. See Zoned for the daylight-saving rule.
func (c Cron) Next(after time.Time, loc *time.Location) time.Time {
	for t := range c.after(after, loc) {
		return t
	}
	return time.Time{}
}

// In binds the expression to a time zone.
func (c Cron) In(loc *time.Location) Zoned { return Zoned{Cron: c, Loc: loc} }

// Zoned is a cron expression read in one time zone. Its Next method makes
// it a river.PeriodicSchedule.
//
// Daylight saving: every matching local wall time fires exactly once.
//   - A wall time the clocks skip (02:30 on the night they jump from 02:00
//     to 03:00) fires at the instant of the jump, the first valid instant
//     after the gap (03:00 new time). Several skipped wall times (an
//     every-minute schedule) all map to that instant and fire once.
//   - A wall time that occurs twice (02:30 on the night the clocks go back
//     from 03:00 to 02:00) fires at its first occurrence only.
//
// robfig/cron's own Next fires zero times in the first case and twice in
// the second; that is why this package walks wall times itself and uses
// robfig/cron only to parse.
type Zoned struct {
	Cron Cron
	Loc  *time.Location
}

// Next returns the first firing strictly after t, or the zero time when
// there is none within nine years.
func (z Zoned) Next(t time.Time) time.Time { return z.Cron.Next(t, z.Loc) }

// after yields, in increasing order and without repeats, every firing
// strictly after t.
func (c Cron) after(t time.Time, loc *time.Location) iter.Seq[time.Time] {
	return func(yield func(time.Time) bool) {
		if c.spec == nil {
			return
		}
		if loc == nil {
			loc = time.UTC
		}
		// Start one civil day early: a wall time on the previous day maps
		// to an instant before t unless the offset fell by more than a day,
		// which no zone has done since the tz database began recording.
		y, m, d := t.In(loc).Date()
		start := time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
		last := t
		// Wall times map to instants in non-decreasing order, so when the
		// day's (or the hour's) last candidate is not after the last
		// instant yielded, none of its candidates is: skip it whole.
		maxH, maxM := highest(c.spec.Hour, 23), highest(c.spec.Minute, 59)
		for i := 0; i < searchDays; i++ {
			day := start.AddDate(0, 0, i)
			y, m, d := day.Date()
			if !c.dayMatches(y, m, d) {
				continue
			}
			if at, _ := resolve(y, m, d, maxH, maxM, loc); !at.After(last) {
				continue
			}
			for h := 0; h < 24; h++ {
				if c.spec.Hour&(1<<uint(h)) == 0 {
					continue
				}
				if at, _ := resolve(y, m, d, h, maxM, loc); !at.After(last) {
					continue
				}
				for mi := 0; mi < 60; mi++ {
					if c.spec.Minute&(1<<uint(mi)) == 0 {
						continue
					}
					at, _ := resolve(y, m, d, h, mi, loc)
					// Comparing with the last instant yielded both skips the
					// past and merges skipped wall times into one firing.
					if !at.After(last) {
						continue
					}
					last = at
					if !yield(at) {
						return
					}
				}
			}
		}
	}
}

// highest returns the highest value in 0..max whose bit is set in bits.
func highest(bits uint64, max int) int {
	for v := max; v > 0; v-- {
		if bits&(1<<uint(v)) != 0 {
			return v
		}
	}
	return 0
}

// resolve returns the instant of a local wall time in loc: the instant
// itself when it exists once, the first occurrence when the clocks went
// back over it, and the end of the gap (the instant the clocks jumped)
// when it was skipped; exact is false in the last case. The result is UTC.
func resolve(y int, m time.Month, d, h, mi int, loc *time.Location) (at time.Time, exact bool) {
	w := time.Date(y, m, d, h, mi, 0, 0, time.UTC).Unix()
	// Every offset in use lies within ±15 h, so the instants that could
	// show this wall time lie within w±15h: the offsets in force at both
	// ends (and in the middle) are the only candidates.
	var offs [3]int
	for i, probe := range [3]int64{w - 15*3600, w, w + 15*3600} {
		_, offs[i] = time.Unix(probe, 0).In(loc).Zone()
	}
	best := int64(0)
	found := false
	for _, off := range offs {
		u := w - int64(off)
		if _, o := time.Unix(u, 0).In(loc).Zone(); o != off {
			continue
		}
		if !found || u < best {
			best, found = u, true
		}
	}
	if found {
		return time.Unix(best, 0).UTC(), true
	}
	// Skipped: read the wall time with the offset in force before the
	// jump; that instant lies after the jump, in the zone period that
	// starts at the jump.
	start, _ := time.Unix(w-int64(offs[0]), 0).In(loc).ZoneBounds()
	if start.IsZero() {
		// No recorded transition (cannot happen for a real gap); keep the
		// instant rather than lose the firing.
		return time.Unix(w-int64(offs[0]), 0).UTC(), false
	}
	return start.UTC(), false
}
