package sources

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// usDates rewrites Maven's ISO dates (columns 5 and 6) as an American
// Excel writes them, M/D/YYYY, and counts by their day what each order
// must make of them.
func usDates(t *testing.T) (path string, want map[string]struct{ rows, dmy, monthOnly int }, setAside int) {
	t.Helper()
	want = map[string]struct{ rows, dmy, monthOnly int }{}
	var header []string
	path, _ = damagedPipeline(t, func(i int, l string) string {
		f := strings.Split(l, ",")
		if i == 0 {
			header = f
			return l
		}
		bad := false
		for _, k := range []int{5, 6} {
			if f[k] == "" {
				continue
			}
			var y, m, d int
			if _, err := fmt.Sscanf(f[k], "%d-%d-%d", &y, &m, &d); err != nil {
				t.Fatalf("line %d: %q: %v", i+1, f[k], err)
			}
			f[k] = strconv.Itoa(m) + "/" + strconv.Itoa(d) + "/" + strconv.Itoa(y)
			w := want[header[k]]
			w.rows++
			if d <= 12 {
				w.dmy++
			} else {
				w.monthOnly++
				bad = true
			}
			want[header[k]] = w
		}
		if bad {
			setAside++
		}
		return strings.Join(f, ",")
	})
	return path, want, setAside
}

// TestDateEvidenceWrongFormat: date_format DD/MM/YYYY on an M/D/YYYY
// export sets aside the rows it cannot read, quoting the cells as
// written, and each date column's evidence says MM/DD/YYYY fits them all.
func TestDateEvidenceWrongFormat(t *testing.T) {
	path, want, setAside := usDates(t)
	q := loadDeals(t, path, func(s *Spec) { s.DateFormat = "DD/MM/YYYY" })
	if q.RowsSetAside != setAside {
		t.Errorf("set aside %d, want %d", q.RowsSetAside, setAside)
	}
	if len(q.SetAside) == 0 || !strings.Contains(q.SetAside[0].Value, "/") {
		t.Fatalf("set aside %v: want the cell as written (M/D/YYYY)", q.SetAside)
	}
	if len(q.Dates) != len(want) {
		t.Fatalf("dates %+v, want %d columns", q.Dates, len(want))
	}
	for _, dc := range q.Dates {
		w := want[dc.Column]
		if dc.Used != "DD/MM/YYYY" || dc.Rows != w.rows || dc.Fit != w.dmy || dc.Best != "MM/DD/YYYY" || dc.BestFit != w.rows {
			t.Errorf("%+v, want used DD/MM/YYYY fitting %d of %d, best MM/DD/YYYY fitting all", dc, w.dmy, w.rows)
		}
		for _, s := range []string{
			fmt.Sprintf("DD/MM/YYYY reads %s of %s cells, MM/DD/YYYY %s", count(w.dmy), count(w.rows), count(w.rows)),
			fmt.Sprintf("%s can only be month first", cells(w.monthOnly)),
		} {
			if !strings.Contains(dc.Evidence, s) {
				t.Errorf("%s evidence %q lacks %q", dc.Column, dc.Evidence, s)
			}
		}
	}
}

// TestDateEvidenceDetected: without date_format the order is read from the
// sample, and no other order fits more.
func TestDateEvidenceDetected(t *testing.T) {
	path, want, _ := usDates(t)
	q := loadDeals(t, path, nil)
	if q.RowsSetAside != 0 {
		t.Fatalf("set aside %d: %v", q.RowsSetAside, q.SetAside)
	}
	for _, dc := range q.Dates {
		if w := want[dc.Column]; dc.Used != "MM/DD/YYYY" || dc.Fit != w.rows || dc.Best != "" {
			t.Errorf("%+v, want MM/DD/YYYY fitting all %d, no better order", dc, w.rows)
		}
	}
	// The original ISO dates fit any order.
	q = loadDeals(t, mavenSpecs()[0].Path, nil)
	for _, dc := range q.Dates {
		if dc.Fit != dc.Rows || dc.Best != "" || !strings.Contains(dc.Evidence, "ISO") {
			t.Errorf("ISO dates: %+v", dc)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 8800: "8,800", 1234567: "1,234,567", -4123: "-4,123"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestWarningsQuoteCellAsWritten: a date far in the future is quoted as the
// export wrote it, not as the date read from it.
func TestWarningsQuoteCellAsWritten(t *testing.T) {
	path, _ := damagedPipeline(t, func(i int, l string) string {
		if i == 1 { // a won deal: closed in 2099
			f := strings.Split(l, ",")
			f[6] = "12/31/2099"
			f[5] = "1/13/2017"
			return strings.Join(f, ",")
		}
		return l
	})
	q := loadDeals(t, path, nil)
	found := false
	for _, w := range q.Warnings {
		if w.Row == 2 && strings.Contains(w.Reason, "far in the future") {
			found = true
			if w.Value != "12/31/2099" {
				t.Errorf("warning quotes %q, want the cell 12/31/2099", w.Value)
			}
		}
	}
	if !found {
		t.Errorf("no future warning on row 2: %v", q.Warnings)
	}
}
