package sources

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// dateStats tallies the shapes of one date column's cells over every
// record read, whether or not the row was accepted, so that the report can
// say which day order the values prove, not only which one was applied.
type dateStats struct {
	col *column
	// rows counts non-empty cells; serial Excel date numbers; same cells
	// that read alike in any order (ISO dates, month names, 05/05/2017);
	// either cells that both numeric orders read, differently (03/04/2017);
	// dayFirst and monthFirst cells that only one order reads (25/03/2017,
	// 03/25/2017); neither cells no order reads.
	rows, serial, same, either, dayFirst, monthFirst, neither int
	// The first cell of each shape, as written.
	exEither, exDay, exMonth, exNeither string
}

// noteDate tallies one record's cell.
func (t *table) noteDate(st *dateStats, rec []string) {
	raw := st.col.cell(rec)
	if raw == "" {
		return
	}
	st.rows++
	if t.isSerial(raw) {
		st.serial++
		return
	}
	dmy, mdy, differ := dateOrderHint(raw)
	switch {
	case dmy && mdy && differ:
		st.either++
		first(&st.exEither, raw)
	case dmy && mdy:
		st.same++
	case dmy:
		st.dayFirst++
		first(&st.exDay, raw)
	case mdy:
		st.monthFirst++
		first(&st.exMonth, raw)
	default:
		st.neither++
		first(&st.exNeither, raw)
	}
}

func first(dst *string, raw string) {
	if *dst == "" {
		*dst = strings.Clone(raw)
	}
}

// fit counts the cells an order reads, by their shapes.
func (st *dateStats) fit(o DateOrder) int {
	n := st.serial + st.same
	switch o {
	case DateDMY:
		n += st.either + st.dayFirst
	case DateMDY:
		n += st.either + st.monthFirst
	case DateAuto:
		n += st.dayFirst + st.monthFirst
	}
	return n
}

// report turns the tally into the column's evidence.
func (st *dateStats) report() crm.DateColumn {
	o := st.col.order
	dc := crm.DateColumn{Column: st.col.header, Used: o.String(), Rows: st.rows, Fit: st.fit(o)}
	for _, alt := range []DateOrder{DateDMY, DateMDY} {
		if alt != o && st.fit(alt) > dc.Fit && st.fit(alt) > dc.BestFit {
			dc.Best, dc.BestFit = alt.String(), st.fit(alt)
		}
	}
	var ev []string
	if st.dayFirst+st.monthFirst+st.either > 0 {
		ev = append(ev, fmt.Sprintf("%s reads %s of %s cells, %s %s",
			DateDMY, count(st.fit(DateDMY)), count(st.rows), DateMDY, count(st.fit(DateMDY))))
	}
	if st.dayFirst > 0 {
		ev = append(ev, fmt.Sprintf("%s can only be day first (first %q)", cells(st.dayFirst), st.exDay))
	}
	if st.monthFirst > 0 {
		ev = append(ev, fmt.Sprintf("%s can only be month first (first %q)", cells(st.monthFirst), st.exMonth))
	}
	if st.either > 0 {
		ev = append(ev, fmt.Sprintf("%s read either way (first %q)", cells(st.either), st.exEither))
	}
	if st.same > 0 {
		ev = append(ev, fmt.Sprintf("%s read alike in any order (ISO dates, month names)", cells(st.same)))
	}
	if st.serial > 0 {
		ev = append(ev, fmt.Sprintf("%s are Excel date numbers", cells(st.serial)))
	}
	if st.neither > 0 {
		ev = append(ev, fmt.Sprintf("%s read in no order (first %q)", cells(st.neither), st.exNeither))
	}
	dc.Evidence = strings.Join(ev, "; ")
	return dc
}

// cells says "1 cell" or "8,800 cells".
func cells(n int) string {
	if n == 1 {
		return "1 cell"
	}
	return count(n) + " cells"
}

// count writes n with thousands separators: 8,800.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
