package crm

import (
	"fmt"
	"time"
)

// Problem is one thing wrong with an input value, located precisely enough
// that a person can open the file and find it.
type Problem struct {
	File   string
	Sheet  string // "" for CSV
	Row    int    // 1-based row in the file or sheet; 0 when not about a row
	Column string // the header as found in the file
	Value  string // the raw value
	// Reason says what was expected, e.g. "expected a date such as 2017-03-01".
	Reason string
}

func (p Problem) Error() string { return p.String() }

func (p Problem) String() string {
	s := p.File
	if p.Sheet != "" {
		s += fmt.Sprintf(" sheet %q", p.Sheet)
	}
	if p.Row > 0 {
		s += fmt.Sprintf(" row %d", p.Row)
	}
	if p.Column != "" {
		s += fmt.Sprintf(" column %q", p.Column)
	}
	if p.Value != "" || p.Column != "" {
		s += fmt.Sprintf(" value %q", p.Value)
	}
	return s + ": " + p.Reason
}

// SourceReport is the data-quality summary of one source: which file was
// used, how fresh it is, and what became of its rows. RowsRead always
// equals RowsAccepted + RowsSetAside.
type SourceReport struct {
	Name  string // the source's name in config
	Kind  Kind
	File  string // the file actually read (the newest match of a glob)
	Sheet string
	// ModTime is the file's modification time; ExportDate is the date in
	// its name, when the name carries one.
	ModTime    time.Time
	ExportDate Day
	// First and Last are the earliest and latest dates found in the rows.
	First, Last Day

	RowsRead     int
	RowsAccepted int
	RowsSetAside int
	// SetAside holds the first problems that set a row aside (capped);
	// RowsSetAside counts them all.
	SetAside []Problem
	// Warnings are accepted rows that look wrong (duplicate ids, a close
	// date before the create date, ...), capped like SetAside.
	Warnings      []Problem
	WarningsTotal int
	// UnknownOwners are owner names found in rows but not in the directory.
	UnknownOwners []string
	// Fatal is set when the source could not be read at all.
	Fatal string
}
