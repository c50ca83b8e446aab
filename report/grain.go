package report

import "github.com/crmdigest/crmdigest/kpi"

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
