package sources

import (
	"bytes"
	"errors"
	"fmt"
)

// The limits of the XLSX reader (docs/SOURCES.md, "Limits"). A workbook
// is a zip of XML, and a few kilobytes of zip can inflate into gigabytes:
// each part held in memory, and each thing that accumulates while a sheet
// streams, is bounded, far above what a real export needs (a test checks
// the demo and benchmark workbooks against them) and far below what would
// exhaust memory. Each error names the part and the limit.
const (
	// maxSmallPart bounds the parts read whole into memory: the workbook,
	// relationships and table definitions, which are a few KB. (Styles,
	// themes and the rest are never read.)
	maxSmallPart = 8 << 20
	// maxSharedStringsPart bounds the shared-strings part's XML, which is
	// streamed; maxSharedStringBytes the text kept from it and
	// maxSharedStringCount the number of strings, held as a []string.
	maxSharedStringsPart = 1 << 30
	maxSharedStringBytes = 128 << 20
	// maxCellText is Excel's own limit on a cell's text, in characters,
	// counted across all the rich-text runs or repeated values of a cell.
	maxCellText = 32767
	// maxRowText bounds the text of one row, in bytes, across its cells.
	maxRowText = 1 << 20
	// maxXMLDepth bounds element nesting; SpreadsheetML needs about 6.
	maxXMLDepth = 100
)

// maxSharedStringCount bounds the number of shared strings. A variable, so
// that a test can exceed it without reading millions of <si/> under -race.
var maxSharedStringCount = 4 << 20

// maxSheetRows and maxSheetCols, Excel's grid, bound a streamed sheet: see
// xlsx_rows.go.

// errTextTooLong is returned by textOf when the text gathered since the
// scanner's counter was reset passes its maxRunes.
var errTextTooLong = errors.New("text too long")

// limitf reports a part that passes one of the limits, naming both.
func (s *xmlScanner) limitf(format string, args ...any) error {
	return fmt.Errorf("%s: %s", s.part, fmt.Sprintf(format, args...))
}

// checkDepth refuses an XML part nested deeper than maxXMLDepth, before
// encoding/xml (whose memory grows with the depth) decodes it.
func checkDepth(b []byte, part string) error {
	s := newXMLScanner(bytes.NewReader(b), part)
	depth := 0
	for {
		if err := s.next(); err != nil {
			return err
		}
		switch s.kind {
		case tokEOF:
			return nil
		case tokStart:
			if !s.selfClose {
				if depth++; depth > maxXMLDepth {
					return s.limitf("elements nested more than %d deep (the limit)", maxXMLDepth)
				}
			}
		case tokEnd:
			depth--
		}
	}
}
