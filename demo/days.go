package demo

import (
	"fmt"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// addMonths moves a day by n calendar months (the first of a month stays
// the first of a month).
func addMonths(d crm.Day, n int) crm.Day {
	y, m, day := d.Date()
	return crm.DayFromDate(y, m+time.Month(n), day)
}

func firstOfMonth(d crm.Day) crm.Day {
	y, m, _ := d.Date()
	return crm.DayFromDate(y, m, 1)
}

// monthIndex is the number of months from the month of start to that of d.
func monthIndex(start, d crm.Day) int {
	y0, m0, _ := start.Date()
	y, m, _ := d.Date()
	return (y-y0)*12 + int(m-m0)
}

// monthID writes a month as a period id, e.g. "2026-11".
func monthID(d crm.Day) string {
	y, m, _ := d.Date()
	return fmt.Sprintf("%04d-%02d", y, int(m))
}

// weekday moves a Saturday or a Sunday to the next Monday: nobody logs
// calls at weekends.
func weekday(d crm.Day) crm.Day {
	switch (int(d)%7 + 7 + 3) % 7 { // 1970-01-01 was a Thursday; Monday is 0
	case 5:
		return d + 2
	case 6:
		return d + 1
	}
	return d
}

// idStrings returns the ids prefix+000001, prefix+000002, ... for n rows
// as slices of one string, so that millions of rows cost one allocation.
func idStrings(prefix string, n int) func(i int) string {
	width := max(6, len(fmt.Sprint(n)))
	w := len(prefix) + width
	buf := make([]byte, n*w)
	for i := range n {
		b := buf[i*w : (i+1)*w]
		copy(b, prefix)
		for j, v := w-1, i+1; j >= len(prefix); j, v = j-1, v/10 {
			b[j] = byte('0' + v%10)
		}
	}
	all := string(buf)
	return func(i int) string { return all[i*w : (i+1)*w] }
}
