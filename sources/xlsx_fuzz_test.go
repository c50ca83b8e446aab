package sources

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

var updateXLSXCorpus = flag.Bool("update-xlsx-corpus", false, "rewrite testdata/xlsx/hand.xlsx and the FuzzReadXLSX seed corpus")

// FuzzReadXLSX feeds arbitrary bytes as an .xlsx file: whatever they are,
// reading them must end in records or in an error, never in a panic.
// Run it with: go test ./sources -run '^$' -fuzz FuzzReadXLSX -fuzztime 60s
func FuzzReadXLSX(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("id,owner\n1,Li\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.xlsx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"", "Deals"} {
			r, _, err := openXLSX(path, "", table)
			if err != nil {
				continue
			}
			for range 10000 {
				if _, err := r.Next(); err != nil {
					break
				}
			}
			r.Close()
		}
	})
}

// TestWriteXLSXCorpus regenerates the committed workbooks and the fuzz seed
// corpus when run with -update-xlsx-corpus.
func TestWriteXLSXCorpus(t *testing.T) {
	if !*updateXLSXCorpus {
		t.Skip("run with -update-xlsx-corpus to rewrite the files")
	}
	hand, err := os.ReadFile(handBook(t))
	must(t, err)
	must(t, os.WriteFile("testdata/xlsx/hand.xlsx", hand, 0o644))

	var small bytes.Buffer
	f := excelize.NewFile()
	must(t, f.SetSheetRow("Sheet1", "B2", &[]any{"id", "owner", "amount"}))
	must(t, f.SetSheetRow("Sheet1", "B3", &[]any{"D-1", "Zoë", 12.5}))
	must(t, f.AddTable("Sheet1", &excelize.Table{Range: "B2:D3", Name: "Deals"}))
	must(t, f.Write(&small))
	must(t, f.Close())

	legacy, err := os.ReadFile("testdata/xlsx/legacy.xls")
	must(t, err)
	seeds := map[string][]byte{
		"hand":    hand,
		"table":   small.Bytes(),
		"legacy":  legacy,
		"ole":     append(append([]byte{}, oleMagic...), make([]byte, 512)...),
		"zipjunk": []byte("PK\x03\x04\x14\x00\x00\x00"),
	}
	dir := "testdata/fuzz/FuzzReadXLSX"
	must(t, os.MkdirAll(dir, 0o755))
	for name, data := range seeds {
		var b bytes.Buffer
		fmt.Fprintf(&b, "go test fuzz v1\n[]byte(%q)\n", data)
		must(t, os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644))
	}
}

// FuzzXLSXSheetXML feeds arbitrary bytes as a worksheet part, straight to
// the row reader (FuzzReadXLSX mostly exercises the zip): it must end in
// records or an error, never in a panic or a loop without progress.
// Run it with: go test ./sources -run '^$' -fuzz FuzzXLSXSheetXML -fuzztime 60s
func FuzzXLSXSheetXML(f *testing.F) {
	for _, rows := range []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c></row><row r="3"/>`,
		`<row><c><v>1</v></c><c t="str"><v>a &amp; b &#65; <![CDATA[x]]></v></c></row>`,
		`<x:row r='2'><x:c r='B2' t='b'><x:v>1</x:v></x:c><x:c r="D2"/></x:row>`,
	} {
		f.Add([]byte(sheetXML(rows)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, table := range []bool{false, true} {
			r := &xlsxRows{sc: newXMLScanner(bytes.NewReader(data), "sheet.xml"), sst: []string{"s0", "s1"}, first: 1, last: -1}
			if table {
				r.first, r.last, r.col0, r.col1 = 2, 5, 2, 3
			}
			if err := r.findSheetData(); err != nil {
				continue
			}
			for range 10000 {
				rec, err := r.Next()
				if err != nil {
					break
				}
				if table && len(rec) != 2 {
					t.Fatalf("table record %q is not 2 wide", rec)
				}
			}
		}
	})
}
