package sources

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// oneSheetBook writes a workbook with one sheet "S" whose worksheet part
// is sheetXML and whose shared strings are sst (no part when "").
func oneSheetBook(t *testing.T, sheetXML, sst string) string {
	t.Helper()
	parts := map[string]string{
		"_rels/.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relNS + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<workbook ` + nsMain + ` ` + nsRel + `><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relNS + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + relNS + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": sheetXML,
	}
	if sst != "" {
		parts["xl/sharedStrings.xml"] = sst
	}
	return zipBook(t, parts)
}

// sheetXML wraps rows in a worksheet part.
func sheetXML(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet ` + nsMain + `><dimension ref="A1:F9"/><sheetData>` + rows + `</sheetData></worksheet>`
}

// byRow reads a whole sheet into a map from row number to record; blank
// records are left out.
func byRow(t *testing.T, path string) map[int][]string {
	t.Helper()
	recs, nums, _ := readAllXLSX(t, path, "", "")
	m := map[int][]string{}
	for i, rec := range recs {
		if len(rec) > 0 {
			m[nums[i]] = rec
		}
	}
	return m
}

func TestXLSXScannerCells(t *testing.T) {
	const sst = `<sst ` + nsMain + ` count="5" uniqueCount="5">` +
		`<si><t>plain</t></si>` +
		`<si><r><rPr><b/></rPr><t xml:space="preserve">bold </t></r><r><t>&amp; rest</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>` +
		`<si/>` +
		`<si><t>one_x000D_` + "\n" + `two _x005F_x0041_</t></si>` +
		`<si><t><![CDATA[a <b> & c]]></t></si></sst>`
	tests := []struct {
		name string
		rows string
		want map[int][]string
	}{
		{"shared strings, rich text, escapes",
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v> 3 </v></c><c r="E1" t="s"><v>4</v></c></row>`,
			map[int][]string{1: {"plain", "bold & rest", "", "one\r\ntwo _x0041_", "a <b> & c"}}},
		{"self-closing and styled empty cells",
			`<row r="1"><c r="A1"/><c r="B1" s="3"/><c r="C1" s="2"><v>7</v></c><c r="D1" t="s"/></row>`,
			map[int][]string{1: {"", "", "7"}}},
		{"attributes in any order, either quote, spaces around =",
			`<row r='2' spans="1:3"><c t='inlineStr' r='B2' s="1"><is><t>x</t></is></c><c s = "1"  r = "C2" ><v>2.5</v></c></row>`,
			map[int][]string{2: {"", "x", "2.5"}}},
		{"entities and character references",
			`<row r="1"><c r="A1" t="str"><v>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42;&#xe9;&#x1F600;</v></c></row>`,
			map[int][]string{1: {`a & b <c> "d" 'e' ABé😀`}}},
		{"line ends are normalised, references kept",
			"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a&#13;&#10;b\r\nc\rd</t></is></c></row>",
			map[int][]string{1: {"a\r\nb\nc\nd"}}},
		{"inline rich text and phonetic runs",
			`<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><sz val="11"/></rPr><t>Ana </t></r><r><t xml:space="preserve">Núñez </t></r><rPh sb="0" eb="3"><t>ANA</t></rPh><phoneticPr fontId="1"/></is></c></row>`,
			map[int][]string{1: {"Ana Núñez "}}},
		{"CDATA in a value",
			`<row r="1"><c r="A1" t="str"><v><![CDATA[x<y & ]]>z&amp;</v></c></row>`,
			map[int][]string{1: {"x<y & z&"}}},
		{"cells and rows without r",
			`<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row><row r="3"><c r="B3"><v>b</v></c></row><row><c><v>4</v></c></row>`,
			map[int][]string{1: {"1", "2", "", "", "5", "6"}, 3: {"", "b"}, 4: {"4"}}},
		{"types read raw",
			`<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><v>#N/A</v></c><c r="C1" t="d"><v>2024-02-29T00:00:00Z</v></c><c r="D1" t="n"><v>1.5E-3</v></c><c r="E1"><f>1/3</f><v>0.33333333333333331</v></c><c r="F1"><f>A1</f></c></row>`,
			map[int][]string{1: {"1", "#N/A", "2024-02-29T00:00:00Z", "1.5E-3", "0.33333333333333331"}}},
		{"comments, processing instructions, pretty-printing",
			"<!-- before -->\n  <row r=\"1\">\n    <?pi stuff?>\n    <c r=\"A1\" t=\"inlineStr\">\n      <is><t>v</t></is>\n    </c>\n    <!-- a <c> in a comment -->\n    <c r=\"B1\"><v>1</v></c>\n  </row>\n",
			map[int][]string{1: {"v", "1"}}},
		{"lower-case and absolute cell references",
			`<row r="1"><c r="b1"><v>1</v></c><c r="AA1"><v>27</v></c></row>`,
			map[int][]string{1: append(append([]string{"", "1"}, make([]string, 24)...), "27")}},
		{"a '>' inside an attribute value",
			`<row r="1" x:note="a>b" xmlns:x="urn:x"><c r="A1" t="str" x:note='c>d'><v>ok</v></c></row>`,
			map[int][]string{1: {"ok"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := byRow(t, oneSheetBook(t, sheetXML(tt.rows), sst))
			if len(got) != len(tt.want) {
				t.Errorf("got rows %v, want %v", got, tt.want)
			}
			for row, want := range tt.want {
				if !slices.Equal(got[row], want) {
					t.Errorf("row %d = %q, want %q", row, got[row], want)
				}
			}
		})
	}
}

// TestXLSXScannerPrefixes reads a workbook whose every part uses a
// namespace prefix, as some writers emit <x:c>, and whose parts have names
// Excel would not give them, found only through the relationships.
func TestXLSXScannerPrefixes(t *testing.T) {
	const main = `xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	path := zipBook(t, map[string]string{
		"_rels/.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="w" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument" Target="/book/main.xml"/></Relationships>`,
		"book/main.xml": `<x:workbook ` + main + ` xmlns:rel="http://purl.oclc.org/ooxml/officeDocument/relationships">` +
			`<x:workbookPr date1904="true"/><x:sheets><x:sheet rel:id="s1" name="Notes" sheetId="1"/><x:sheet name="Deals" sheetId="2" rel:id="s2"/></x:sheets></x:workbook>`,
		"book/_rels/main.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="s1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet" Target="data/notes.xml"/>` +
			`<Relationship Id="s2" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet" Target="data/deals.xml"/>` +
			`<Relationship Id="t" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/sharedStrings" Target="text/strings.xml"/></Relationships>`,
		"book/text/strings.xml": `<x:sst ` + main + `><x:si><x:t>owner</x:t></x:si><x:si><x:r><x:t>Li </x:t></x:r><x:r><x:t>Wei</x:t></x:r></x:si></x:sst>`,
		"book/data/notes.xml":   `<x:worksheet ` + main + `><x:sheetData/></x:worksheet>`,
		"book/data/deals.xml": `<x:worksheet ` + main + `><x:sheetData>` +
			`<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>amount</x:t></x:is></x:c></x:row>` +
			`<x:row r="2"><x:c r="A2" t="s"><x:v>1</x:v></x:c><x:c r="B2"><x:v>10</x:v></x:c></x:row>` +
			`</x:sheetData></x:worksheet>`,
	})
	recs, nums, info := readAllXLSX(t, path, "deals", "")
	want := [][]string{{"owner", "amount"}, {"Li Wei", "10"}}
	if !slices.EqualFunc(recs, want, slices.Equal) || !slices.Equal(nums, []int{1, 2}) {
		t.Errorf("read %q at rows %v, want %q", recs, nums, want)
	}
	if !info.Date1904 || info.Sheet != "Deals" {
		t.Errorf("info = %+v, want the 1904 system on Deals", info)
	}
	// The first sheet has an empty <sheetData/>: no records.
	if recs, _, _ := readAllXLSX(t, path, "", ""); len(recs) != 0 {
		t.Errorf("empty sheet read as %q", recs)
	}
}

// TestXLSXScannerDamaged checks that a damaged part ends in an error that
// names the part, and never in a panic, a hang or invented data.
func TestXLSXScannerDamaged(t *testing.T) {
	const sheetPart = "xl/worksheets/sheet1.xml"
	const sst = `<sst ` + nsMain + `><si><t>a</t></si></sst>`
	tests := []struct {
		name      string
		sheet     string
		sst       string
		part, msg string
	}{
		{"truncated in a row", sheetXML(`<row r="1"><c r="A1"><v>1</v></c>`)[:150], sst, sheetPart, "ends"},
		{"truncated in a value", `<worksheet><sheetData><row r="1"><c r="A1"><v>12`, sst, sheetPart, "ends"},
		{"truncated in a tag", `<worksheet><sheetData><row r="1"><c r="A1`, sst, sheetPart, "ends inside"},
		{"no end of sheetData", `<worksheet><sheetData><row r="1"/>`, sst, sheetPart, "inside <sheetData>"},
		{"mismatched end tag", sheetXML(`<row r="1"><c r="A1"><v>1</x></c></row>`), sst, sheetPart, "<v> closed by </x>"},
		{"unknown entity", sheetXML(`<row r="1"><c r="A1" t="str"><v>a&nbsp;b</v></c></row>`), sst, sheetPart, "unknown entity &nbsp;"},
		{"bare ampersand", sheetXML(`<row r="1"><c r="A1" t="str"><v>R&D dept and more text</v></c></row>`), sst, sheetPart, "'&'"},
		{"bad character reference", sheetXML(`<row r="1"><c r="A1" t="str"><v>&#xD800;</v></c></row>`), sst, sheetPart, "unknown entity"},
		{"unquoted attribute", sheetXML(`<row r=1><c r="A1"><v>1</v></c></row>`), sst, sheetPart, "without quotes"},
		{"bad cell reference", sheetXML(`<row r="1"><c r="1A"><v>1</v></c></row>`), sst, sheetPart, `bad cell reference "1A"`},
		{"cells out of order", sheetXML(`<row r="1"><c r="C1"><v>1</v></c><c r="B1"><v>2</v></c></row>`), sst, sheetPart, "comes after column 3"},
		{"rows out of order", sheetXML(`<row r="5"/><row r="3"/>`), sst, sheetPart, "row 3 comes after row 5"},
		{"row beyond Excel's grid", sheetXML(`<row r="1048577"/>`), sst, sheetPart, "bad row number"},
		{"column beyond Excel's grid", sheetXML(`<row r="1"><c r="XFE1"><v>1</v></c></row>`), sst, sheetPart, "bad cell reference"},
		{"shared string out of range", sheetXML(`<row r="1"><c r="A1" t="s"><v>1</v></c></row>`), sst, sheetPart, "shared string \"1\" out of range"},
		{"shared string index not a number", sheetXML(`<row r="1"><c r="A1" t="s"><v>x</v></c></row>`), sst, sheetPart, "out of range"},
		{"invalid UTF-8", sheetXML("<row r=\"1\"><c r=\"A1\" t=\"str\"><v>caf\xe9</v></c></row>"), sst, sheetPart, "invalid UTF-8"},
		{"damaged shared strings", sheetXML(``), `<sst><si><t>a</si></sst>`, "xl/sharedStrings.xml", "<t> closed by </si>"},
		{"truncated shared strings", sheetXML(``), `<sst><si><t>abc`, "xl/sharedStrings.xml", "ends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := oneSheetBook(t, tt.sheet, tt.sst)
			err := readToError(path)
			if err == nil {
				t.Fatal("read without error")
			}
			if !strings.Contains(err.Error(), tt.part) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to name %s and say %q", err, tt.part, tt.msg)
			}
		})
	}
	t.Run("damaged workbook part", func(t *testing.T) {
		path := zipBook(t, map[string]string{"xl/workbook.xml": `<workbook><sheets><sheet name="a"`})
		err := readToError(path)
		if err == nil || !strings.Contains(err.Error(), "xl/workbook.xml") {
			t.Errorf("err = %v, want it to name xl/workbook.xml", err)
		}
	})
}

// readToError opens the first sheet and reads it to the end, returning the
// first error (nil if the whole sheet reads).
func readToError(path string) error {
	r, _, err := openXLSX(path, "", "")
	if err != nil {
		return err
	}
	defer r.Close()
	for n := 0; n < 1e6; n++ {
		if _, err := r.Next(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
	return errors.New("no end after a million records")
}

// TestXLSXScannerMatchesExcelize reads workbooks through excelize's own
// streaming iterator (raw values) and through openXLSX: the records must be
// the same, row by row.
func TestXLSXScannerMatchesExcelize(t *testing.T) {
	written := saveBook(t, func(f *excelize.File) {
		must(t, f.SetSheetRow("Sheet1", "B2", &[]any{"id", "owner", "amount", "closed", "won"}))
		must(t, f.SetSheetRow("Sheet1", "B3", &[]any{"D-1", "Zoë & <Núñez>", 1234.5, 45000, true}))
		must(t, f.SetSheetRow("Sheet1", "B4", &[]any{"D-2", "  spaced  ", -0.25, nil, false}))
		must(t, f.SetCellValue("Sheet1", "D7", "line\r\nbreak\ttab"))
		must(t, f.SetCellValue("Sheet1", "A9", "_x000D_ literal"))
		must(t, f.SetCellFormula("Sheet1", "E9", "SUM(D3:D4)"))
		must(t, f.SetCellRichText("Sheet1", "C9", []excelize.RichTextRun{{Text: "rich "}, {Text: "text", Font: &excelize.Font{Bold: true}}}))
		must(t, f.SetCellValue("Sheet1", "AB11", 1e-7))
	})
	streamed := saveBook(t, func(f *excelize.File) {
		sw, err := f.NewStreamWriter("Sheet1")
		must(t, err)
		must(t, sw.SetRow("A1", []any{"id", "name", "amount"}))
		for i := 2; i < 50; i += 3 {
			must(t, sw.SetRow("A"+strconv.Itoa(i), []any{i, "Ana & Li " + strconv.Itoa(i), float64(i) / 7}))
		}
		must(t, sw.Flush())
	})
	for _, path := range []string{written, streamed, "testdata/xlsx/hand.xlsx"} {
		want := excelizeRecords(t, path)
		recs, nums, _ := readAllXLSX(t, path, "", "")
		if len(recs) != len(want) {
			t.Errorf("%s: %d records, excelize reads %d", path, len(recs), len(want))
		}
		for i := range min(len(recs), len(want)) {
			if nums[i] != i+1 || !slices.Equal(recs[i], want[i]) {
				t.Errorf("%s: row %d = %q, excelize reads row %d as %q", path, nums[i], recs[i], i+1, want[i])
			}
		}
	}
}

// excelizeRecords reads the first sheet with excelize's streaming iterator
// and raw cell values, the reader openXLSX replaced.
func excelizeRecords(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	must(t, err)
	defer f.Close()
	it, err := f.Rows(f.GetSheetList()[0])
	must(t, err)
	defer it.Close()
	var out [][]string
	for it.Next() {
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		must(t, err)
		// excelize keeps a blank cell that has a formula; openXLSX does
		// not, since a blank is a blank to the mapping layer.
		for len(cells) > 0 && cells[len(cells)-1] == "" {
			cells = cells[:len(cells)-1]
		}
		out = append(out, cells)
	}
	must(t, it.Error())
	return out
}

func TestCellCoordinates(t *testing.T) {
	tests := []struct {
		ref      string
		col, row int
		ok       bool
	}{
		{"A1", 1, 1, true}, {"b12", 2, 12, true}, {"Z9", 26, 9, true}, {"AA1", 27, 1, true},
		{"XFD1048576", 16384, 1048576, true}, {"C", 3, 0, true},
		{"XFE1", 0, 0, false}, {"A0", 0, 0, false}, {"A1048577", 0, 0, false},
		{"1A", 0, 0, false}, {"", 0, 0, false}, {"A1B", 0, 0, false}, {"É1", 0, 0, false},
	}
	for _, tt := range tests {
		col, row, ok := cellCoordinates([]byte(tt.ref))
		if col != tt.col || row != tt.row || ok != tt.ok {
			t.Errorf("cellCoordinates(%q) = %d, %d, %v; want %d, %d, %v", tt.ref, col, row, ok, tt.col, tt.row, tt.ok)
		}
		if ok && row > 0 {
			if name := columnName(col) + strconv.Itoa(row); name != strings.ToUpper(tt.ref) {
				t.Errorf("columnName(%d) gives %q, want %q back", col, name, tt.ref)
			}
		}
	}
}

// TestXMLScannerSmallReads feeds a part one byte at a time, so that every
// token straddles the end of the buffer at some point.
func TestXMLScannerSmallReads(t *testing.T) {
	const part = `<?xml version="1.0"?><!-- c --><sst><si><t a='1>2'>x &amp; y</t></si><si><r><t><![CDATA[<z>]]></t></r></si></sst>`
	sc := newXMLScanner(io.LimitReader(oneByteReader{strings.NewReader(part)}, int64(len(part))), "p.xml")
	sc.buf = make([]byte, 4) // grows as tokens need
	var got []string
	var buf []byte
	for {
		must(t, sc.next())
		if sc.kind == tokEOF {
			break
		}
		if sc.is(tokStart, "si") {
			var err error
			buf, err = sc.richText(buf[:0], "si")
			must(t, err)
			got = append(got, string(buf))
		}
	}
	if want := []string{"x & y", "<z>"}; !slices.Equal(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

// FuzzFastCell checks the shortcut for cell start tags against the general
// tokenizer: whenever fastCell takes a tag, next must read the same token
// (name, self-closing, the r and t attributes) and stop at the same byte.
// Run it with: go test ./sources -run '^$' -fuzz FuzzFastCell -fuzztime 60s
func FuzzFastCell(f *testing.F) {
	for _, tag := range []string{`<c r="B2" t="s"><v>1</v></c>`, `<c r="A1" s="3"/>`, `<c r="A1" t='s'>`, `<c r="A&amp;1">`,
		`<c r="a>b" t="x">`, `<c  r="A1">`, `<c r="A1"t="s">`, `<c x:r="A1">`, `<c r="A1" cm="1" vm="2">`, `<c r="">`, `<c ="1">`} {
		f.Add([]byte(tag))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast := newXMLScanner(bytes.NewReader(data), "sheet.xml")
		fast.fill()
		tag, ok := fast.fastCell()
		if !ok {
			return
		}
		slow := newXMLScanner(bytes.NewReader(data), "sheet.xml")
		if err := slow.next(); err != nil {
			t.Fatalf("%q: fastCell took a tag next refuses: %v", data, err)
		}
		if slow.kind != tokStart || string(slow.name) != "c" || slow.selfClose != fast.selfClose || slow.pos != fast.pos {
			t.Fatalf("%q: next read %v %q selfClose %v to %d; fastCell selfClose %v to %d", data, slow.kind, slow.name, slow.selfClose, slow.pos, fast.selfClose, fast.pos)
		}
		ref, hasRef := slow.attr("r")
		typ, hasTyp := slow.attr("t")
		if hasRef != tag.hasRef || !bytes.Equal(ref, tag.ref) || hasTyp != tag.hasTyp || !bytes.Equal(typ, tag.typ) {
			t.Fatalf("%q: next read r=%q (%v) t=%q (%v), fastCell r=%q (%v) t=%q (%v)", data, ref, hasRef, typ, hasTyp, tag.ref, tag.hasRef, tag.typ, tag.hasTyp)
		}
	})
}
