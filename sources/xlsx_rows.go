package sources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Excel's grid: 1,048,576 rows of 16,384 columns (A to XFD).
const (
	maxSheetRows = 1 << 20
	maxSheetCols = 1 << 14
)

// xlsxRows streams the records of a sheet, or of the rectangle of a table,
// out of the worksheet part's XML:
//
//	<sheetData><row r="4"><c r="B4" t="s"><v>2</v></c>...</row>...</sheetData>
type xlsxRows struct {
	own   *workbook     // the workbook to close with the rows, if they own it
	part  io.ReadCloser // the worksheet part, inflating as it is read
	size  int64         // the part's uncompressed size, as the zip declares it
	sc    *xmlScanner
	sheet string
	sst   []string // the shared strings

	// row is the 1-based sheet row of the record last returned; pending
	// is the number of a <row> whose start tag is read but whose cells are
	// not yet (0: none), and pendingEmpty tells it was written <row/>.
	row          int
	pending      int
	pendingEmpty bool
	// first and last bound the rows returned (last < 0: to the end);
	// col0 and col1 are the 1-based columns of a table (0: every column).
	first, last int
	col0, col1  int

	records int // records returned

	rec []string // reused from record to record
	val []byte   // scratch for an attribute's value
	// text holds the values of the row being read that are not shared
	// strings, end to end; at the row's end they become one string, which
	// the record's cells are sliced from: one allocation a row rather than
	// one a cell. cuts says where each goes.
	text []byte
	cuts []textCut
	done bool
}

// textCut is a cell's value in xlsxRows.text: bytes a to b, for rec[i].
type textCut struct{ i, a, b int }

// findSheetData reads up to the start of <sheetData>; a sheet without one
// has no rows.
func (r *xlsxRows) findSheetData() error {
	for {
		if err := r.sc.next(); err != nil {
			return err
		}
		switch {
		case r.sc.kind == tokEOF:
			r.done = true
			return nil
		case r.sc.is(tokStart, "sheetData"):
			r.done = r.sc.selfClose
			return nil
		}
	}
}

func (r *xlsxRows) Next() ([]string, error) {
	for !r.done && (r.last < 0 || r.row < r.last) {
		if r.pending == 0 {
			n, err := r.nextRow()
			if err != nil {
				return r.fail(err)
			}
			if n == 0 {
				break
			}
			r.pending = n
		}
		if r.row+1 < r.pending { // a row the file leaves out
			if r.row+1 < r.first {
				r.row = min(r.pending, r.first) - 1
				continue
			}
			r.row++
			r.records++
			return r.blank(), nil
		}
		r.row, r.pending = r.pending, 0
		if r.row < r.first {
			// Rows above a table are skipped without reading their cells.
			if !r.pendingEmpty {
				if err := r.sc.skip(); err != nil {
					return r.fail(err)
				}
			}
			continue
		}
		rec, err := r.readCells()
		if err != nil {
			return r.fail(err)
		}
		r.records++
		return rec, nil
	}
	r.done = true
	return nil, io.EOF
}

func (r *xlsxRows) fail(err error) ([]string, error) {
	r.done = true
	return nil, fmt.Errorf("read sheet %q after row %d: %w", r.sheet, r.row, err)
}

// blank returns an empty record: full width for a table.
func (r *xlsxRows) blank() []string {
	r.rec = r.rec[:0]
	if r.col0 > 0 {
		for range r.col1 - r.col0 + 1 {
			r.rec = append(r.rec, "")
		}
	}
	return r.rec
}

// nextRow reads up to the next <row> start tag and returns its number, or
// 0 at the end of <sheetData>. A row without an r attribute follows the
// one before it.
func (r *xlsxRows) nextRow() (int, error) {
	sc := r.sc
	for {
		if err := sc.next(); err != nil {
			return 0, err
		}
		switch sc.kind {
		case tokStart:
			if string(sc.name) != "row" {
				if err := sc.skip(); err != nil {
					return 0, err
				}
				continue
			}
			n := r.row + 1
			if v, ok := sc.attr("r"); ok {
				v, err := sc.decodeAttr(r.val, v)
				if err != nil {
					return 0, err
				}
				if n, ok = atoiBytes(bytes.TrimSpace(v)); !ok || n < 1 || n > maxSheetRows {
					return 0, sc.errorf("bad row number %q", clip(v))
				}
				if n <= r.row {
					return 0, sc.errorf("row %d comes after row %d", n, r.row)
				}
			}
			if n > maxSheetRows {
				return 0, sc.errorf("more than %d rows", maxSheetRows)
			}
			r.pendingEmpty = sc.selfClose
			return n, nil
		case tokEnd:
			return 0, sc.endOf("sheetData")
		case tokEOF:
			return 0, sc.eofError("inside <sheetData>")
		}
	}
}

// Cell types, from the t attribute of <c>.
const (
	cellNumber = iota // n, or no t: the stored text, raw
	cellShared        // s: an index into the shared strings
	cellInline        // inlineStr: the text of <is>
	cellOther         // str (a formula's text), b (0 or 1), d (ISO 8601 text), e (#N/A...): raw
)

func cellType(t []byte) int {
	switch string(t) {
	case "s":
		return cellShared
	case "inlineStr":
		return cellInline
	case "", "n":
		return cellNumber
	}
	return cellOther
}

// readCells reads the cells of the row whose start tag was just read, up
// to its end tag, into the record.
func (r *xlsxRows) readCells() ([]string, error) {
	rec := r.blank()
	if r.pendingEmpty {
		return rec, nil
	}
	sc := r.sc
	r.text, r.cuts = r.text[:0], r.cuts[:0]
	col, text := 0, 0
	for {
		if quickCells {
			if rec2, c, n, ok := r.quickCell(rec, col, text); ok {
				rec, col, text = rec2, c, text+n
				continue
			}
		}
		var tag cellTag
		fast := quickCells && r.quickRowEnd()
		if !fast {
			tag, fast = sc.fastCell()
		}
		if !fast {
			if err := sc.next(); err != nil {
				return nil, err
			}
		}
		switch sc.kind {
		case tokStart:
			if !fast {
				if string(sc.name) != "c" {
					if err := sc.skip(); err != nil {
						return nil, err
					}
					continue
				}
				tag.ref, tag.hasRef = sc.attr("r")
				tag.typ, tag.hasTyp = sc.attr("t")
			}
			c := col + 1
			if v, ok := tag.ref, tag.hasRef; ok {
				v, err := sc.decodeAttr(r.val, v)
				if err != nil {
					return nil, err
				}
				cc, _, ok := cellCoordinates(bytes.TrimSpace(v))
				if !ok {
					return nil, sc.errorf("bad cell reference %q in row %d", clip(v), r.row)
				}
				if cc <= col {
					return nil, sc.errorf("cell %s comes after column %d in row %d", clip(v), col, r.row)
				}
				c = cc
			}
			if c > maxSheetCols {
				return nil, sc.errorf("more than %d columns in row %d", maxSheetCols, r.row)
			}
			col = c
			typ := cellNumber
			if tag.hasTyp {
				typ = cellType(tag.typ)
			}
			if r.col0 > 0 && (c < r.col0 || c > r.col1) {
				if err := sc.skip(); err != nil {
					return nil, err
				}
				continue
			}
			from := len(r.text)
			v, err := r.cellValue(typ, c)
			if err != nil {
				return nil, err
			}
			n := len(v) + len(r.text) - from
			if n == 0 {
				continue
			}
			if text += n; text > maxRowText {
				return nil, sc.limitf("row %d holds more than %d bytes of text (the limit)", r.row, maxRowText)
			}
			i := c - r.col0
			if r.col0 == 0 {
				for len(rec) < c-1 {
					rec = append(rec, "")
				}
				rec = append(rec, v)
				i = len(rec) - 1
			}
			rec[i] = v
			if len(r.text) > from {
				r.cuts = append(r.cuts, textCut{i, from, len(r.text)})
			}
		case tokEnd:
			if len(r.cuts) > 0 {
				all := string(r.text)
				for _, cut := range r.cuts {
					rec[cut.i] = all[cut.a:cut.b]
				}
			}
			r.rec = rec
			return rec, sc.endOf("row")
		case tokEOF:
			return nil, sc.eofError("inside <row>")
		}
	}
}

// cellValue reads the content of the <c> whose start tag was just read: its
// cached value <v> and, for an inline string, its <is>; a formula <f> and
// anything else are skipped. It returns a shared string, or appends any
// other value to r.text and returns "".
func (r *xlsxRows) cellValue(typ, col int) (string, error) {
	sc := r.sc
	start := len(r.text)
	val := r.text
	sc.runes, sc.maxRunes = 0, maxCellText
	defer func() { sc.maxRunes = 0 }()
	if text, ok := sc.plainContent("<v>", "</v></c>"); ok {
		val = append(val, text...)
	} else if text, ok := sc.plainContent("<is><t>", "</t></is></c>"); ok {
		val = append(val, text...)
	} else if !sc.selfClose {
	loop:
		for {
			if err := sc.next(); err != nil {
				return "", err
			}
			var err error
			switch {
			case sc.is(tokStart, "v"):
				val, err = sc.textOf(val, "v")
			case sc.is(tokStart, "is"):
				val, err = sc.richText(val, "is")
			case sc.kind == tokStart:
				err = sc.skip()
			case sc.kind == tokEnd:
				if err := sc.endOf("c"); err != nil {
					return "", err
				}
				break loop
			case sc.kind == tokEOF:
				return "", sc.eofError("inside <c>")
			}
			if errors.Is(err, errTextTooLong) {
				return "", r.tooLong(col)
			}
			if err != nil {
				return "", err
			}
		}
	}
	if v := val[start:]; len(v) > maxCellText && utf8.RuneCount(v) > maxCellText {
		return "", r.tooLong(col)
	}
	r.text = val[:start]
	v := val[start:]
	if len(v) == 0 {
		return "", nil
	}
	switch typ {
	case cellShared:
		i, ok := atoiBytes(bytes.TrimSpace(v))
		if !ok || i < 0 || i >= len(r.sst) {
			return "", sc.errorf("cell %s%d: shared string %q out of range (the workbook has %d)", columnName(col), r.row, clip(v), len(r.sst))
		}
		return r.sst[i], nil
	case cellInline:
		v = unescapeOOXML(v)
	}
	if !utf8.Valid(v) {
		return "", sc.errorf("cell %s%d: invalid UTF-8", columnName(col), r.row)
	}
	r.text = val[:start+len(v)]
	return "", nil
}

// tooLong is the error for a cell whose text passes Excel's limit.
func (r *xlsxRows) tooLong(col int) error {
	return r.sc.limitf("cell %s%d holds more than %d characters (Excel's limit), counting all its runs and values", columnName(col), r.row, maxCellText)
}

func (r *xlsxRows) Row() int { return r.row }

// progress returns the bytes of the worksheet part read so far, its
// declared size, and how many records can come at most (a table's rows, or
// Excel's grid).
func (r *xlsxRows) progress() (read, size int64, most int) {
	most = maxSheetRows
	if r.last >= 0 {
		most = r.last - r.first + 1
	}
	return r.sc.consumed(), r.size, most
}

// Counts returns the last sheet row reached and the records returned.
func (r *xlsxRows) Counts() (lines, records int) { return r.row, r.records }

func (r *xlsxRows) Close() error {
	var err error
	if r.part != nil {
		err = r.part.Close()
		r.part = nil
	}
	if r.own != nil {
		if cerr := r.own.Close(); err == nil {
			err = cerr
		}
		r.own = nil
	}
	return err
}

// readSharedStrings reads the shared-strings part into a slice indexed as
// the cells of type s refer to it: one string per <si>, the text of its
// <t> or of its rich-text runs.
func readSharedStrings(p *xlsxPackage, name string) ([]string, error) {
	rc, e, err := p.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if e.UncompressedSize64 > maxSharedStringsPart {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d of the limit", name, e.UncompressedSize64, maxSharedStringsPart)
	}
	sc := newXMLScanner(rc, name)
	// The strings are gathered as one text and their ends (4 bytes each),
	// and cut into a []string of exact size at the end: a flood of <si/>
	// meets the count limit before the 16 bytes a string costs, and a
	// growing []string's garbage, are spent on it.
	var text strings.Builder
	var ends []uint32
	var buf []byte
	for {
		if err := sc.next(); err != nil {
			return nil, err
		}
		switch {
		case sc.kind == tokEOF:
			all := text.String()
			out := make([]string, len(ends))
			prev := uint32(0)
			for i, e := range ends {
				out[i] = all[prev:e]
				prev = e
			}
			return out, nil
		case sc.is(tokStart, "sst"):
			if v, ok := sc.attr("uniqueCount"); ok && ends == nil {
				if n, ok := atoiBytes(v); ok {
					ends = make([]uint32, 0, min(n, 1<<20, maxSharedStringCount))
				}
			}
		case sc.is(tokStart, "si"):
			if len(ends) == maxSharedStringCount {
				return nil, sc.limitf("more than %d shared strings (the limit)", maxSharedStringCount)
			}
			sc.runes, sc.maxRunes = 0, maxCellText
			buf, err = sc.richText(buf[:0], "si")
			if errors.Is(err, errTextTooLong) {
				return nil, sc.limitf("shared string %d holds more than %d characters (Excel's limit), counting all its runs", len(ends), maxCellText)
			}
			if err != nil {
				return nil, err
			}
			buf = unescapeOOXML(buf)
			if !utf8.Valid(buf) {
				return nil, sc.errorf("shared string %d: invalid UTF-8", len(ends))
			}
			if text.Len()+len(buf) > maxSharedStringBytes {
				return nil, sc.limitf("more than %d bytes of shared strings (the limit)", maxSharedStringBytes)
			}
			text.Write(buf)
			ends = append(ends, uint32(text.Len()))
		case sc.kind == tokStart:
			if err := sc.skip(); err != nil {
				return nil, err
			}
		}
	}
}

// atoiBytes reads a non-negative decimal number of at most 9 digits.
func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// cellCoordinates reads a cell reference such as B12 (letters in either
// case) into its 1-based column and row; the row is 0 when the reference
// has only letters.
func cellCoordinates(ref []byte) (col, row int, ok bool) {
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > maxSheetCols {
			return 0, 0, false
		}
	}
	if i == 0 {
		return 0, 0, false
	}
	if i == len(ref) {
		return col, 0, true
	}
	row, ok = atoiBytes(ref[i:])
	if !ok || row < 1 || row > maxSheetRows {
		return 0, 0, false
	}
	return col, row, true
}

// columnName writes a 1-based column number as letters: 28 is AB.
func columnName(col int) string {
	var b [4]byte
	i := len(b)
	for col > 0 && i > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}
