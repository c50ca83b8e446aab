package sources

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/xuri/excelize/v2"
)

// TestLoadWorkbook reads deals from a workbook end to end: a title row
// above the headers, real date cells (serials), numbers, a text date and a
// blank cell.
func TestLoadWorkbook(t *testing.T) {
	f := excelize.NewFile()
	sh := "deals"
	f.SetSheetName("Sheet1", sh)
	rows := [][]any{
		{"Pipeline as of today"},
		{"id", "owner", "stage", "created", "closed", "amount", "probability"},
		{"D1", "Ann", "won", time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2017, 4, 2, 15, 30, 0, 0, time.UTC), 1234.5, 1},
		{"D2", "Bob", "open", "25/03/2017", nil, 99, 0.25},
		{"D3", "Bob", "lost", "not a date", nil, 0, nil},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	ds, q, err := loadOne(t, Spec{Kind: crm.KindDeals, Path: path, Sheet: "deals"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if q.RowsRead != 3 || q.RowsAccepted != 2 || q.RowsSetAside != 1 || q.Sheet != "deals" {
		t.Fatalf("%+v", q)
	}
	if p := q.SetAside[0]; p.Row != 5 || p.Column != "created" || p.Sheet != "deals" {
		t.Errorf("problem %+v", p)
	}
	d1, d2 := ds.Deals[0], ds.Deals[1]
	if d1.Created.String() != "2017-03-01" || d1.Closed.String() != "2017-04-02" || d1.Amount != 1234.5 || d1.Probability != 1 {
		t.Errorf("D1 %+v", d1)
	}
	if d2.Created.String() != "2017-03-25" || d2.Closed.Valid() || d2.Probability != 0.25 {
		t.Errorf("D2 %+v", d2)
	}
}
