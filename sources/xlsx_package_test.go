package sources

import (
	"archive/zip"
	"io"
	"testing"
)

// xlsxRels is the namespace of an OOXML package's relationship types.
const xlsxRels = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`

// writeXLSXPackage writes the parts around one worksheet, a sheet named
// "deals" at xl/worksheets/sheet1.xml (and xl/sharedStrings.xml when
// sharedStrings), for the tests and benchmarks that write the sheet's XML
// by hand; the caller writes the sheet (and the table) after.
func writeXLSXPackage(tb testing.TB, zw *zip.Writer, sharedStrings bool) {
	tb.Helper()
	put := func(name, data string) {
		w, err := zw.Create(name)
		if err == nil {
			_, err = io.WriteString(w, data)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	const decl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`
	sst, sstRel := "", ""
	if sharedStrings {
		sst = `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
		sstRel = `<Relationship Id="rId2" Type="` + xlsxRels + `/sharedStrings" Target="sharedStrings.xml"/>`
	}
	put("[Content_Types].xml", decl+
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`+sst+`</Types>`)
	put("_rels/.rels", decl+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="`+xlsxRels+`/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", decl+`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="`+xlsxRels+`">`+
		`<sheets><sheet name="deals" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", decl+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="`+xlsxRels+`/worksheet" Target="worksheets/sheet1.xml"/>`+sstRel+`</Relationships>`)
}
