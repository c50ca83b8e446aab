package sources

// rows is a stream of records from one CSV file or one worksheet (or Excel
// table). Readers hand out raw text: the mapping layer parses it, because only
// it knows which column is a date or an amount.
type rows interface {
	// Next returns the next record, or nil and io.EOF at the end. The slice
	// may be reused by the following call. Fully blank records are returned
	// like any other: the caller skips them.
	Next() ([]string, error)
	// Row is the 1-based row number (XLSX) or line number (CSV) where the
	// record last returned by Next starts, for error messages.
	Row() int
	Close() error
}

// counter is a rows that counts what it has read: physical lines (CSV) or
// sheet rows (XLSX), header included, and the records made of them. A gap
// between the two shows text swallowed by quoting or rows skipped.
type counter interface {
	Counts() (lines, records int)
}

// sheetInfo tells the mapping layer how to read a table's raw values.
type sheetInfo struct {
	File  string
	Sheet string // "" for CSV
	// Serials is true for XLSX: a numeric value in a date column is an
	// Excel serial day number, not text to parse.
	Serials bool
	// Date1904 is the workbook's date system (Mac Excel's 1904 epoch).
	Date1904 bool
}
