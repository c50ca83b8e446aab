package sources

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// The package side of a workbook: the zip, the relationships that lead
// from the root to the workbook, from it to its sheets and shared strings,
// and from a sheet to its tables. Part names are never assumed (writers
// other than Excel name them as they like); they are resolved the way the
// Open Packaging Conventions say.

const (
	relOfficeDocument = "/officeDocument"
	relWorksheet      = "/worksheet"
	relSharedStrings  = "/sharedStrings"
	relTable          = "/table"
)

// xlsxPackage is the zip of a workbook, its entries found by part name.
type xlsxPackage struct {
	zr    *zip.ReadCloser
	parts map[string]*zip.File // by part name, lower case (OPC names ignore case)
}

// deflateMaxRatio bounds how much deflate can expand data (about 1032:1),
// with a margin.
const deflateMaxRatio = 1100

// openPackage opens the zip of a workbook. It refuses entries whose
// declared size their compressed data cannot hold: archive/zip would stop
// at the declared size anyway, but such a zip is damaged and saying so
// early is clearer.
func openPackage(path string) (*xlsxPackage, error) {
	zr, err := zip.OpenReader(path)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("not an XLSX workbook (damaged zip file): %w", err)
	}
	zr.RegisterDecompressor(zip.Deflate, newInflater)
	p := &xlsxPackage{zr: zr, parts: make(map[string]*zip.File, len(zr.File))}
	for _, e := range zr.File {
		limit := e.CompressedSize64
		if e.Method != zip.Store {
			limit = limit*deflateMaxRatio + 1024
		}
		if e.UncompressedSize64 > limit {
			zr.Close()
			return nil, fmt.Errorf("not an XLSX workbook (damaged zip file: %s claims %d bytes from %d)", e.Name, e.UncompressedSize64, e.CompressedSize64)
		}
		name := partKey(e.Name)
		if _, dup := p.parts[name]; !dup {
			p.parts[name] = e
		}
	}
	return p, nil
}

// partKey is the key of a part name in xlsxPackage.parts.
func partKey(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(name, "\\", "/"), "/"))
}

func (p *xlsxPackage) Close() error { return p.zr.Close() }

func (p *xlsxPackage) has(name string) bool { return p.parts[partKey(name)] != nil }

// open opens a part for streaming.
func (p *xlsxPackage) open(name string) (io.ReadCloser, *zip.File, error) {
	e := p.parts[partKey(name)]
	if e == nil {
		return nil, nil, fmt.Errorf("not an XLSX workbook (no part %s)", name)
	}
	rc, err := e.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", name, err)
	}
	return rc, e, nil
}

// read reads a small part whole; a missing part is (nil, nil).
func (p *xlsxPackage) read(name string) ([]byte, error) {
	if !p.has(name) {
		return nil, nil
	}
	rc, e, err := p.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if e.UncompressedSize64 > maxSmallPart {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d this reader holds in memory (the limit)", name, e.UncompressedSize64, maxSmallPart)
	}
	b, err := io.ReadAll(io.LimitReader(rc, maxSmallPart+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxSmallPart {
		return nil, fmt.Errorf("%s: more than the %d bytes this reader holds in memory (the limit)", name, maxSmallPart)
	}
	return b, nil
}

// unmarshalPart decodes a small XML part; a missing part is an error.
func (p *xlsxPackage) unmarshalPart(name string, v any) error {
	b, err := p.read(name)
	if err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("not an XLSX workbook (no part %s)", name)
	}
	if err := checkDepth(b, name); err != nil {
		return err
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("damaged XML in %s: %w", name, err)
	}
	return nil
}

// bookSheet is one sheet of the workbook, in workbook (tab) order.
type bookSheet struct {
	name      string
	part      string // the sheet's XML part, e.g. xl/worksheets/sheet1.xml
	worksheet bool   // false for chart and dialog sheets
}

type bookParts struct {
	sheets        []bookSheet
	sharedStrings string // the shared-strings part, "" if none
	date1904      bool
}

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
		Mode   string `xml:"TargetMode,attr"`
	} `xml:"Relationship"`
}

type xmlWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	// A sheet's name and its r:id, matched on the local names: the
	// relationships namespace differs between transitional and strict
	// OOXML.
	Sheets []struct {
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"sheets>sheet"`
}

type xmlTable struct {
	Name        string `xml:"name,attr"`
	DisplayName string `xml:"displayName,attr"`
	Ref         string `xml:"ref,attr"`
	TotalsRows  int    `xml:"totalsRowCount,attr"`
}

// rel is a relationship resolved to a part name.
type rel struct{ id, part, typ string }

// readRels reads the relationships of a part ("" for the package root), in
// the order they are written.
func (p *xlsxPackage) readRels(partName string) ([]rel, error) {
	dir, base := path.Split(partName)
	relsPart := dir + "_rels/" + base + ".rels"
	if !p.has(relsPart) {
		return nil, nil
	}
	var rels xmlRels
	if err := p.unmarshalPart(relsPart, &rels); err != nil {
		return nil, err
	}
	out := make([]rel, 0, len(rels.Rels))
	for _, r := range rels.Rels {
		if strings.EqualFold(r.Mode, "External") {
			continue
		}
		out = append(out, rel{id: r.ID, part: resolvePart(dir, r.Target), typ: r.Type})
	}
	return out, nil
}

// relByID returns the relationship with the given id.
func relByID(rels []rel, id string) rel {
	for _, r := range rels {
		if r.id == id {
			return r
		}
	}
	return rel{}
}

// relOfType returns the first relationship whose type ends in suffix.
func relOfType(rels []rel, suffix string) (rel, bool) {
	for _, r := range rels {
		if strings.HasSuffix(r.typ, suffix) {
			return r, true
		}
	}
	return rel{}, false
}

// resolvePart turns a relationship target into a part name: absolute
// targets start at the package root, others are relative to dir.
func resolvePart(dir, target string) string {
	target = strings.ReplaceAll(target, "\\", "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Join("/"+dir, target), "/")
}

func readBookParts(p *xlsxPackage) (*bookParts, error) {
	root, err := p.readRels("")
	if err != nil {
		return nil, err
	}
	wbPart := "xl/workbook.xml"
	if r, ok := relOfType(root, relOfficeDocument); ok {
		wbPart = r.part
	}
	var wb xmlWorkbook
	if err := p.unmarshalPart(wbPart, &wb); err != nil {
		return nil, err
	}
	targets, err := p.readRels(wbPart)
	if err != nil {
		return nil, err
	}
	b := &bookParts{}
	b.date1904, _ = strconv.ParseBool(strings.TrimSpace(wb.Pr.Date1904))
	for _, s := range wb.Sheets {
		var name, id string
		for _, a := range s.Attrs {
			switch {
			case a.Name.Local == "name" && a.Name.Space == "":
				name = a.Value
			case a.Name.Local == "id" && a.Name.Space != "":
				id = a.Value
			}
		}
		r := relByID(targets, id)
		ws := strings.HasSuffix(r.typ, relWorksheet) || r.typ == "" && strings.Contains(r.part, "worksheets/")
		b.sheets = append(b.sheets, bookSheet{name: name, part: r.part, worksheet: ws})
	}
	if len(b.sheets) == 0 {
		return nil, fmt.Errorf("not an XLSX workbook (no sheets in %s)", wbPart)
	}
	if r, ok := relOfType(targets, relSharedStrings); ok {
		b.sharedStrings = r.part
	} else if p.has("xl/sharedStrings.xml") {
		b.sharedStrings = "xl/sharedStrings.xml"
	}
	return b, nil
}

// pickSheet finds a sheet by name (case-insensitive, as Excel compares
// them), then by 1-based index; "" is the first worksheet.
func (b *bookParts) pickSheet(ref string) (bookSheet, error) {
	if ref == "" {
		for _, s := range b.sheets {
			if s.worksheet && s.part != "" {
				return s, nil
			}
		}
		return bookSheet{}, fmt.Errorf("no worksheet in workbook (sheets found: %s)", b.sheetList())
	}
	for _, s := range b.sheets {
		if strings.EqualFold(s.name, strings.TrimSpace(ref)) {
			return b.worksheet(s)
		}
	}
	if n, ok := sheetIndex(ref); ok && n <= len(b.sheets) {
		return b.worksheet(b.sheets[n-1])
	}
	return bookSheet{}, fmt.Errorf("no sheet %q in workbook (sheets found: %s)", ref, b.sheetList())
}

func (b *bookParts) worksheet(s bookSheet) (bookSheet, error) {
	if s.part == "" {
		return bookSheet{}, fmt.Errorf("sheet %q has no part in the workbook (damaged workbook)", s.name)
	}
	if !s.worksheet {
		return bookSheet{}, fmt.Errorf("sheet %q is a chart or dialog sheet, not a worksheet", s.name)
	}
	return s, nil
}

func (b *bookParts) sheetList() string {
	names := make([]string, len(b.sheets))
	for i, s := range b.sheets {
		names[i] = fmt.Sprintf("%d %q", i+1, s.name)
	}
	return strings.Join(names, ", ")
}

// bookTable is an Excel table's rectangle: rows row0..row1 (the header row
// first, the totals row left out) and columns col0..col1, all 1-based.
type bookTable struct {
	sheet      bookSheet
	name       string
	row0, row1 int
	col0, col1 int
}

// findTable looks for a table by name (Excel table names are unique in a
// workbook and case-insensitive) in sheet sh, or in every worksheet when
// onlySheet is false.
func (b *bookParts) findTable(p *xlsxPackage, sh bookSheet, onlySheet bool, name string) (bookTable, error) {
	var found []string
	for _, s := range b.sheets {
		if !s.worksheet || onlySheet && s.part != sh.part {
			continue
		}
		rels, err := p.readRels(s.part)
		if err != nil {
			return bookTable{}, err
		}
		for _, r := range rels {
			if !strings.HasSuffix(r.typ, relTable) {
				continue
			}
			var t xmlTable
			if err := p.unmarshalPart(r.part, &t); err != nil {
				return bookTable{}, err
			}
			found = append(found, fmt.Sprintf("%q on sheet %q", t.DisplayName, s.name))
			if !strings.EqualFold(t.DisplayName, name) && !strings.EqualFold(t.Name, name) {
				continue
			}
			c, err := rangeCoordinates(t.Ref)
			if err != nil {
				return bookTable{}, fmt.Errorf("table %q on sheet %q: bad range %q", name, s.name, t.Ref)
			}
			bt := bookTable{sheet: s, name: t.DisplayName, col0: c[0], row0: c[1], col1: c[2], row1: c[3] - max(t.TotalsRows, 0)}
			if bt.row1 < bt.row0 {
				bt.row1 = bt.row0
			}
			return bt, nil
		}
	}
	where := "workbook"
	if onlySheet {
		where = fmt.Sprintf("sheet %q", sh.name)
	}
	if len(found) == 0 {
		return bookTable{}, fmt.Errorf("no table %q in %s (it has no tables)", name, where)
	}
	return bookTable{}, fmt.Errorf("no table %q in %s (tables found: %s)", name, where, strings.Join(found, ", "))
}

// rangeCoordinates reads a range such as "B3:F20" (or one cell) into
// 1-based [col0, row0, col1, row1], corners in order.
func rangeCoordinates(ref string) ([4]int, error) {
	a, b, found := strings.Cut(ref, ":")
	if !found {
		b = a
	}
	c0, r0, ok0 := cellCoordinates([]byte(strings.ReplaceAll(a, "$", "")))
	c1, r1, ok1 := cellCoordinates([]byte(strings.ReplaceAll(b, "$", "")))
	if !ok0 || !ok1 || r0 == 0 || r1 == 0 {
		return [4]int{}, fmt.Errorf("bad range %q", ref)
	}
	return [4]int{min(c0, c1), min(r0, r1), max(c0, c1), max(r0, r1)}, nil
}
