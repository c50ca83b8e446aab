package sources

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// DateOrder is the order of day, month and year in a date written with
// numbers only. ISO dates (2017-03-01) and dates with a month name
// (1 Mar 2017) are read whatever the order.
type DateOrder uint8

// The date orders.
const (
	// DateAuto accepts a numeric date only when it can be read one way:
	// 25/03/2017 is day-first, 03/25/2017 month-first, 03/04/2017 an error.
	DateAuto DateOrder = iota
	DateYMD
	DateDMY
	DateMDY
)

func (o DateOrder) String() string {
	return [...]string{"auto", "YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY"}[o%4]
}

// errAmbiguousDate is returned by DateAuto for a date such as 03/04/2017.
var errAmbiguousDate = errors.New("the date could be day/month or month/day")

// ParseDateFormat reads a date_format from config: the order in which D, M
// and Y appear, as in DD/MM/YYYY, MM-DD-YY, YYYY.MM.DD or just DMY.
func ParseDateFormat(s string) (DateOrder, error) {
	var order []byte
	for _, c := range strings.ToUpper(s) {
		if (c == 'D' || c == 'M' || c == 'Y') && (len(order) == 0 || order[len(order)-1] != byte(c)) {
			order = append(order, byte(c))
		}
	}
	switch string(order) {
	case "YMD":
		return DateYMD, nil
	case "DMY":
		return DateDMY, nil
	case "MDY":
		return DateMDY, nil
	}
	return DateAuto, fmt.Errorf("%q: expected DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD", s)
}

// ParseDate reads a date or a timestamp into a day. A timestamp with a zone
// or offset (Salesforce's 2024-01-23T17:50:51.000+0000) is converted into
// loc first, so that the day is the one the organisation lived; a timestamp
// without one is taken as written. Excel serials are not read here.
func ParseDate(s string, order DateOrder, loc *time.Location) (crm.Day, error) {
	if d, ok := fastISODate(s); ok {
		return d, nil
	}
	var p dateParts
	if err := p.scan(trimSpaces(s)); err != nil {
		return crm.NoDay, err
	}
	return p.day(order, loc)
}

// fastISODate reads exactly YYYY-MM-DD without allocating: most exports'
// dates take this path.
func fastISODate(s string) (crm.Day, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return crm.NoDay, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || !validDate(y, m, d) {
		return crm.NoDay, false
	}
	return civilDay(y, m, d), true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// civilDay is crm.DayFromDate without time.Date, for valid dates
// (Howard Hinnant's days_from_civil).
func civilDay(y, m, d int) crm.Day {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return crm.Day(era*146097 + doe - 719468)
}

func validDate(y, m, d int) bool {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(y, m)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// dateParts is a date split into its pieces before the order is known.
type dateParts struct {
	num    [3]int // the numbers in the order written
	width  [3]int // their digit counts
	n      int    // how many numbers (2 with a month name, else 3)
	month  int    // from a month name, 0 if none
	monthI int    // where the month name stood among the parts
	hasTZ  bool   // a zone or offset followed a time of day
	clock  [3]int // hour, minute, second
	offset int    // seconds east of UTC
}

// scan splits s into date numbers, a month name, a time and a zone.
func (p *dateParts) scan(s string) error {
	if s == "" {
		return errors.New("empty date")
	}
	// YYYYMMDD, as some tools write dates.
	if len(s) == 8 {
		if _, ok := digits(s); ok {
			p.num = [3]int{atoiN(s[:4]), atoiN(s[4:6]), atoiN(s[6:])}
			p.width = [3]int{4, 2, 2}
			p.n = 3
			return nil
		}
	}
	i, parts := 0, 0
	for parts < 3 && i < len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j-i > 4 || p.n == 3 {
				return errors.New("not a date")
			}
			p.num[p.n], p.width[p.n] = atoiN(s[i:j]), j-i
			p.n++
			i = j
		case isLetter(c) || c >= 0x80:
			j := i
			for j < len(s) && (isLetter(s[j]) || s[j] >= 0x80) {
				j++
			}
			m := monthNumber(s[i:j])
			if m == 0 || p.month != 0 {
				return errors.New("not a date")
			}
			p.month, p.monthI = m, parts
			i = j
			if i < len(s) && s[i] == '.' { // "janv."
				i++
			}
		default:
			return errors.New("not a date")
		}
		parts++
		if parts == 3 {
			break
		}
		// One separator between parts: - / . or spaces, with an optional comma.
		k := i
		for k < len(s) && (s[k] == '-' || s[k] == '/' || s[k] == '.' || s[k] == ' ' || s[k] == ',') {
			k++
		}
		if k == i || k-i > 2 {
			return errors.New("not a date")
		}
		i = k
	}
	if parts != 3 || (p.month == 0 && p.n != 3) || (p.month != 0 && p.n != 2) {
		return errors.New("not a date")
	}
	return p.scanTime(s[i:])
}

func atoiN(s string) int { n, _ := digits(s); return n }

// scanTime reads what may follow a date: a time of day (hh:mm[:ss[.fff]]
// with an optional AM/PM) and a zone (Z, +hhmm, +hh:mm, UTC, GMT).
func (p *dateParts) scanTime(s string) error {
	if s == "" {
		return nil
	}
	if s[0] != 'T' && s[0] != ' ' {
		return errors.New("unexpected text after the date")
	}
	s = strings.TrimLeft(s[1:], " ")
	for k := 0; k < 3 && s != ""; k++ {
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == 0 || j > 2 {
			return errors.New("bad time of day")
		}
		p.clock[k] = atoiN(s[:j])
		s = s[j:]
		if s == "" || s[0] != ':' || k == 2 {
			break
		}
		s = s[1:]
	}
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, ",") { // fractions of a second
		j := 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		s = s[j:]
	}
	s = strings.TrimLeft(s, " ")
	if up := strings.ToUpper(s); strings.HasPrefix(up, "AM") || strings.HasPrefix(up, "PM") {
		if p.clock[0] < 1 || p.clock[0] > 12 {
			return errors.New("bad time of day")
		}
		p.clock[0] %= 12
		if up[0] == 'P' {
			p.clock[0] += 12
		}
		s = strings.TrimLeft(s[2:], " ")
	}
	if p.clock[0] > 23 || p.clock[1] > 59 || p.clock[2] > 60 {
		return errors.New("bad time of day")
	}
	switch {
	case s == "":
		return nil
	case s == "Z" || s == "UTC" || s == "GMT":
		p.hasTZ = true
		return nil
	case s[0] == '+' || s[0] == '-':
		d := strings.ReplaceAll(s[1:], ":", "")
		if len(d) != 4 && len(d) != 2 {
			return errors.New("bad time zone offset")
		}
		n, ok := digits(d)
		if !ok {
			return errors.New("bad time zone offset")
		}
		if len(d) == 2 {
			n *= 100
		}
		p.offset = (n/100*60 + n%100) * 60
		if s[0] == '-' {
			p.offset = -p.offset
		}
		p.hasTZ = true
		return nil
	}
	return errors.New("unexpected text after the time")
}

// day puts the parts in order and converts a zoned timestamp into loc.
func (p *dateParts) day(order DateOrder, loc *time.Location) (crm.Day, error) {
	y, m, d, err := p.ymd(order)
	if err != nil {
		return crm.NoDay, err
	}
	if !validDate(y, m, d) {
		return crm.NoDay, fmt.Errorf("%04d-%02d-%02d is not a day of the calendar", y, m, d)
	}
	if p.hasTZ {
		if loc == nil {
			loc = time.UTC
		}
		t := time.Date(y, time.Month(m), d, p.clock[0], p.clock[1], p.clock[2], 0, time.FixedZone("", p.offset))
		return crm.DayOf(t.In(loc)), nil
	}
	return civilDay(y, m, d), nil
}

func (p *dateParts) ymd(order DateOrder) (y, m, d int, err error) {
	if p.month != 0 {
		// With a month name, the 4-digit number is the year; else the
		// number before the name (23-Jan-24) or after it (Jan 23, 24) is
		// the day and the other the year.
		a, b := p.num[0], p.num[1]
		switch {
		case p.width[0] == 4:
			return a, p.month, b, nil
		case p.width[1] == 4:
			return b, p.month, a, nil
		}
		return fullYear(b, p.width[1]), p.month, a, nil
	}
	a, b, c := p.num[0], p.num[1], p.num[2]
	if p.width[0] == 4 || order == DateYMD {
		return fullYear(a, p.width[0]), b, c, nil
	}
	if p.width[2] != 4 && p.width[2] != 2 {
		return 0, 0, 0, errors.New("the year must have 2 or 4 digits")
	}
	y = fullYear(c, p.width[2])
	switch order {
	case DateDMY:
		return y, b, a, nil
	case DateMDY:
		return y, a, b, nil
	}
	switch {
	case a == b || (a > 12 && b <= 12):
		return y, b, a, nil
	case b > 12 && a <= 12:
		return y, a, b, nil
	case a <= 12 && b <= 12:
		return 0, 0, 0, errAmbiguousDate
	}
	return 0, 0, 0, errors.New("neither part is a month")
}

// fullYear reads a 2-digit year as 1970-2069.
func fullYear(y, width int) int {
	if width <= 2 {
		if y < 70 {
			return 2000 + y
		}
		return 1900 + y
	}
	return y
}

// monthNumber recognises month names and abbreviations in English, French
// and Spanish.
func monthNumber(s string) int {
	s = strings.ToLower(s)
	for _, names := range monthNames {
		for i, n := range names {
			if s == n || (len(s) >= 3 && strings.HasPrefix(n, s)) {
				return i + 1
			}
		}
	}
	return 0
}

var monthNames = [][12]string{
	{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"},
	{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

// dateOrderHint tells which numeric orders can read s: ISO dates and
// dates with a month name fit both.
func dateOrderHint(s string) (dmy, mdy bool, differ bool) {
	if _, ok := fastISODate(s); ok {
		return true, true, false
	}
	var p dateParts
	if p.scan(trimSpaces(s)) != nil {
		return false, false, false
	}
	y1, m1, d1, err1 := p.ymd(DateDMY)
	y2, m2, d2, err2 := p.ymd(DateMDY)
	dmy = err1 == nil && validDate(y1, m1, d1)
	mdy = err2 == nil && validDate(y2, m2, d2)
	return dmy, mdy, dmy && mdy && (m1 != m2 || d1 != d2)
}
