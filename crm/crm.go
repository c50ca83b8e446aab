// Package crm holds the canonical model every source is read into and every
// later stage reads from: people, deals, activities, leads and contacts,
// invoices and targets, plus what is known about the data's quality.
//
// The model is lean on purpose (an organisation may export millions of rows):
// owners, accounts, products and stage names are interned as small integer
// ids, dates are day numbers, and a value a source does not carry is absent
// (NoDay, NaN, NoID, Unknown) rather than zero, so that a report can say
// "no activity data in this export" instead of showing 0 calls.
package crm

import (
	"math"
	"strings"
	"time"
)

// Day is a civil date counted in days since 1970-01-01. It has no time zone:
// timestamps are turned into days in the organisation's reporting time zone
// when they are read, so that every scope's total is the sum of its members.
type Day int32

// NoDay marks an absent date (a blank cell, or a column the export lacks).
const NoDay Day = math.MinInt32

// DayOf returns the civil date of t in t's own location.
func DayOf(t time.Time) Day {
	y, m, d := t.Date()
	return DayFromDate(y, m, d)
}

// DayFromDate returns the day number of a calendar date. Out-of-range
// months and days are normalised as time.Date does.
func DayFromDate(y int, m time.Month, d int) Day {
	return Day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Valid reports whether the day is present.
func (d Day) Valid() bool { return d != NoDay }

// Time returns midnight UTC of the day.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Date returns the calendar date of the day.
func (d Day) Date() (int, time.Month, int) { return d.Time().Date() }

// String formats the day as YYYY-MM-DD, or "" when absent.
func (d Day) String() string {
	if !d.Valid() {
		return ""
	}
	return d.Time().Format("2006-01-02")
}

// Absent is the value of a float field a source does not carry.
var Absent = math.NaN()

// Has reports whether a float field holds a value.
func Has(v float64) bool { return !math.IsNaN(v) }

// ID is an interned name: an index into one of the Dataset's name tables.
type ID int32

// NoID marks an absent reference (a deal without an account, say).
const NoID ID = -1

// Names interns strings so that millions of rows share one copy of each
// owner, account or product name.
type Names struct {
	list  []string
	index map[string]ID
}

// NewNames returns an empty name table.
func NewNames() *Names { return &Names{index: make(map[string]ID)} }

// Intern returns the id of s, adding it if it is new. The empty string is NoID.
// A new name is copied, so that the table does not keep alive the row it
// was read from.
func (n *Names) Intern(s string) ID {
	if s == "" {
		return NoID
	}
	if id, ok := n.index[s]; ok {
		return id
	}
	id := ID(len(n.list))
	s = strings.Clone(s)
	n.list = append(n.list, s)
	n.index[s] = id
	return id
}

// Lookup returns the id of s without adding it.
func (n *Names) Lookup(s string) (ID, bool) {
	id, ok := n.index[s]
	return id, ok
}

// Name returns the string of id, or "" for NoID.
func (n *Names) Name(id ID) string {
	if id < 0 || int(id) >= len(n.list) {
		return ""
	}
	return n.list[id]
}

// Len returns the number of names.
func (n *Names) Len() int { return len(n.list) }

// All returns the names in id order. The slice must not be modified.
func (n *Names) All() []string { return n.list }
