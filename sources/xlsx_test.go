package sources

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/xuri/excelize/v2"
)

// readAllXLSX opens a sheet or table and returns every record with its row
// number, copying the records since the reader may reuse them.
func readAllXLSX(t *testing.T, path, sheet, table string) ([][]string, []int, sheetInfo) {
	t.Helper()
	r, info, err := openXLSX(path, sheet, table)
	if err != nil {
		t.Fatalf("openXLSX(%q, %q): %v", sheet, table, err)
	}
	defer r.Close()
	var recs [][]string
	var nums []int
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next after row %d: %v", r.Row(), err)
		}
		recs = append(recs, slices.Clone(rec))
		nums = append(nums, r.Row())
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next after the end = %v, want io.EOF", err)
	}
	return recs, nums, info
}

// saveBook writes a workbook built with excelize into a temp file.
func saveBook(t *testing.T, build func(f *excelize.File)) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestXLSXHeaderBelowTitleRows(t *testing.T) {
	path := saveBook(t, func(f *excelize.File) {
		must(t, f.SetSheetName("Sheet1", "Deals"))
		must(t, f.SetCellValue("Deals", "A1", "Pipeline export — Q4"))
		must(t, f.SetSheetRow("Deals", "A3", &[]any{"id", "owner", "amount"}))
		must(t, f.SetSheetRow("Deals", "A4", &[]any{"D-1", "Zoë Núñez", 43000.5}))
		must(t, f.SetSheetRow("Deals", "A5", &[]any{"D-2", nil, 12}))
		must(t, f.SetCellValue("Deals", "C6", 7)) // a row with only its third cell
	})
	recs, nums, info := readAllXLSX(t, path, "", "")
	if !info.Serials || info.Sheet != "Deals" || info.Date1904 {
		t.Errorf("info = %+v", info)
	}
	// excelize stops on every row number, including the blank row 2 that is
	// missing from the XML; the caller skips blank records.
	want := [][]string{{"Pipeline export — Q4"}, nil, {"id", "owner", "amount"}, {"D-1", "Zoë Núñez", "43000.5"}, {"D-2", "", "12"}, {"", "", "7"}}
	if len(recs) != len(want) {
		t.Fatalf("got %d records %q, want %d", len(recs), recs, len(want))
	}
	for i := range want {
		if !slices.Equal(recs[i], want[i]) {
			t.Errorf("record %d = %q, want %q", i, recs[i], want[i])
		}
		if nums[i] != i+1 {
			t.Errorf("record %d: Row() = %d, want %d", i, nums[i], i+1)
		}
	}
}

func TestXLSXDateSystems(t *testing.T) {
	days := []time.Time{
		time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 17, 45, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	for _, date1904 := range []bool{false, true} {
		t.Run("1904="+strconv.FormatBool(date1904), func(t *testing.T) {
			path := saveBook(t, func(f *excelize.File) {
				must(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
				for i, d := range days {
					must(t, f.SetCellValue("Sheet1", "A"+strconv.Itoa(i+1), d))
				}
			})
			recs, _, info := readAllXLSX(t, path, "1", "")
			if info.Date1904 != date1904 {
				t.Fatalf("Date1904 = %v, want %v", info.Date1904, date1904)
			}
			for i, d := range days {
				raw := recs[i][0]
				serial, err := strconv.ParseFloat(raw, 64)
				if err != nil {
					t.Fatalf("row %d: raw value %q is not a serial: %v", i+1, raw, err)
				}
				got, ok := excelSerialDay(serial, info.Date1904)
				if !ok || got != crm.DayOf(d) {
					t.Errorf("row %d: serial %s read as %v, want %v", i+1, raw, got, crm.DayOf(d))
				}
			}
		})
	}
}

func TestExcelSerialDay(t *testing.T) {
	day := func(y int, m time.Month, d int) crm.Day { return crm.DayFromDate(y, m, d) }
	tests := []struct {
		serial   float64
		date1904 bool
		want     crm.Day
		ok       bool
	}{
		{1, false, day(1900, 1, 1), true},
		{59, false, day(1900, 2, 28), true},
		{60, false, crm.NoDay, false}, // Lotus's 1900-02-29
		{61, false, day(1900, 3, 1), true},
		{42795, false, day(2017, 3, 1), true},
		{42795.999, false, day(2017, 3, 1), true},
		{42795.99999999999, false, day(2017, 3, 2), true}, // midnight, stored a hair short
		{2958465, false, day(9999, 12, 31), true},
		{2958466, false, crm.NoDay, false},
		{0.5, false, crm.NoDay, false}, // a time of day alone
		{-1, false, crm.NoDay, false},
		{0, true, day(1904, 1, 1), true},
		{41333, true, day(2017, 3, 1), true},
		{2957003, true, day(9999, 12, 31), true},
		{2957004, true, crm.NoDay, false},
	}
	for _, tt := range tests {
		got, ok := excelSerialDay(tt.serial, tt.date1904)
		if got != tt.want || ok != tt.ok {
			t.Errorf("excelSerialDay(%v, %v) = %v, %v; want %v, %v", tt.serial, tt.date1904, got, ok, tt.want, tt.ok)
		}
	}
}

// zipBook writes a workbook from hand-written parts, for what excelize does
// not write itself: shared strings, cached formula values, totals rows.
func zipBook(t *testing.T, parts map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hand.xlsx")
	fh, err := os.Create(path)
	must(t, err)
	zw := zip.NewWriter(fh)
	names := make([]string, 0, len(parts))
	for name := range parts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w, err := zw.Create(name)
		must(t, err)
		_, err = io.WriteString(w, parts[name])
		must(t, err)
	}
	must(t, zw.Close())
	must(t, fh.Close())
	return path
}

const (
	nsMain = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	nsRel  = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	relNS  = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
)

// handBook is a two-sheet workbook as Excel writes it: shared strings,
// formulas with cached values, an inline string, sparse cells, and a table
// with a totals row in the middle of other content on the second sheet.
func handBook(t *testing.T) string {
	return zipBook(t, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
			`<Override PartName="/xl/tables/table1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relNS + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><workbook ` + nsMain + ` ` + nsRel + `><workbookPr date1904="1"/><sheets>` +
			`<sheet name="Summary" sheetId="1" r:id="rId1"/><sheet name="Data" sheetId="2" r:id="rId2"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relNS + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + relNS + `/worksheet" Target="/xl/worksheets/sheet2.xml"/>` +
			`<Relationship Id="rId3" Type="` + relNS + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8"?><sst ` + nsMain + ` count="6" uniqueCount="6">` +
			`<si><t>owner</t></si><si><t>amount</t></si><si><t>François Müller</t></si><si><r><t>Ana </t></r><r><t>Núñez</t></r></si><si><t>Total</t></si><si><t>note</t></si></sst>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + nsMain + `><sheetData>` +
			`<row r="1"><c r="A1" t="s"><v>4</v></c></row></sheetData></worksheet>`,
		// Data: a note at A1, the table at B3:C6 (header, two rows, totals),
		// content right of it at E4, and below it at B9; rows 10-12 blank.
		"xl/worksheets/sheet2.xml": `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + nsMain + ` ` + nsRel + `><sheetData>` +
			`<row r="1"><c r="A1" t="inlineStr"><is><t>Exported by hand</t></is></c></row>` +
			`<row r="3"><c r="B3" t="s"><v>0</v></c><c r="C3" t="s"><v>1</v></c></row>` +
			`<row r="4"><c r="B4" t="s"><v>2</v></c><c r="C4"><v>1200.5</v></c><c r="E4" t="s"><v>5</v></c></row>` +
			`<row r="5"><c r="B5" t="s"><v>3</v></c><c r="C5"><f>C4*2</f><v>2401</v></c></row>` +
			`<row r="6"><c r="B6" t="s"><v>4</v></c><c r="C6"><f>SUBTOTAL(109,C4:C5)</f><v>3601.5</v></c></row>` +
			`<row r="9"><c r="B9" t="str"><f>"after"</f><v>after</v></c><c r="C9" t="b"><v>1</v></c></row>` +
			`<row r="10" ht="20" customHeight="1"/><row r="11" ht="20" customHeight="1"/><row r="12" s="1"/>` +
			`</sheetData><tableParts count="1"><tablePart r:id="rId7"/></tableParts></worksheet>`,
		"xl/worksheets/_rels/sheet2.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId7" Type="` + relNS + `/table" Target="../tables/table1.xml"/></Relationships>`,
		"xl/tables/table1.xml": `<?xml version="1.0" encoding="UTF-8"?><table ` + nsMain + ` id="1" name="Table1" displayName="Deals" ref="B3:C6" totalsRowCount="1">` +
			`<tableColumns count="2"><tableColumn id="1" name="owner"/><tableColumn id="2" name="amount"/></tableColumns></table>`,
	})
}

func TestXLSXHandWrittenWorkbook(t *testing.T) {
	path := handBook(t)
	t.Run("sheet by name", func(t *testing.T) {
		recs, nums, info := readAllXLSX(t, path, "data", "")
		if info.Sheet != "Data" || !info.Date1904 {
			t.Errorf("info = %+v", info)
		}
		byRow := map[int][]string{}
		for i, n := range nums {
			byRow[n] = recs[i]
		}
		checks := map[int][]string{
			1: {"Exported by hand"},
			3: {"", "owner", "amount"},
			4: {"", "François Müller", "1200.5", "", "note"},
			5: {"", "Ana Núñez", "2401"},
			9: {"", "after", "1"},
		}
		for row, want := range checks {
			if !slices.Equal(byRow[row], want) {
				t.Errorf("row %d = %q, want %q", row, byRow[row], want)
			}
		}
		// Trailing blank rows come as blank records, then the stream ends.
		if last := nums[len(nums)-1]; last != 12 {
			t.Errorf("last row = %d, want 12", last)
		}
		for i, n := range nums {
			if n != i+1 {
				t.Fatalf("row numbers %v are not consecutive from 1", nums)
			}
		}
	})
	t.Run("table", func(t *testing.T) {
		for _, sheet := range []string{"", "Data", "2"} {
			recs, nums, info := readAllXLSX(t, path, sheet, "deals")
			want := [][]string{{"owner", "amount"}, {"François Müller", "1200.5"}, {"Ana Núñez", "2401"}}
			if info.Sheet != "Data" || !slices.EqualFunc(recs, want, slices.Equal) || !slices.Equal(nums, []int{3, 4, 5}) {
				t.Errorf("sheet %q: table read as %q at rows %v on %q, want %q at rows 3-5 on Data", sheet, recs, nums, info.Sheet, want)
			}
		}
	})
	t.Run("first sheet by default", func(t *testing.T) {
		recs, _, info := readAllXLSX(t, path, "", "")
		if info.Sheet != "Summary" || len(recs) != 1 || !slices.Equal(recs[0], []string{"Total"}) {
			t.Errorf("default sheet %q read as %q", info.Sheet, recs)
		}
	})
}

func TestXLSXExcelizeTable(t *testing.T) {
	path := saveBook(t, func(f *excelize.File) {
		must(t, f.SetCellValue("Sheet1", "A1", "title"))
		must(t, f.SetSheetRow("Sheet1", "C4", &[]any{"id", "owner", "amount"}))
		must(t, f.SetSheetRow("Sheet1", "C5", &[]any{"D-1", "Li", 10}))
		must(t, f.SetSheetRow("Sheet1", "C6", &[]any{"D-2", nil, 20}))
		must(t, f.SetSheetRow("Sheet1", "A6", &[]any{"left"}))
		must(t, f.SetSheetRow("Sheet1", "G5", &[]any{"right"}))
		must(t, f.SetCellValue("Sheet1", "C9", "below"))
		must(t, f.AddTable("Sheet1", &excelize.Table{Range: "C4:E6", Name: "Pipeline"}))
		_, err := f.NewSheet("Other")
		must(t, err)
	})
	recs, nums, _ := readAllXLSX(t, path, "", "Pipeline")
	want := [][]string{{"id", "owner", "amount"}, {"D-1", "Li", "10"}, {"D-2", "", "20"}}
	if !slices.EqualFunc(recs, want, slices.Equal) || !slices.Equal(nums, []int{4, 5, 6}) {
		t.Errorf("table read as %q at rows %v, want %q at rows 4-6", recs, nums, want)
	}
	// A table looked for on the wrong sheet is not found, and the error says
	// which tables there are.
	_, _, err := openXLSX(path, "Other", "Pipeline")
	if err == nil || !strings.Contains(err.Error(), `no table "Pipeline" in sheet "Other"`) {
		t.Errorf("table on the wrong sheet: err = %v", err)
	}
	_, _, err = openXLSX(path, "", "Deals")
	if err == nil || !strings.Contains(err.Error(), `"Pipeline" on sheet "Sheet1"`) {
		t.Errorf("missing table: err = %v, want the tables found listed", err)
	}
}

func TestXLSXSheetChoice(t *testing.T) {
	path := saveBook(t, func(f *excelize.File) {
		for i, name := range []string{"People", "Deals", "3"} {
			if i == 0 {
				must(t, f.SetSheetName("Sheet1", name))
			} else {
				_, err := f.NewSheet(name)
				must(t, err)
			}
			must(t, f.SetCellValue(name, "A1", "sheet "+name))
		}
	})
	for _, tt := range []struct{ ref, want string }{
		{"", "People"}, {"1", "People"}, {"2", "Deals"}, {"deals", "Deals"}, {" Deals ", "Deals"},
		{"3", "3"}, // a sheet named "3" wins over the third sheet (which is also it)
	} {
		recs, _, info := readAllXLSX(t, path, tt.ref, "")
		if info.Sheet != tt.want || recs[0][0] != "sheet "+tt.want {
			t.Errorf("sheet %q opened %q (%q), want %q", tt.ref, info.Sheet, recs, tt.want)
		}
	}
	for _, ref := range []string{"4", "0", "Leads"} {
		_, _, err := openXLSX(path, ref, "")
		if err == nil || !strings.Contains(err.Error(), `sheets found: 1 "People", 2 "Deals", 3 "3"`) {
			t.Errorf("sheet %q: err = %v, want the sheets found listed", ref, err)
		}
	}
}

func TestXLSXNotAWorkbook(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, data, 0o644))
		return p
	}
	encrypted := filepath.Join(dir, "secret.xlsx")
	f := excelize.NewFile()
	must(t, f.SetCellValue("Sheet1", "A1", "secret"))
	must(t, f.SaveAs(encrypted, excelize.Options{Password: "s3cret"}))
	must(t, f.Close())

	legacy, err := os.ReadFile("testdata/xlsx/legacy.xls")
	must(t, err)
	zipOfText := zipBook(t, map[string]string{"readme.txt": "not a workbook"})

	tests := []struct {
		name string
		path string
		want error  // a sentinel, or nil
		msg  string // a substring of the message
	}{
		{"empty", write("empty.xlsx", nil), errXLSXEmpty, "empty file"},
		{"renamed CSV", write("deals.xlsx", []byte("id;owner;amount\nD-1;Li;1.234,56\n")), errXLSXNotZip, "not a zip file"},
		{"binary junk", write("junk.xlsx", []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 3, 4}), errXLSXNotZip, "not a zip file"},
		{"short", write("short.xlsx", []byte("P")), errXLSXNotZip, "not a zip file"},
		{"truncated zip", write("cut.xlsx", []byte("PK\x03\x04 and then nothing")), nil, "not an XLSX workbook (damaged zip file)"},
		{"encrypted", encrypted, errXLSXPassword, "password-protected"},
		{"legacy xls", write("old.xlsx", legacy), errXLSXLegacyXLS, "save it as .xlsx"},
		{"OLE junk", write("ole.xlsx", append(slices.Clone(oleMagic), make([]byte, 600)...)), errXLSXOLE, "OLE compound file"},
		{"zip without workbook", zipOfText, nil, "not an XLSX workbook"},
		{"missing file", filepath.Join(dir, "nope.xlsx"), os.ErrNotExist, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, err := openXLSX(tt.path, "", "")
			if err == nil {
				r.Close()
				t.Fatal("opened without error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to say %q", err, tt.msg)
			}
		})
	}
}
