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

	// Lines is the number of physical lines (CSV) or sheet rows (XLSX)
	// read, header included; Records the number of records parsed from
	// them. check shows both, so that a gap between them is visible.
	Lines, Records int
	// Dates describes each date column of the source: the day order used
	// and what the values prove about it.
	Dates []DateColumn

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

// DateColumn is the evidence about the day order of one date column: the
// order applied, how many cells it parses, and whether another unambiguous
// order would parse more.
type DateColumn struct {
	Column string // the header as written in the file
	// Used is the format applied, as configured (date_format) or detected,
	// e.g. "DD/MM/YYYY".
	Used string
	Rows int // non-empty cells
	Fit  int // cells that Used parses
	// Best is an unambiguous order that parses more cells than Used, ""
	// when none does; BestFit counts the cells Best parses.
	Best    string
	BestFit int
	// Evidence says what the values prove, e.g. "day > 12 in 4,123 rows
	// (first: \"13/1/2017\")", quoting cells as written.
	Evidence string
}
