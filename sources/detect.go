package sources

import (
	"strconv"
	"strings"
)

// The fields read as dates, as amounts, and as probabilities.
var (
	dateFields   = map[string]bool{"created": true, "closed": true, "expected_close": true, "last_activity": true, "due": true, "done_at": true, "date": true}
	numberFields = map[string]bool{"amount": true, "margin": true, "value": true, "price": true, "probability": true}
)

// detect settles each column's date order and decimal separator from
// config or, failing that, from the sample, and refuses a date column it
// could only guess.
func (t *table) detect() error {
	order := DateAuto
	if t.spec.DateFormat != "" {
		order, _ = ParseDateFormat(t.spec.DateFormat)
	}
	var decimal byte
	if t.spec.Decimal != "" {
		decimal = t.spec.Decimal[0]
	}
	fields, _ := kindFields(t.spec.Kind)
	for _, f := range fields { // in order, so that messages are stable
		c := t.cols[f]
		if c.index < 0 {
			continue
		}
		switch {
		case dateFields[f]:
			c.order = order
			if order == DateAuto {
				o, err := t.detectOrder(c)
				if err != nil {
					return err
				}
				c.order = o
			}
		case numberFields[f]:
			c.decimal = decimal
			if decimal == 0 {
				c.decimal = t.detectDecimal(c)
			}
			if f == "probability" {
				c.percent = t.detectPercent(c)
			}
		}
	}
	return nil
}

// samples returns the column's non-blank sample values.
func (t *table) samples(c *column) []string {
	var out []string
	for _, rec := range t.sample {
		if v := c.cell(rec); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// isSerial reports a raw value the reader gave as a number in a workbook:
// an Excel serial in a date column.
func (t *table) isSerial(v string) bool {
	if !t.info.Serials {
		return false
	}
	// A whole serial, as writers write dates, is digits only: ParseFloat
	// takes those, and every row of a sheet asks this of every date.
	if len(v) > 0 && len(v) <= 15 {
		digits := true
		for i := 0; i < len(v) && digits; i++ {
			digits = v[i] >= '0' && v[i] <= '9'
		}
		if digits {
			return true
		}
	}
	_, err := strconv.ParseFloat(v, 64)
	return err == nil
}

// detectOrder reads day-first or month-first from the sample: only when
// every numeric date there can be read one way and not the other. A column
// where every date could be either (03/04/2017) is refused.
func (t *table) detectOrder(c *column) (DateOrder, error) {
	var dmy, mdy, need int
	example := ""
	for _, v := range t.samples(c) {
		if t.isSerial(v) {
			continue
		}
		d, m, differ := dateOrderHint(v)
		if differ && example == "" {
			example = v
		}
		if d == m { // ISO, month name, unreadable, 03/04 or 05/05: says nothing
			continue
		}
		need++
		if d {
			dmy++
		} else {
			mdy++
		}
	}
	switch {
	case need == 0 && example == "":
		return DateAuto, nil
	case need == 0:
		return DateAuto, fatalf("column %q: dates such as %q could be day/month or month/day and no date in the first %d rows tells which; set date_format (DD/MM/YYYY or MM/DD/YYYY) for this source",
			c.header, example, len(t.sample))
	case dmy > mdy:
		return DateDMY, nil
	case mdy > dmy:
		return DateMDY, nil
	}
	return DateAuto, fatalf("column %q: the dates read as much day/month as month/day; set date_format for this source", c.header)
}

// detectDecimal reads the decimal separator from values that show it
// (1.234,56 or 12,5); failing any, a ;-separated file is taken as written
// by a European Excel, with a decimal comma.
func (t *table) detectDecimal(c *column) byte {
	var dots, commas int
	for _, v := range t.samples(c) {
		if t.info.Serials && t.isSerial(v) {
			continue
		}
		switch decimalHint(strings.TrimSuffix(v, "%")) {
		case '.':
			dots++
		case ',':
			commas++
		}
	}
	switch {
	case commas > dots:
		return ','
	case dots > commas:
		return '.'
	}
	if !t.info.Serials && t.delimiter() == ';' {
		return ','
	}
	return '.'
}

// delimiter guesses the CSV delimiter from the header row's raw record:
// only used to choose a default decimal separator.
func (t *table) delimiter() rune {
	if cr, ok := t.rows.(*csvRows); ok {
		return rune(cr.s.comma)
	}
	return 0
}

// detectPercent says whether a probability column is on a 0-100 scale.
func (t *table) detectPercent(c *column) bool {
	for _, v := range t.samples(c) {
		if strings.HasSuffix(v, "%") {
			return true
		}
		if f, _, err := ParseAmount(v, c.decimal); err == nil && f > 1 {
			return true
		}
	}
	return false
}
