package sources

import (
	"errors"
	"math"
	"strconv"

	"github.com/crmdigest/crmdigest/crm"
)

// The cell readers below return an absent value for a blank cell and a
// problem (which sets the row aside) for text they cannot read.

func (t *table) fail(row int, c *column, raw, reason string) *crm.Problem {
	p := t.problem(row, c, raw, reason)
	return &p
}

// day reads a date cell: text, or an Excel serial in a workbook.
func (t *table) day(c *column, rec []string, row int) (crm.Day, *crm.Problem) {
	raw := c.cell(rec)
	if raw == "" {
		return crm.NoDay, nil
	}
	if t.info.Serials {
		if f, err := strconv.ParseFloat(raw, 64); err == nil {
			if d, ok := excelSerialDay(f, t.info.Date1904); ok {
				return d, nil
			}
			return crm.NoDay, t.fail(row, c, raw, "expected a date; this number is not an Excel date")
		}
	}
	d, err := ParseDate(raw, c.order, t.loc)
	if err != nil {
		reason := "expected a date such as 2017-03-01"
		switch {
		case errors.Is(err, errAmbiguousDate):
			reason = "the date could be day/month or month/day; set date_format for this source"
		case c.order == DateDMY || c.order == DateMDY:
			reason = "expected a date written " + c.order.String()
		}
		return crm.NoDay, t.fail(row, c, raw, reason+" ("+err.Error()+")")
	}
	return d, nil
}

// amount reads a money cell and the currency it names, if any.
func (t *table) amount(c *column, rec []string, row int) (float64, string, *crm.Problem) {
	raw := c.cell(rec)
	if raw == "" {
		return crm.Absent, "", nil
	}
	v, cur, err := ParseAmount(raw, c.decimal)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		ex := "1234.56 or 1,234.56"
		if c.decimal == ',' {
			ex = "1234,56 or 1.234,56"
		}
		why := "not a number"
		if err != nil {
			why = err.Error()
		}
		return crm.Absent, "", t.fail(row, c, raw, "expected an amount such as "+ex+" ("+why+")")
	}
	return v, cur, nil
}

// probability reads 0.4, 40 or "40 %" as a fraction.
func (t *table) probability(c *column, rec []string, row int) (float64, *crm.Problem) {
	raw := c.cell(rec)
	if raw == "" {
		return crm.Absent, nil
	}
	v, err := parseProbability(raw, c.decimal, c.percent)
	if err != nil {
		return crm.Absent, t.fail(row, c, raw, err.Error())
	}
	return v, nil
}

// tri reads a yes/no cell through the field's value map.
func (t *table) tri(c *column, rec []string, row int) (crm.Tri, *crm.Problem) {
	raw := c.cell(rec)
	if raw == "" {
		return crm.TriUnknown, nil
	}
	v := c.mapped(raw)
	if v == "" {
		return crm.TriUnknown, nil
	}
	b, err := parseBool(v)
	if err != nil {
		return crm.TriUnknown, t.fail(row, c, raw, err.Error())
	}
	if b {
		return crm.TriTrue, nil
	}
	return crm.TriFalse, nil
}

// text reads a free-text cell through the field's value map.
func (t *table) text(c *column, rec []string) string {
	raw := c.cell(rec)
	if raw == "" {
		return ""
	}
	return c.mapped(raw)
}
