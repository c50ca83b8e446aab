package kpi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// Kind is the length of a period.
type Kind uint8

// The kinds of period. Weeks are ISO 8601 weeks (Monday first).
const (
	Week Kind = iota + 1
	Month
	Quarter
	Half
	Year
)

var kindNames = [...]string{"", "week", "month", "quarter", "half", "year"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k > 0 {
		return kindNames[k]
	}
	return "unknown"
}

// months is the number of months in a month-based kind (0 for weeks).
func (k Kind) months() int {
	switch k {
	case Month:
		return 1
	case Quarter:
		return 3
	case Half:
		return 6
	case Year:
		return 12
	}
	return 0
}

// seasons is the number of periods of the kind in a year: the season
// length of the seasonal decomposition (52 for weeks: a W53 shares the
// index of W52).
func (k Kind) seasons() int {
	if k == Week {
		return 52
	}
	return 12 / k.months()
}

// Period is one ISO week, month, quarter, half-year or year, whole or
// "to date". It is a small comparable value: use it as a map key.
//
// Fiscal periods (FiscalStart in 2..12) exist for quarters, halves and
// years; a fiscal year is named after the calendar year it ends in, so with
// FiscalStart October FY2018 runs from 2017-10-01 to 2018-09-30.
type Period struct {
	Kind Kind
	// Year is the ISO week-year for weeks, the fiscal year's name for
	// fiscal periods, the calendar year otherwise.
	Year int
	// N is the week (1-53), month (1-12), quarter (1-4) or half (1-2);
	// 0 for a year.
	N int
	// FiscalStart is the month a fiscal year starts in; 0 for calendar
	// periods.
	FiscalStart time.Month
	// Until is the as-of day of a to-date period (included), NoDay for a
	// whole period.
	Until crm.Day
}

// ErrNoYearAgo is returned by YearAgo when the period has no counterpart
// one year earlier (ISO week 53).
var ErrNoYearAgo = errors.New("no same period last year")

// ParsePeriod reads a period id: 2017-W48, 2017-12, 2017-Q4, 2017-H2, 2017,
// and with a fiscal year FY2018-Q1, FY2018-H2, FY2018. fiscalStart is the
// month the fiscal year starts in (0 or 1: fiscal ids are calendar ids).
// A to-date id as String writes it ("2017-Q4..2017-11-15") is read too.
func ParsePeriod(id string, fiscalStart time.Month) (Period, error) {
	s := strings.TrimSpace(id)
	base, until, hasUntil := strings.Cut(s, "..")
	p, err := parseBase(strings.ToUpper(base), fiscalStart)
	if err != nil {
		return Period{}, fmt.Errorf("period %q: %w", id, err)
	}
	if hasUntil {
		t, err := time.Parse("2006-01-02", until)
		if err != nil {
			return Period{}, fmt.Errorf("period %q: as-of day %q: expected YYYY-MM-DD", id, until)
		}
		p, err = p.ToDate(crm.DayOf(t))
		if err != nil {
			return Period{}, fmt.Errorf("period %q: %w", id, err)
		}
	}
	return p, nil
}

func parseBase(s string, fiscalStart time.Month) (Period, error) {
	const want = "expected 2017-W48, 2017-12, 2017-Q4, 2017-H2, 2017 or FY2018[-Q1|-H1]"
	fiscal := false
	if strings.HasPrefix(s, "FY") {
		fiscal = true
		s = s[2:]
	}
	ys, rest, _ := strings.Cut(s, "-")
	if len(ys) != 4 {
		return Period{}, errors.New(want)
	}
	y, err := strconv.Atoi(ys)
	if err != nil || y < 1000 {
		return Period{}, errors.New(want)
	}
	p := Period{Kind: Year, Year: y, Until: crm.NoDay}
	num := func(t string, lo, hi int) (int, error) {
		n, err := strconv.Atoi(t)
		if err != nil || n < lo || n > hi || t == "" || t[0] == '+' || t[0] == '-' {
			return 0, fmt.Errorf("number %q out of range %d..%d", t, lo, hi)
		}
		return n, nil
	}
	switch {
	case rest == "":
	case rest[0] == 'W':
		if fiscal {
			return Period{}, errors.New("fiscal weeks do not exist: use a calendar week such as 2017-W48")
		}
		w, err := num(rest[1:], 1, 53)
		if err != nil {
			return Period{}, fmt.Errorf("week: %w", err)
		}
		if w > weeksIn(y) {
			return Period{}, fmt.Errorf("ISO year %d has only %d weeks", y, weeksIn(y))
		}
		p.Kind, p.N = Week, w
	case rest[0] == 'Q':
		q, err := num(rest[1:], 1, 4)
		if err != nil {
			return Period{}, fmt.Errorf("quarter: %w", err)
		}
		p.Kind, p.N = Quarter, q
	case rest[0] == 'H':
		h, err := num(rest[1:], 1, 2)
		if err != nil {
			return Period{}, fmt.Errorf("half: %w", err)
		}
		p.Kind, p.N = Half, h
	default:
		if fiscal {
			return Period{}, errors.New("fiscal months do not exist: use a calendar month such as 2017-12")
		}
		if mon, day, isDay := strings.Cut(rest, "-"); isDay && len(mon) == 2 && len(day) == 2 {
			// A day (2025-02-30, 2026-11-27) is the likeliest slip: say so
			// rather than list the forms.
			d, err := time.Parse("2006-01-02", fmt.Sprintf("%d-%s-%s", y, mon, day))
			if err != nil {
				return Period{}, fmt.Errorf("a day is not a period, and %d-%s-%s is no day: use a month (%d-%s) or a week (%d-W48)", y, mon, day, y, mon, y)
			}
			wy, w := d.ISOWeek()
			return Period{}, fmt.Errorf("a day is not a period: use its month (%d-%s), its week (%d-W%02d) or its month to that day (%d-%s..%s)", y, mon, wy, w, y, mon, d.Format("2006-01-02"))
		}
		if len(rest) != 2 {
			return Period{}, errors.New(want)
		}
		m, err := num(rest, 1, 12)
		if err != nil {
			return Period{}, fmt.Errorf("month: %w", err)
		}
		p.Kind, p.N = Month, m
	}
	if fiscal && fiscalStart > 1 && fiscalStart <= 12 {
		p.FiscalStart = fiscalStart
	}
	return p, nil
}

// weeksIn returns the number of ISO weeks of ISO year y (52 or 53).
func weeksIn(y int) int {
	_, w := time.Date(y, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

// isoWeekStart is the Monday of week 1 of ISO year y.
func isoWeekStart(y int) crm.Day {
	jan4 := crm.DayFromDate(y, time.January, 4)
	wd := (int(jan4.Time().Weekday()) + 6) % 7 // Monday 0
	return jan4 - crm.Day(wd)
}

// firstMonth returns the calendar year and month a month-based period
// starts in.
func (p Period) firstMonth() (int, time.Month) {
	if p.Kind == Month {
		return p.Year, time.Month(p.N)
	}
	y, m := p.Year, time.January
	if p.FiscalStart > 1 {
		y, m = p.Year-1, p.FiscalStart
	}
	idx := 0
	if p.Kind != Year {
		idx = (p.N - 1) * p.Kind.months()
	}
	t := time.Date(y, m+time.Month(idx), 1, 0, 0, 0, 0, time.UTC)
	return t.Year(), t.Month()
}

// Start returns the first day of the period.
func (p Period) Start() crm.Day {
	if p.Kind == Week {
		return isoWeekStart(p.Year) + crm.Day(7*(p.N-1))
	}
	y, m := p.firstMonth()
	return crm.DayFromDate(y, m, 1)
}

// FullEnd returns the last day of the whole period, ignoring any as-of day.
func (p Period) FullEnd() crm.Day {
	if p.Kind == Week {
		return p.Start() + 6
	}
	y, m := p.firstMonth()
	return crm.DayFromDate(y, m+time.Month(p.Kind.months()), 1) - 1
}

// End returns the last day of the period: the as-of day for a to-date
// period.
func (p Period) End() crm.Day {
	if p.IsToDate() {
		return p.Until
	}
	return p.FullEnd()
}

// Days returns the number of days from Start to End, both included.
func (p Period) Days() int { return int(p.End()-p.Start()) + 1 }

// Contains reports whether d falls between Start and End.
func (p Period) Contains(d crm.Day) bool { return d.Valid() && d >= p.Start() && d <= p.End() }

// IsToDate reports whether the period stops at an as-of day before its end.
func (p Period) IsToDate() bool { return p.Until.Valid() && p.Until != 0 && p.Until < p.FullEnd() }

// Whole returns the period without its as-of day.
func (p Period) Whole() Period { p.Until = crm.NoDay; return p }

// ToDate returns the period cut at asOf (included). An as-of day on or
// after the period's last day gives the whole period.
func (p Period) ToDate(asOf crm.Day) (Period, error) {
	p = p.Whole()
	if !asOf.Valid() || asOf >= p.FullEnd() {
		return p, nil
	}
	if asOf < p.Start() {
		return Period{}, fmt.Errorf("as-of day %s is before the period starts (%s)", asOf, p.Start())
	}
	p.Until = asOf
	return p, nil
}

// ID returns the period id without its as-of day: 2017-W48, 2017-12,
// 2017-Q4, 2017-H2, 2017, FY2018-Q1.
func (p Period) ID() string {
	fy := ""
	if p.FiscalStart > 1 {
		fy = "FY"
	}
	switch p.Kind {
	case Week:
		return fmt.Sprintf("%04d-W%02d", p.Year, p.N)
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%s%04d-Q%d", fy, p.Year, p.N)
	case Half:
		return fmt.Sprintf("%s%04d-H%d", fy, p.Year, p.N)
	case Year:
		return fmt.Sprintf("%s%04d", fy, p.Year)
	}
	return "invalid"
}

// String returns the id, followed by "..YYYY-MM-DD" for a to-date period
// (2017-Q4..2017-11-15: the fourth quarter up to 15 November). ParsePeriod
// reads it back.
func (p Period) String() string {
	if p.IsToDate() {
		return p.ID() + ".." + p.Until.String()
	}
	return p.ID()
}

// Canonical returns the one period that stands for p's dates: a fiscal
// quarter, half or year whose dates are those of a calendar one becomes the
// calendar one (with a fiscal year starting in April, FY2027-Q1 is 2026-Q2);
// any other period is itself. Ids that ParsePeriod reads as the same dates
// (2026-w48, " 2026-W48 ", 2026-W1 and 2026-W01) already give equal values.
func (p Period) Canonical() Period {
	if p.FiscalStart <= 1 {
		p.FiscalStart = 0
		return p
	}
	c := Containing(p.Kind, p.Start())
	c.Until = p.Until
	if c.Start() == p.Start() && c.FullEnd() == p.FullEnd() {
		return c
	}
	return p
}

// Key returns the canonical text of p (Canonical's String): the one form in
// which a period is stored (ledger, runs, firings), named in a Message-ID
// and in file and folder names, so that every id of the same dates shares
// one key. Reports print ID or String, which keep a fiscal label.
func (p Period) Key() string { return p.Canonical().String() }

// shift returns the whole period n periods later (n may be negative).
func (p Period) shift(n int) Period {
	q := p.Whole()
	if p.Kind == Week {
		return Containing(Week, p.Start()+crm.Day(7*n))
	}
	if p.Kind == Year {
		q.Year += n
		return q
	}
	per := p.Kind.seasons()
	i := p.Year*per + (p.N - 1) + n
	q.Year, q.N = floorDiv(i, per), i-floorDiv(i, per)*per+1
	return q
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// cutLike returns q cut at the same point as p: the same number of days
// into a week, the same month and day of month (clamped to the month's
// length) into a month-based period. A whole p gives a whole q.
func (p Period) cutLike(q Period) Period {
	q = q.Whole()
	if !p.IsToDate() {
		return q
	}
	var cut crm.Day
	if p.Kind == Week {
		cut = q.Start() + (p.Until - p.Start())
	} else {
		py, pm := p.firstMonth()
		uy, um, ud := p.Until.Date()
		off := (uy-py)*12 + int(um-pm)
		qy, qm := q.firstMonth()
		first := time.Date(qy, qm+time.Month(off), 1, 0, 0, 0, 0, time.UTC)
		last := first.AddDate(0, 1, -1).Day()
		cut = crm.DayFromDate(first.Year(), first.Month(), min(ud, last))
	}
	q, _ = q.ToDate(cut)
	return q
}

// Previous returns the period before p; a to-date period gives the
// previous period cut at the same point.
func (p Period) Previous() Period { return p.Back(1) }

// Back returns the period n periods before p, cut at the same point as p
// itself. A series of comparable periods must be built with it and not by
// taking Previous of Previous: each step would cut like the period after
// it, so a day clamped once stays clamped (a half to 30 August, through a
// first half to 28 February, reached last year's half to 28 August), and
// a cut that falls on a period's last day makes it whole and every
// earlier one with it (a month to the 28th, through a whole February).
// Back(m) of a month-based period is YearAgo, m being its periods a year.
func (p Period) Back(n int) Period { return p.cutLike(p.shift(-n)) }

// Next returns the whole period after p.
func (p Period) Next() Period { return p.shift(1) }

// YearAgo returns the same period one year earlier (cut at the same point
// for a to-date period). ISO week 53 has none: the error says so.
func (p Period) YearAgo() (Period, error) {
	if p.Kind == Week {
		if p.N == 53 {
			return Period{}, fmt.Errorf("%s: %w: ISO year %d has 53 weeks and %d has %d", p.ID(), ErrNoYearAgo, p.Year, p.Year-1, weeksIn(p.Year-1))
		}
		q := p.Whole()
		q.Year--
		return p.cutLike(q), nil
	}
	q := p.Whole()
	q.Year--
	return p.cutLike(q), nil
}

// Containing returns the calendar period of kind k that contains d.
func Containing(k Kind, d crm.Day) Period { return ContainingFiscal(k, d, 0) }

// ContainingFiscal returns the period of kind k that contains d; quarters,
// halves and years are fiscal when start is 2..12.
func ContainingFiscal(k Kind, d crm.Day, start time.Month) Period {
	y, m, _ := d.Date()
	p := Period{Kind: k, Year: y, Until: crm.NoDay}
	switch k {
	case Week:
		p.Year, p.N = d.Time().ISOWeek()
		return p
	case Month:
		p.N = int(m)
		return p
	}
	off := int(m) - 1 // months since the (fiscal) year started
	if start > 1 && start <= 12 {
		p.FiscalStart = start
		off = (int(m) - int(start) + 12) % 12
		if m >= start {
			p.Year = y + 1
		}
	}
	if k != Year {
		p.N = off/k.months() + 1
	}
	return p
}

// Last returns the last complete calendar period of kind k before day:
// Last(Week, a Monday) is the week that ended the day before.
func Last(k Kind, day crm.Day) Period { return Containing(k, day).Previous() }

// LastFiscal is Last with fiscal quarters, halves and years.
func LastFiscal(k Kind, day crm.Day, start time.Month) Period {
	return ContainingFiscal(k, day, start).Previous()
}

// ToDate returns the calendar period of kind k that contains asOf, cut at
// asOf: ToDate(Month, 2017-12-15) is December 2017 up to the 15th.
func ToDate(k Kind, asOf crm.Day) Period {
	p, _ := Containing(k, asOf).ToDate(asOf)
	return p
}

// seasonOf returns the 0-based position of p in its year, for seasonal
// indices: a W53 shares W52's.
func (p Period) seasonOf() int {
	if p.Kind == Year {
		return 0
	}
	if p.Kind == Week && p.N > 52 {
		return 51
	}
	return p.N - 1
}
