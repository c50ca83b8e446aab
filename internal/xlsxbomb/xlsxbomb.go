// Package xlsxbomb writes hostile XLSX workbooks for tests: small zips
// whose XML inflates into something that would exhaust a reader's memory
// if it held what it read. They are generated, never committed.
package xlsxbomb

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"strings"
)

// Kind is a shape of bomb.
type Kind string

// The bombs, each repeating one piece n times.
const (
	// Runs is one cell whose inline text is split into n rich-text runs.
	Runs Kind = "runs"
	// Values is one cell holding n <v> elements.
	Values Kind = "values"
	// SharedStrings is a shared-strings part of n empty <si/>.
	SharedStrings Kind = "sst"
	// Nested is a workbook.xml with elements nested n deep.
	Nested Kind = "nested"
)

const (
	nsMain = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	nsRel  = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	relNS  = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
)

// Write writes a workbook with one sheet "deals" to path: a header row
// (owner, stage, amount) and one data row, with the bomb of kind k, n
// pieces long, in the part it targets.
func Write(path string, k Kind, n int) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	zw := zip.NewWriter(fh)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	part := func(name string, write func(w *bufio.Writer)) error {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		write(bw)
		return bw.Flush()
	}
	str := func(s string) func(*bufio.Writer) { return func(w *bufio.Writer) { w.WriteString(s) } }
	repeat := func(w *bufio.Writer, piece string, n int) {
		chunk := strings.Repeat(piece, max(1, (64<<10)/len(piece)))
		per := len(chunk) / len(piece)
		for ; n >= per; n -= per {
			w.WriteString(chunk)
		}
		w.WriteString(strings.Repeat(piece, n))
	}
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>owner</t></is></c><c r="B1" t="inlineStr"><is><t>stage</t></is></c><c r="C1" t="inlineStr"><is><t>amount</t></is></c></row>`
	sheet := func(w *bufio.Writer) {
		w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet ` + nsMain + `><sheetData>` + header + `<row r="2">`)
		switch k {
		case Runs:
			w.WriteString(`<c r="A2" t="inlineStr"><is>`)
			repeat(w, `<r><t>Ann Smith </t></r>`, n)
			w.WriteString(`</is></c>`)
		case Values:
			w.WriteString(`<c r="A2" t="str">`)
			repeat(w, `<v>Ann Smith </v>`, n)
			w.WriteString(`</c>`)
		case SharedStrings:
			w.WriteString(`<c r="A2" t="s"><v>0</v></c>`)
		default:
			w.WriteString(`<c r="A2" t="inlineStr"><is><t>Ann</t></is></c>`)
		}
		w.WriteString(`<c r="B2" t="inlineStr"><is><t>won</t></is></c><c r="C2"><v>10</v></c></row></sheetData></worksheet>`)
	}
	workbook := str(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ` + nsMain + ` ` + nsRel + `><sheets><sheet name="deals" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	if k == Nested {
		workbook = func(w *bufio.Writer) {
			w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ` + nsMain + ` ` + nsRel + `>`)
			repeat(w, `<a>`, n)
			repeat(w, `</a>`, n)
			w.WriteString(`<sheets><sheet name="deals" sheetId="1" r:id="rId1"/></sheets></workbook>`)
		}
	}
	parts := []struct {
		name  string
		write func(*bufio.Writer)
	}{
		{"[Content_Types].xml", str(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)},
		{"_rels/.rels", str(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relNS + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{"xl/workbook.xml", workbook},
		{"xl/_rels/workbook.xml.rels", str(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + relNS + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + relNS + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)},
		{"xl/sharedStrings.xml", func(w *bufio.Writer) {
			w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst ` + nsMain + `>`)
			if k == SharedStrings {
				repeat(w, `<si/>`, n)
			} else {
				w.WriteString(`<si><t>Ann</t></si>`)
			}
			w.WriteString(`</sst>`)
		}},
		{"xl/worksheets/sheet1.xml", sheet},
	}
	for _, p := range parts {
		if err := part(p.name, p.write); err != nil {
			return fmt.Errorf("write %s: %w", p.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return fh.Close()
}
