package sources

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readSheetXML reads a worksheet part's records with the one-pass cell
// reader on or off, through a reader that hands out chunk bytes at a time
// (0: all it can), and writes every record, error, row and count as text.
func readSheetXML(data []byte, quick bool, chunk int, table bool) string {
	defer func(was bool) { quickCells = was }(quickCells)
	quickCells = quick
	var in io.Reader = bytes.NewReader(data)
	switch chunk {
	case 1:
		in = iotest.OneByteReader(in)
	case 2:
		in = iotest.HalfReader(in)
	}
	r := &xlsxRows{sc: newXMLScanner(in, "sheet.xml"), sst: []string{"s0", "", "Zoë"}, first: 1, last: -1}
	if table {
		r.first, r.last, r.col0, r.col1 = 2, 50, 2, 4
	}
	var b strings.Builder
	if err := r.findSheetData(); err != nil {
		return "findSheetData: " + err.Error()
	}
	for range 10000 {
		rec, err := r.Next()
		lines, records := r.Counts()
		fmt.Fprintf(&b, "%q %v row %d counts %d %d\n", rec, err, r.Row(), lines, records)
		if err != nil {
			break
		}
	}
	return b.String()
}

var quickCellSeeds = []string{
	`<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="s"><v>2</v></c><c r="C1" s="1"><v>45321</v></c><c r="E1" s="1"/></row>`,
	`<row r="2"><c r="A2" t="inlineStr"><is><t>Li_x0020_Wei_x005F_x</t></is></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>9</v></c></row>`,
	`<row r="3"><c r="B3" t="s"><v> 0 </v></c><c r="A3"><v>1</v></c></row>`,
	`<row r="4"><c r="A4" t="str"><v>a &amp; b</v></c><c r="B4" t="n"><v>Zoë</v></c><c r="C4" t="inlineStr"><is><t>bad ` + "\xff" + `</t></is></c></row>`,
	`<row r="5"><c r="A5" s="1" t="e"><v>#N/A</v></c><c r="b5"><v>2</v></c><c r="C5" x="1"><v>3</v></c><c r="D5"><v>` + "\r\n" + `</v></c></row>`,
	`<row r="6"><c r="A6" t="inlineStr"><is><r><t>a</t></r></is></c><c r="B6"><f>1+1</f><v>2</v></c><c r="C6" t="inlineStr"><v>x_x0041_</v></c><c r="D6" t="n"><is><t>y_x0041_</t></is></c></row>`,
	`<row r="7"><c r="XFE7"><v>1</v></c></row><row r="8"><c r="A8"><v></v></c><c r="B8" t="s"><v></v></c><c r="C8" t="s"><v>1</v></c><c r="D8"><v>1</v></c></row>`,
	`<row r="9"><c r="A9"><v>1</v></c><c r="B0"><v>1</v></c></row>`,
	`<row r="10"><c r="AAAA10"><v>1</v></c><c r="A10" r="B10"><v>1</v></c><c s="1"><v>2</v></c><c r="Z10"  s="1"><v>3</v></c></row>`,
	`<row r="11"><c r="A11"><v>1</v></c >` + "\n" + `<c r="C11" ><v>1</v></c><c r="D11"/ ><c r="E11" t="inlineStr"><is><t></t></is></c></row>`,
}

// TestQuickCellMatchesGeneral reads sheets of every form the one-pass cell
// reader takes or must leave alone, cut into chunks of every size, both
// ways; the records, errors, rows and counts must be the same.
func TestQuickCellMatchesGeneral(t *testing.T) {
	for _, rows := range quickCellSeeds {
		data := []byte(sheetXML(rows))
		for _, table := range []bool{false, true} {
			for chunk := range 3 {
				if got, want := readSheetXML(data, true, chunk, table), readSheetXML(data, false, chunk, table); got != want {
					t.Errorf("%s (chunk %d, table %v):\none pass:\n%s\ngeneral:\n%s", rows, chunk, table, got, want)
				}
			}
		}
	}
	// The one-pass reader does take the common forms.
	var taken int
	r := &xlsxRows{sc: newXMLScanner(strings.NewReader(sheetXML(quickCellSeeds[0])), "sheet.xml"), sst: []string{"s0", "", "Zoë"}, first: 1, last: -1}
	must(t, r.findSheetData())
	if _, err := r.nextRow(); err != nil {
		t.Fatal(err)
	}
	rec, col, text := []string(nil), 0, 0
	for {
		rec2, c, n, ok := r.quickCell(rec, col, text)
		if !ok {
			break
		}
		rec, col, text = rec2, c, text+n
		taken++
	}
	if taken != 4 || col != 5 || !r.quickRowEnd() {
		t.Fatalf("the one-pass reader took %d cells up to column %d of the first seed, want 4 up to 5 and the row's end", taken, col)
	}
}

// FuzzQuickCell checks the one-pass cell reader against the general path
// on arbitrary worksheet XML: records, errors, rows and counts must be the
// same, whole or cut into small reads.
// Run it with: go test ./sources -run '^$' -fuzz FuzzQuickCell -fuzztime 60s
func FuzzQuickCell(f *testing.F) {
	for _, rows := range quickCellSeeds {
		f.Add([]byte(sheetXML(rows)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, table := range []bool{false, true} {
			for _, chunk := range []int{0, 2} {
				if got, want := readSheetXML(data, true, chunk, table), readSheetXML(data, false, chunk, table); got != want {
					t.Fatalf("%q (chunk %d, table %v):\none pass:\n%s\ngeneral:\n%s", data, chunk, table, got, want)
				}
			}
		}
	})
}
