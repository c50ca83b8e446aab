package sources

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/crmdigest/crmdigest/demo"
	"github.com/crmdigest/crmdigest/internal/xlsxbomb"
)

// TestXLSXLimits reads generated bombs: each fails with an error that
// names the part and the limit, quickly, instead of growing without end.
func TestXLSXLimits(t *testing.T) {
	defer func(n int) { maxSharedStringCount = n }(maxSharedStringCount)
	maxSharedStringCount = 50_000 // the default is checked in TestXLSXLimitsDefaults
	for _, tc := range []struct {
		kind xlsxbomb.Kind
		n    int
		want []string
	}{
		// 10 characters a run: the cell passes 32,767 characters.
		{xlsxbomb.Runs, 1 << 16, []string{"xl/worksheets/sheet1.xml", "cell A2", fmt.Sprint(maxCellText)}},
		{xlsxbomb.Values, 1 << 16, []string{"xl/worksheets/sheet1.xml", "cell A2", fmt.Sprint(maxCellText)}},
		{xlsxbomb.SharedStrings, maxSharedStringCount + 1, []string{"xl/sharedStrings.xml", fmt.Sprintf("more than %d shared strings", maxSharedStringCount)}},
		{xlsxbomb.Nested, 1000, []string{"xl/workbook.xml", fmt.Sprintf("nested more than %d deep", maxXMLDepth)}},
		// 9 million deep: the part is larger than a small part may be.
		{xlsxbomb.Nested, 9_000_000, []string{"xl/workbook.xml", fmt.Sprint(maxSmallPart)}},
	} {
		t.Run(fmt.Sprintf("%s-%d", tc.kind, tc.n), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bomb.xlsx")
			if err := xlsxbomb.Write(path, tc.kind, tc.n); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err := readToError(path)
			if err == nil {
				t.Fatal("read without an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			t.Logf("%v after %v", err, time.Since(start))
		})
	}
	// Just under the limits, the same shapes read.
	for _, tc := range []struct {
		kind xlsxbomb.Kind
		n    int
	}{
		{xlsxbomb.Runs, maxCellText / 10},
		{xlsxbomb.Values, maxCellText / 10},
		{xlsxbomb.SharedStrings, maxSharedStringCount},
		{xlsxbomb.Nested, maxXMLDepth - 3}, // under <workbook>, beside <sheets><sheet>
	} {
		path := filepath.Join(t.TempDir(), "ok.xlsx")
		if err := xlsxbomb.Write(path, tc.kind, tc.n); err != nil {
			t.Fatal(err)
		}
		if err := readToError(path); err != nil {
			t.Errorf("%s %d: %v", tc.kind, tc.n, err)
		}
	}
}

// rowNeeds measures what one record asks of the limits.
type rowNeeds struct{ rows, cols, cellText, rowText int }

func (n *rowNeeds) add(cells []string) {
	n.rows++
	n.cols = max(n.cols, len(cells))
	text := 0
	for _, c := range cells {
		n.cellText = max(n.cellText, utf8.RuneCountInString(c))
		text += len(c)
	}
	n.rowText = max(n.rowText, text)
}

func (n rowNeeds) check(t *testing.T, what string) {
	t.Helper()
	t.Logf("%s: %d rows, %d columns, %d characters in a cell, %d bytes in a row", what, n.rows, n.cols, n.cellText, n.rowText)
	if n.rows > maxSheetRows || n.cols > maxSheetCols || n.cellText > maxCellText || n.rowText > maxRowText {
		t.Errorf("%s needs %+v: over the limits (rows %d, columns %d, cell %d, row %d)", what, n, maxSheetRows, maxSheetCols, maxCellText, maxRowText)
	}
}

// TestXLSXLimitsDefaults proves the default limits above what the
// benchmark workbooks (1,000,000 deals, with and without shared strings)
// and the 2,000-rep, 3-year demo workbook need, computed from their
// generators rather than typed in.
func TestXLSXLimitsDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million rows")
	}
	const n = 1_000_000
	var bench rowNeeds
	bench.add(Fields["deals"])
	seen := map[string]bool{}
	sstBytes := 0
	row := make([]any, 15)
	cells := make([]string, 15)
	for i := range n {
		benchDeal(row, i, func(serial int) any { return serial })
		for c, v := range row {
			cells[c] = ""
			switch v := v.(type) {
			case string:
				cells[c] = v
				if !seen[v] {
					seen[v] = true
					sstBytes += len(v)
				}
			case int:
				cells[c] = strconv.Itoa(v)
			case float64:
				cells[c] = strconv.FormatFloat(v, 'g', -1, 64)
			}
		}
		bench.add(cells)
	}
	bench.check(t, "benchmark workbook")
	t.Logf("benchmark shared strings: %d, %d bytes", len(seen), sstBytes)
	if len(seen) > maxSharedStringCount || sstBytes > maxSharedStringBytes {
		t.Errorf("the shared benchmark workbook has %d shared strings of %d bytes: over the limits %d and %d", len(seen), sstBytes, maxSharedStringCount, maxSharedStringBytes)
	}

	d := demo.Build(demo.Options{Reps: 2000, Years: 3}) // as `crmdigest demo --reps 2000 --years 3`
	for i, kind := range demo.SheetKinds {
		var need rowNeeds
		need.add(demo.Columns(kind))
		rows := d.Quality[i].RowsRead
		need.rows += rows
		need.cols = max(need.cols, len(demo.Columns(kind)))
		need.check(t, "demo sheet "+demo.SheetNames[i])
	}
	// The text of the demo's cells: the longest strings it writes.
	var longest rowNeeds
	for _, p := range d.People {
		longest.add([]string{p.Name, p.Email, p.Manager, p.Team, p.Region, p.Locale, p.TimeZone, p.CRMID})
	}
	for _, a := range d.Activities {
		longest.add([]string{a.ID, a.Subject, a.Deal})
	}
	for _, dl := range d.Deals {
		longest.add([]string{dl.ID, d.Accounts.Name(dl.Account), d.Products.Name(dl.Product), d.Stages.Name(dl.Stage)})
	}
	longest.rows = 0
	longest.check(t, "demo text")
}

// TestXLSXRowTextLimit: cells each under Excel's limit, but a row whose
// text passes maxRowText, fails naming the row.
func TestXLSXRowTextLimit(t *testing.T) {
	cell := strings.Repeat("x", maxCellText)
	var row strings.Builder
	row.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>owner</t></is></c></row><row r="2">`)
	for c := 1; c*maxCellText <= maxRowText+maxCellText; c++ {
		fmt.Fprintf(&row, `<c r="%s2" t="inlineStr"><is><t>%s</t></is></c>`, columnName(c), cell)
	}
	row.WriteString(`</row>`)
	err := readToError(oneSheetBook(t, sheetXML(row.String()), `<sst `+nsMain+`><si><t>a</t></si></sst>`))
	if err == nil || !strings.Contains(err.Error(), "xl/worksheets/sheet1.xml: row 2 holds more than") {
		t.Errorf("err %v, want the row text limit", err)
	}
}
