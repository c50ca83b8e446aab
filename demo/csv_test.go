package demo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/demo"
	"github.com/crmdigest/crmdigest/sources"
)

// TestCSVMatchesWorkbook checks that the streamed CSV files hold exactly
// the rows of the workbook's sheets: both are read with sources.Load (the
// canonical preset) and the datasets compared, row by row and name table
// by name table. (Ids of seven digits and more: TestIDWriter.)
func TestCSVMatchesWorkbook(t *testing.T) {
	cases := []demo.Options{
		{},
		{Reps: 3, Years: 1, Seed: 5},
		{Reps: 40, Years: 2, Seed: 3, End: crm.DayFromDate(2025, time.March, 14)},
	}
	for _, o := range cases {
		t.Run(fmt.Sprintf("reps%d-years%d-seed%d", o.Reps, o.Years, o.Seed), func(t *testing.T) {
			dir := t.TempDir()
			end := o.End
			if end == 0 {
				end = demo.DefaultEnd
			}
			book := filepath.Join(dir, "demo.xlsx")
			if err := demo.Generate(book, o); err != nil {
				t.Fatal(err)
			}
			counts, err := demo.GenerateCSV(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			var fromBook, fromCSV []sources.Spec
			for i, name := range demo.SheetNames {
				k := demo.SheetKinds[i]
				fromBook = append(fromBook, sources.Spec{Name: name, Kind: k, Preset: "crmdigest", Path: book, Sheet: name})
				fromCSV = append(fromCSV, sources.Spec{Name: name, Kind: k, Preset: "crmdigest", Path: filepath.Join(dir, demo.CSVName(name, end))})
			}
			paris, err := time.LoadLocation("Europe/Paris")
			if err != nil {
				t.Fatal(err)
			}
			opts := sources.Options{Location: paris, Currency: "EUR", Now: func() time.Time { return end.Time().Add(72 * time.Hour) }}
			want, err := sources.Load(context.Background(), fromBook, opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sources.Load(context.Background(), fromCSV, opts)
			if err != nil {
				t.Fatal(err)
			}
			for i, q := range got.Quality {
				if q.RowsRead == 0 || q.RowsAccepted != q.RowsRead || q.RowsRead != want.Quality[i].RowsRead {
					t.Errorf("%s: CSV %d rows read, %d accepted; workbook %d read", q.Name, q.RowsRead, q.RowsAccepted, want.Quality[i].RowsRead)
				}
			}
			compare(t, "people", want.People, got.People)
			compare(t, "deals", want.Deals, got.Deals)
			compare(t, "activities", want.Activities, got.Activities)
			compare(t, "leads", want.Leads, got.Leads)
			compare(t, "invoices", want.Invoices, got.Invoices)
			compare(t, "targets", want.Targets, got.Targets)
			for _, n := range []struct {
				name      string
				want, got *crm.Names
			}{{"owners", want.Owners, got.Owners}, {"accounts", want.Accounts, got.Accounts}, {"products", want.Products, got.Products},
				{"stages", want.Stages, got.Stages}, {"currencies", want.Currencies, got.Currencies}} {
				if !reflect.DeepEqual(n.want, n.got) {
					t.Errorf("%s: name tables differ", n.name)
				}
			}
			if !reflect.DeepEqual(want.Fields, got.Fields) || !reflect.DeepEqual(want.StageKinds, got.StageKinds) {
				t.Errorf("fields or stage kinds differ: %v %v / %v %v", want.Fields, want.StageKinds, got.Fields, got.StageKinds)
			}
			wantCounts := demo.CSVCounts{People: len(want.People), Deals: len(want.Deals), Activities: len(want.Activities),
				Leads: len(want.Leads), Invoices: len(want.Invoices), Targets: len(want.Targets)}
			if counts != wantCounts {
				t.Errorf("GenerateCSV counted %+v, the workbook holds %+v", counts, wantCounts)
			}
			cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range demo.SheetNames {
				if !strings.Contains(string(cfg), fmt.Sprintf("{name: %s, kind: %s, preset: crmdigest, path: %s}", name, demo.SheetKinds[i], demo.CSVName(name, end))) {
					t.Errorf("config.yaml does not read %s:\n%s", demo.CSVName(name, end), cfg)
				}
			}
		})
	}
}

// compare reports the first rows that differ, and a difference in count.
func compare[T any](t *testing.T, what string, want, got []T) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: workbook %d rows, CSV %d", what, len(want), len(got))
	}
	bad := 0
	for i := range min(len(want), len(got)) {
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Errorf("%s row %d:\nworkbook %+v\nCSV      %+v", what, i, want[i], got[i])
			if bad++; bad == 3 {
				return
			}
		}
	}
}
