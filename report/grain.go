package report

import (
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/kpi"
)

// byGrain translates the wording that names the reported grain: a
// quarterly digest says "Previous quarter", never "Previous month". The
// five keys are the week, month, quarter, half-year and year wordings.
func (b *builder) byGrain(week, month, quarter, half, year string, args ...any) string {
	key := month
	switch b.s.period.Kind {
	case kpi.Week:
		key = week
	case kpi.Quarter:
		key = quarter
	case kpi.Half:
		key = half
	case kpi.Year:
		key = year
	}
	return b.t(key, args...)
}

// plural translates one of two wordings of a count of days: the singular
// key, which names no count ("1 day"), when n is 1, else the plural key,
// which takes the leading args then n ("%d days").
func (b *builder) plural(n int, one, many string, args ...any) string {
	if n == 1 {
		return b.t(one, args...)
	}
	return b.t(many, append(args, n)...)
}

// midLabel is mainLabel inside a sentence: months and weekdays are
// lower-case mid-sentence in French and Spanish ("octobre 2026"), and so
// is "last week"; English keeps its capitalised month names, and a
// quarter or half keeps its capital letter ("T3 2026").
func (b *builder) midLabel(p kpi.Period) string {
	switch p.Kind {
	case kpi.Month:
		return b.loc.MonthYear(time.Month(p.N), p.Year)
	case kpi.Quarter, kpi.Half, kpi.Year:
		return b.mainLabel(p)
	}
	s := b.mainLabel(p)
	if r := []rune(s); len(r) > 0 {
		return strings.ToLower(string(r[0])) + string(r[1:])
	}
	return s
}
