package sources

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/crmdigest/crmdigest/demo"
)

// TestDemoWorkbookHeaders checks that the demo workbook's sheets carry the
// canonical headers, read through openXLSX, so the canonical preset reads
// it as is.
func TestDemoWorkbookHeaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.xlsx")
	if err := demo.Generate(path, demo.Options{Reps: 4, Years: 1}); err != nil {
		t.Fatal(err)
	}
	for i, name := range demo.SheetNames {
		kind := demo.SheetKinds[i]
		if !slices.Equal(demo.Columns(kind), Fields[kind]) {
			t.Errorf("demo %s columns %q, canonical fields %q", kind, demo.Columns(kind), Fields[kind])
		}
		r, info, err := openXLSX(path, name, "")
		if err != nil {
			t.Fatal(err)
		}
		header, err := r.Next()
		if err != nil || !slices.Equal(header, Fields[kind]) {
			t.Errorf("sheet %s header %q (%v), want %q", name, header, err, Fields[kind])
		}
		n := 0
		for ; err == nil; n++ {
			_, err = r.Next()
		}
		r.Close()
		if err != io.EOF || n < 2 || info.Date1904 {
			t.Errorf("sheet %s: %d records, end %v, 1904 %v", name, n, err, info.Date1904)
		}
	}
}

// TestWorkbookOpenedOncePerLoad loads every sheet of a demo workbook as
// its own source: the workbook is opened once, and every sheet is read
// (sheet rows and records counted).
func TestWorkbookOpenedOncePerLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.xlsx")
	if err := demo.Generate(path, demo.Options{Reps: 4, Years: 1}); err != nil {
		t.Fatal(err)
	}
	var specs []Spec
	for i, name := range demo.SheetNames {
		specs = append(specs, Spec{Name: name, Kind: demo.SheetKinds[i], Preset: "crmdigest", Path: path, Sheet: name})
	}
	before := workbooksOpened.Load()
	ds, err := Load(context.Background(), specs, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if n := workbooksOpened.Load() - before; n != 1 {
		t.Errorf("the workbook was opened %d times for %d sources, want once", n, len(specs))
	}
	for _, q := range ds.Quality {
		if q.RowsAccepted == 0 || q.Records != q.RowsRead+1 || q.Lines != q.Records {
			t.Errorf("sheet %s: %d accepted, %d records, %d rows read, %d sheet rows", q.Sheet, q.RowsAccepted, q.Records, q.RowsRead, q.Lines)
		}
	}
}
