package sources

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/richardlehane/mscfb"
)

// The errors of a file that is not the XLSX workbook it claims to be. They
// are whole sentences a user can act on, because a zip reader reports all of
// these cases alike as "zip: not a valid zip file".
var (
	errXLSXEmpty     = errors.New("empty file (0 bytes): not an XLSX workbook")
	errXLSXNotZip    = errors.New("not an XLSX workbook (not a zip file)")
	errXLSXPassword  = errors.New("this workbook is password-protected: remove the password in Excel (File > Info > Protect Workbook) and save it again")
	errXLSXLegacyXLS = errors.New("legacy .xls workbook: save it as .xlsx")
	errXLSXOLE       = errors.New("not an XLSX workbook (an OLE compound file, but neither a workbook nor an encrypted one)")
)

var (
	zipMagic = []byte("PK")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// openXLSX opens one worksheet (by name, or 1-based index as text; "" for the
// first worksheet) or one Excel table (by name, when table is not "") of an
// XLSX workbook as a stream of raw cell values.
//
// The sheet's XML is streamed straight out of the zip and scanned by hand
// (xlsx_scan.go), never held whole in memory: numbers come as their stored
// text ("43000.5"), so that dates stay serials the mapping layer converts
// itself (formatted date text such as 03-12-17 is ambiguous), formulas as
// their cached values, shared and inline strings resolved. A record is
// positional (column A is index 0) and may be shorter than the header row:
// the missing trailing cells are blank. Every row number from 1 to the last
// row in the sheet gives a record, blank for the rows the file leaves out.
func openXLSX(path, sheet, table string) (rows, sheetInfo, error) {
	wb, err := openWorkbook(path)
	if err != nil {
		return nil, sheetInfo{File: path, Serials: true}, err
	}
	rs, info, err := wb.openSheet(sheet, table)
	if err != nil {
		wb.Close()
		return nil, info, err
	}
	rs.(*xlsxRows).own = wb // closed with the rows
	return rs, info, nil
}

// workbook is an open XLSX file: its zip, the parts that lead to its
// sheets and, once a sheet needs them, its shared strings. Load opens each
// workbook once, however many sources name sheets of it.
type workbook struct {
	path string
	pkg  *xlsxPackage
	book *bookParts
	sst  []string
	// sstRead tells that sst (or sstErr) is known.
	sstRead bool
	sstErr  error
}

// workbooksOpened counts the workbooks opened, for the test that a Load
// opens each once.
var workbooksOpened atomic.Int64

// openWorkbook opens a workbook and reads the parts that lead to its
// sheets.
func openWorkbook(path string) (*workbook, error) {
	workbooksOpened.Add(1)
	if err := sniffXLSX(path); err != nil {
		return nil, err
	}
	pkg, err := openPackage(path)
	if err != nil {
		return nil, err
	}
	book, err := readBookParts(pkg)
	if err != nil {
		pkg.Close()
		return nil, err
	}
	return &workbook{path: path, pkg: pkg, book: book}, nil
}

// sharedStrings reads the shared strings on first use.
func (wb *workbook) sharedStrings() ([]string, error) {
	if !wb.sstRead && wb.book.sharedStrings != "" {
		wb.sst, wb.sstErr = readSharedStrings(wb.pkg, wb.book.sharedStrings)
	}
	wb.sstRead = true
	return wb.sst, wb.sstErr
}

func (wb *workbook) Close() error { return wb.pkg.Close() }

// openSheet opens one worksheet or table of the workbook as rows; closing
// the rows leaves the workbook open.
func (wb *workbook) openSheet(sheet, table string) (rs rows, info sheetInfo, err error) {
	info = sheetInfo{File: wb.path, Serials: true}
	r := &xlsxRows{first: 1, last: -1}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	book, pkg := wb.book, wb.pkg
	sh, err := book.pickSheet(sheet)
	if err != nil {
		return nil, info, err
	}
	if table != "" {
		t, err := book.findTable(pkg, sh, sheet != "", table)
		if err != nil {
			return nil, info, err
		}
		sh = t.sheet
		r.first, r.last, r.col0, r.col1 = t.row0, t.row1, t.col0, t.col1
	}
	info.Sheet, info.Date1904 = sh.name, book.date1904
	r.sheet = sh.name
	if r.sst, err = wb.sharedStrings(); err != nil {
		return nil, info, err
	}
	var e *zip.File
	if r.part, e, err = pkg.open(sh.part); err != nil {
		return nil, info, err
	}
	r.size = int64(min(e.UncompressedSize64, 1<<62))
	r.part = newAheadReader(r.part, r.size)
	r.sc = newXMLScanner(r.part, sh.part)
	if err := r.findSheetData(); err != nil {
		return nil, info, fmt.Errorf("read sheet %q: %w", sh.name, err)
	}
	return r, info, nil
}

// sniffXLSX recognises, from the first bytes, the files a zip reader would
// only call "not a valid zip file": empty, renamed, encrypted or legacy.
func sniffXLSX(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	head := make([]byte, 8)
	n, err := io.ReadFull(fh, head)
	switch {
	case n == 0 && (err == io.EOF || err == nil):
		return errXLSXEmpty
	case bytes.Equal(head[:n], oleMagic):
		return sniffOLE(fh)
	case !bytes.HasPrefix(head[:n], zipMagic):
		return errXLSXNotZip
	}
	return nil
}

// sniffOLE tells an encrypted workbook (Office wraps the encrypted package
// in an OLE compound file with an EncryptionInfo stream) from a legacy .xls
// (whose OLE file holds a Workbook or Book stream).
func sniffOLE(ra io.ReaderAt) (err error) {
	defer func() {
		if recover() != nil {
			err = errXLSXOLE
		}
	}()
	doc, err := mscfb.New(ra)
	if err != nil {
		return errXLSXOLE
	}
	legacy := false
	for e, err := doc.Next(); err == nil; e, err = doc.Next() {
		switch e.Name {
		case "EncryptionInfo":
			return errXLSXPassword
		case "Workbook", "Book":
			legacy = true
		}
	}
	if legacy {
		return errXLSXLegacyXLS
	}
	return errXLSXOLE
}

// sheetIndex reads a sheet reference written as a 1-based index.
func sheetIndex(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n > 0
}
