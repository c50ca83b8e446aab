package sources

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// damagedPipeline writes a copy of Maven's sales_pipeline.csv whose lines
// (0-based, the header is line 0) pass through edit, and returns its path
// and the original lines.
func damagedPipeline(t *testing.T, edit func(i int, line string) string) (string, []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(mavenDir, "sales_pipeline.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = edit(i, l)
	}
	path := filepath.Join(t.TempDir(), "sales_pipeline.csv")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, lines
}

func loadDeals(t *testing.T, path string, tune func(*Spec)) crm.SourceReport {
	t.Helper()
	specs := mavenSpecs()
	specs[0].Path = path
	if tune != nil {
		tune(&specs[0])
	}
	ds, err := Load(context.Background(), specs, Options{Currency: "USD"})
	var fe *FatalError
	if err != nil && !errors.As(err, &fe) {
		t.Fatalf("Load: %v", err)
	}
	return ds.Quality[0]
}

// TestStrayQuoteFailsTheSource: one stray quote at the start of data row
// 100 used to swallow the 8,700 rows after it into one field; now the
// source fails, naming the line where the quote opened and its text.
func TestStrayQuoteFailsTheSource(t *testing.T) {
	path, lines := damagedPipeline(t, func(i int, l string) string {
		if i == 100 {
			return `"` + l
		}
		return l
	})
	q := loadDeals(t, path, nil)
	if q.Fatal == "" {
		t.Fatalf("the source loaded %d rows of %d without a fatal error", q.RowsAccepted, len(lines)-1)
	}
	first := lines[100][:20]
	if !strings.Contains(q.Fatal, "line 101") || !strings.Contains(q.Fatal, first) {
		t.Errorf("Fatal %q does not name line 101 and its text %q", q.Fatal, first)
	}
	if !strings.Contains(q.Fatal, "runs past 100 lines") {
		t.Errorf("Fatal %q does not give the default bound", q.Fatal)
	}
}

// TestShortRowSetAside: a record with a field missing is set aside with a
// reason naming its line, the rest load, and the report shows the physical
// lines and records read.
func TestShortRowSetAside(t *testing.T) {
	path, lines := damagedPipeline(t, func(i int, l string) string {
		if i == 50 {
			return l[:strings.LastIndexByte(l, ',')]
		}
		return l
	})
	q := loadDeals(t, path, nil)
	if q.Fatal != "" {
		t.Fatalf("Fatal: %s", q.Fatal)
	}
	rows := len(lines) - 1
	if q.RowsRead != rows || q.RowsSetAside != 1 || q.RowsAccepted != rows-1 {
		t.Fatalf("read %d accepted %d set aside %d, want %d, %d, 1", q.RowsRead, q.RowsAccepted, q.RowsSetAside, rows, rows-1)
	}
	header := len(strings.Split(lines[0], ","))
	p := q.SetAside[0]
	want := fmt.Sprintf("the record has %d fields where the header has %d", header-1, header)
	if p.Row != 51 || p.Reason != want || p.File != path {
		t.Errorf("set aside %+v, want row 51 in %s: %q", p, path, want)
	}
	if q.Lines != len(lines) || q.Records != len(lines) {
		t.Errorf("lines %d records %d, want %d each", q.Lines, q.Records, len(lines))
	}
}

// TestManyShortRowsFailTheSource: past 1 % of the records with the wrong
// field count the file is not the table its header says, and fails.
func TestManyShortRowsFailTheSource(t *testing.T) {
	path, lines := damagedPipeline(t, func(i int, l string) string {
		if i > 0 && i%50 == 0 { // 2 % of the rows
			return l + ",extra"
		}
		return l
	})
	q := loadDeals(t, path, nil)
	n := (len(lines) - 1) / 50
	if !strings.Contains(q.Fatal, fmt.Sprintf("%d of %d records", n, len(lines)-1)) {
		t.Errorf("Fatal %q, want %d of %d records with the wrong field count", q.Fatal, n, len(lines)-1)
	}
	if got := maxShapeErrors(len(lines) - 1); n <= got {
		t.Fatalf("the test sets aside %d, not above the limit %d", n, got)
	}
}

// TestMaxFieldLinesConfigurable: a real note spanning 5 lines loads by
// default and fails the source when max_field_lines is 3.
func TestMaxFieldLinesConfigurable(t *testing.T) {
	path, lines := damagedPipeline(t, func(i int, l string) string {
		if i == 10 { // the account name becomes a 5-line quoted field
			f := strings.Split(l, ",")
			f[3] = "\"" + f[3] + "\n2\n3\n4\n5\""
			return strings.Join(f, ",")
		}
		return l
	})
	q := loadDeals(t, path, nil)
	if q.Fatal != "" || q.RowsAccepted != len(lines)-1 {
		t.Fatalf("default bounds: fatal %q, accepted %d of %d", q.Fatal, q.RowsAccepted, len(lines)-1)
	}
	if q.Lines != len(lines)+4 || q.Records != len(lines) {
		t.Errorf("lines %d records %d, want %d and %d", q.Lines, q.Records, len(lines)+4, len(lines))
	}
	q = loadDeals(t, path, func(s *Spec) { s.MaxFieldLines = 3 })
	if !strings.Contains(q.Fatal, "line 11") || !strings.Contains(q.Fatal, "runs past 3 lines") {
		t.Errorf("max_field_lines 3: Fatal %q", q.Fatal)
	}
	s := mavenSpecs()[0]
	s.MaxFieldBytes = -1
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "max_field_bytes") {
		t.Errorf("Validate with max_field_bytes -1: %v", err)
	}
}
