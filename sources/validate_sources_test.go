package sources

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// TestDuplicateIDsAcrossSources: a duplicate id names the row and, when it
// is another source's, the file of its first occurrence; the ids of a
// source that failed (and whose rows were dropped) count for nothing.
func TestDuplicateIDsAcrossSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	a := write("a.csv", "id,owner,stage\n1,Ann,won\n2,Ann,won\n")
	b := write("b.csv", "id,owner,stage\n2,Bo,won\n3,Bo,won\nshort\n") // a short record: the source fails
	c := write("c.csv", "id,owner,stage\n3,Cy,won\n1,Cy,won\n4,Cy,won\n4,Cy,won\n")
	ds, err := Load(context.Background(), []Spec{
		{Name: "a", Kind: crm.KindDeals, Path: a}, {Name: "b", Kind: crm.KindDeals, Path: b}, {Name: "c", Kind: crm.KindDeals, Path: c},
	}, Options{Now: fixedNow})
	if err == nil || ds.Quality[1].Fatal == "" || ds.Quality[0].Fatal != "" || ds.Quality[2].Fatal != "" {
		t.Fatalf("want source b alone to fail: %v", err)
	}
	if ds.Quality[0].WarningsTotal != 0 {
		t.Errorf("source a: %+v", ds.Quality[0].Warnings)
	}
	var got []string
	for _, w := range ds.Quality[2].Warnings {
		got = append(got, strings.Join([]string{w.Value, w.Reason}, ": "))
	}
	want := []string{"1: duplicate id: already on row 2 of " + a, "4: duplicate id: already on row 4"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("source c warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
