package sources

import (
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
