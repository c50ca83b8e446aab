package sources

import "unicode/utf8"

// quickCells turns on xlsxRows.quickCell and quickRowEnd; the differential
// tests and fuzz targets turn it off to compare with the general path.
var quickCells = true

// Classes of the bytes of a cell's text, for quickCell.
const (
	qPlain = iota // ASCII that needs nothing
	qEnd          // '<': the text ends
	qRef          // '&' or '\r': a reference to decode, a line end to normalise
	qUnder        // '_': maybe an _xHHHH_ escape, in an inline string
	qHigh         // a byte of a multi-byte UTF-8 sequence: the text needs checking
)

var quickClass = func() (c [256]uint8) {
	for i := 0x80; i < 0x100; i++ {
		c[i] = qHigh
	}
	c['<'], c['&'], c['\r'], c['_'] = qEnd, qRef, qRef, qUnder
	return c
}()

// quickCell reads the cell at the scanner's position in one pass, when it
// is written as sheet writers write it and is whole in the buffer:
//
//	<c r="B2" s="1" t="inlineStr"><is><t>text</t></is></c>
//	<c r="C2" s="2"><v>45321</v></c>   <c r="D2" t="s"><v>7</v></c>   <c r="E2" s="1"/>
//
// that is attributes named r, s and t, each once, in double quotes, one
// space apart, and the content <v>text</v> or <is><t>text</t></is> with no
// reference or carriage return in the text. It stores the value as
// readCells' general path does (rec and r.text, r.cuts) and returns the
// record, the cell's column and the bytes of text it added. For any other
// input, and for every cell the general path would find fault with (a bad
// reference, a column out of order, invalid UTF-8, a limit passed), it
// changes nothing and reports false: the general path then reads the cell
// and says what is wrong with it. text is the row's text so far.
//
// The general path reads a cell in three steps (fastCell, then
// plainContent tried twice, then the value's checks), each scanning the
// same bytes again; a sheet holds millions of cells.
func (r *xlsxRows) quickCell(rec []string, col, text int) ([]string, int, int, bool) {
	sc := r.sc
	b := sc.buf[sc.pos:sc.end]
	if len(b) < 8 || b[0] != '<' || b[1] != 'c' || b[2] != ' ' {
		return rec, 0, 0, false
	}
	var ref, typ []byte
	var hasRef, hasTyp, hasStyle bool
	i := 3
	for {
		if i+3 > len(b) || b[i+1] != '=' || b[i+2] != '"' {
			return rec, 0, 0, false
		}
		name := b[i]
		j := i + 3
		for j < len(b) && b[j] != '"' && b[j] != '&' && b[j] != '<' {
			j++
		}
		if j >= len(b) || b[j] != '"' {
			return rec, 0, 0, false
		}
		switch {
		case name == 'r' && !hasRef:
			ref, hasRef = b[i+3:j], true
		case name == 't' && !hasTyp:
			typ, hasTyp = b[i+3:j], true
		case name == 's' && !hasStyle:
			hasStyle = true
		default:
			return rec, 0, 0, false
		}
		i = j + 1
		if i >= len(b) {
			return rec, 0, 0, false
		}
		if b[i] != ' ' {
			break
		}
		i++
	}
	selfClose := false
	switch {
	case b[i] == '>':
		i++
	case b[i] == '/' && i+1 < len(b) && b[i+1] == '>':
		selfClose = true
		i += 2
	default:
		return rec, 0, 0, false
	}

	c := col + 1
	if hasRef {
		// Letters in capitals then a row number, as writers write them;
		// cellCoordinates reads the rest (and finds fault).
		cc, k := 0, 0
		for ; k < len(ref) && ref[k] >= 'A' && ref[k] <= 'Z'; k++ {
			if cc = cc*26 + int(ref[k]-'A'+1); cc > maxSheetCols {
				return rec, 0, 0, false
			}
		}
		if k == 0 || k == len(ref) {
			return rec, 0, 0, false
		}
		if n, ok := atoiBytes(ref[k:]); !ok || n < 1 || n > maxSheetRows {
			return rec, 0, 0, false
		}
		if cc <= col {
			return rec, 0, 0, false
		}
		c = cc
	}
	if c > maxSheetCols || (r.col0 > 0 && (c < r.col0 || c > r.col1)) {
		return rec, 0, 0, false
	}
	if selfClose {
		sc.pos += i
		return rec, c, 0, true
	}

	kind := cellNumber
	if hasTyp {
		kind = cellType(typ)
	}
	b = b[i:]
	var closing string
	switch {
	case len(b) >= 3 && string(b[:3]) == "<v>":
		b, i, closing = b[3:], i+3, "</v></c>"
	case len(b) >= 7 && string(b[:7]) == "<is><t>":
		b, i, closing = b[7:], i+7, "</t></is></c>"
	default:
		return rec, 0, 0, false
	}
	k, under, high := 0, false, false
scan:
	for ; k < len(b); k++ {
		switch quickClass[b[k]] {
		case qEnd:
			break scan
		case qRef:
			return rec, 0, 0, false
		case qUnder:
			under = true
		case qHigh:
			high = true
		}
	}
	if k == len(b) || len(b)-k < len(closing) || string(b[k:k+len(closing)]) != closing || k > maxCellText {
		return rec, 0, 0, false
	}
	v, consumed := b[:k], i+k+len(closing)
	if len(v) == 0 {
		sc.pos += consumed
		return rec, c, 0, true
	}

	var value string
	from := len(r.text)
	if kind == cellShared {
		n, ok := atoiBytes(v)
		if !ok || n >= len(r.sst) {
			return rec, 0, 0, false
		}
		if value = r.sst[n]; value == "" {
			sc.pos += consumed
			return rec, c, 0, true
		}
		if text+len(value) > maxRowText {
			return rec, 0, 0, false
		}
	} else {
		r.text = append(r.text, v...)
		if kind == cellInline && under {
			u := unescapeOOXML(r.text[from:])
			r.text, high = r.text[:from+len(u)], true
		}
		if text+len(r.text)-from > maxRowText || (high && !utf8.Valid(r.text[from:])) {
			r.text = r.text[:from]
			return rec, 0, 0, false
		}
	}
	n := len(value) + len(r.text) - from

	at := c - r.col0
	if r.col0 == 0 {
		for len(rec) < c-1 {
			rec = append(rec, "")
		}
		rec = append(rec, value)
		at = len(rec) - 1
	}
	rec[at] = value
	if len(r.text) > from {
		r.cuts = append(r.cuts, textCut{at, from, len(r.text)})
	}
	sc.pos += consumed
	return rec, c, n, true
}

var rowName = []byte("row")

// quickRowEnd consumes a </row> at the scanner's position, setting the
// token as next would, and reports whether it did.
func (r *xlsxRows) quickRowEnd() bool {
	sc := r.sc
	if b := sc.buf[sc.pos:sc.end]; len(b) < 6 || string(b[:6]) != "</row>" {
		return false
	}
	sc.pos += 6
	sc.kind, sc.name = tokEnd, rowName
	return true
}
