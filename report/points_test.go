package report

import (
	"strconv"
	"strings"
	"testing"
)

// TestPointsMatchPrintedRates: a change of a rate in points is the
// difference of the two rates as printed beside it, so that a reader who
// subtracts 53 % from 78 % finds the "+25 pt" the table says (Maven's
// December 2017 win rates are 78.5 % and 52.9 %: from the unrounded rates
// the change would print +26 pt).
func TestPointsMatchPrintedRates(t *testing.T) {
	var digests []*Digest
	for _, email := range []string{"james.jackson@example.com", "francois.marchand@example.com", "sebastian.martinez@example.com"} {
		d, err := sets(t)[KindDirector].Digest(person(t, demoData().Dataset, email))
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
	}
	ds := maven(t)
	d, err := ss2(t, ds, KindDirector, "2017-12", Options{Now: mavenNow}).Digest(person(t, ds, "head.of.sales@maventech.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	digests = append(digests, d)
	checked := 0
	for _, d := range digests {
		for _, b := range d.Blocks {
			if b.Table == nil {
				continue
			}
			for _, row := range b.Table.Rows {
				for i, cell := range row {
					if !strings.HasSuffix(cell, "pt") || i < 2 {
						continue
					}
					now, ok1 := percentCell(row[1])
					ref, ok2 := percentCell(row[i-1])
					pt, ok3 := percentCell(strings.TrimSuffix(cell, "pt"))
					if !ok1 || !ok2 || !ok3 {
						t.Errorf("%s: row %q: cannot read %q, %q, %q", d.Title, row[0], row[1], row[i-1], cell)
						continue
					}
					checked++
					if pt != now-ref {
						t.Errorf("%s: row %q: %q against %q says %q, want %+d pt", d.Title, row[0], row[1], row[i-1], cell, now-ref)
					}
				}
			}
		}
	}
	if checked < 8 {
		t.Fatalf("only %d changes in points checked: the tables no longer hold rates?", checked)
	}
	t.Logf("%d changes in points checked", checked)
}

// percentCell reads "78%", "78 %", "+25 ", "−3 " as a whole number.
func percentCell(s string) (int, bool) {
	s = strings.NewReplacer("%", "", "\u00a0", "", " ", "", "\u2212", "-", "+", "").Replace(s)
	n, err := strconv.Atoi(s)
	return n, err == nil
}
