package schedule

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// A bad expression is explained field by field, in words, without the
// parser's Go internals.
func TestCronErrorsSpeakPlainly(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"0 7 * * mon-frii", `day of week "frii" is not a day name (sun..sat) or number 0-7`},
		{"x 7 * * *", `minute "x" is not a number 0-59`},
		{"0 24 * * *", "hour 24 is out of range: a number 0-23"},
		{"0 7 0 * *", "day of month 0 is out of range: a number 1-31"},
		{"0 7 * 13 *", "month 13 is out of range: a month name (jan..dec) or number 1-12"},
		{"0 7 * smarch *", `month "smarch" is not a month name`},
		{"0 7 * * 8", "day of week 8 is out of range"},
		{"*/0 7 * * *", `minute "*/0": the step "0" after / is not a whole number from 1`},
		{"*/x 7 * * *", `minute "*/x": the step "x" after / is not a whole number from 1`},
		{"0 18-9 * * *", `hour range "18-9" runs backwards`},
		{"0 7 * * fri-sun", `day of week range "fri-sun" runs backwards: sun is 0 here; to end on Sunday write 5-7`},
		{"0 7,,9 * * *", `hour "7,,9" has an empty item`},
		{"0 -1 * * *", `hour "-1" is not a number 0-23, nor a range such as 0-1`},
		{"0 7 * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 6 (a seconds field is not supported)"},
		{"0 7 * * mon extra words", "expected 5 fields"},
		{"@fortnightly", `"@fortnightly" is not a descriptor: use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, or five fields`},
		{"@", `"@" is not a descriptor`},
	} {
		_, err := ParseCron(tc.expr)
		var ce *CronError
		if !errors.As(err, &ce) {
			t.Errorf("ParseCron(%q) = %v, want a *CronError", tc.expr, err)
			continue
		}
		if !strings.Contains(ce.Msg, tc.want) {
			t.Errorf("ParseCron(%q): %q, want %q", tc.expr, ce.Msg, tc.want)
		}
		for _, jargon := range []string{"strconv", "Atoi", "parsing", "failed to parse", "above maximum", "below minimum", "invalid syntax"} {
			if strings.Contains(err.Error(), jargon) {
				t.Errorf("ParseCron(%q): %q speaks Go (%q)", tc.expr, err, jargon)
			}
		}
	}
}

// 7 is Sunday, as 0 is, alone and in ranges and lists.
func TestCronSundayIsSeven(t *testing.T) {
	from := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) // a Monday
	next := func(expr string) []time.Weekday {
		c, err := ParseCron(expr)
		if err != nil {
			t.Fatalf("ParseCron(%q): %v", expr, err)
		}
		if c.String() != expr {
			t.Errorf("String() = %q, want the expression as written %q", c.String(), expr)
		}
		var out []time.Weekday
		at := from
		for range 7 {
			at = c.Next(at, time.UTC)
			out = append(out, at.Weekday())
		}
		return out
	}
	for expr, want := range map[string]string{
		"0 7 * * 7":     "Sunday Sunday Sunday Sunday Sunday Sunday Sunday",
		"0 7 * * 5-7":   "Friday Saturday Sunday Friday Saturday Sunday Friday",
		"0 7 * * 1,7":   "Sunday Monday Sunday Monday Sunday Monday Sunday",
		"0 7 * * fri-7": "Friday Saturday Sunday Friday Saturday Sunday Friday",
	} {
		var got []string
		for _, d := range next(expr) {
			got = append(got, d.String())
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("%q fires on %s, want %s", expr, g, want)
		}
	}
}

// saneCron is the shape of a cron expression a person writes; robfig/cron
// also reads odd ones ("*-000", a lone ",") that the checker refuses on
// purpose.
var saneCron = regexp.MustCompile(`^(` + saneField + ` +){4}` + saneField + `$`)

const (
	saneItem  = `(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?`
	saneField = saneItem + `(,` + saneItem + `)*`
)

// FuzzCronFieldsAgree checks the plain-words checker against robfig/cron:
// what robfig reads, the checker accepts; what the checker passes on,
// robfig reads. (robfig only lacks a day of week 7, which the checker
// rewrites.)
func FuzzCronFieldsAgree(f *testing.F) {
	for _, s := range []string{"0 7 * * mon-fri", "*/15 8-18 * * 1-5", "5/10 * 1,15 jan-mar ?", "0 0 L * *", "0 7 * * 1-7/2", "1-5/0 * * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, e string) {
		e = strings.TrimSpace(e)
		if len(strings.Fields(e)) != 5 || strings.ContainsAny(e, "\t\n\r\v\f") {
			return
		}
		norm, err := checkCronFields(e)
		rs, rerr := parser.Parse(e)
		if rerr == nil {
			// robfig reads an empty list item as no value at all ("," as
			// a month): the checker refuses that on purpose.
			sp := rs.(*cron.SpecSchedule)
			for _, bits := range []uint64{sp.Minute, sp.Hour, sp.Dom, sp.Month, sp.Dow} {
				if bits&^starBit == 0 {
					return
				}
			}
		}
		if rerr == nil && err != nil && saneCron.MatchString(e) {
			t.Errorf("robfig reads %q, the checker refuses it: %v", e, err)
		}
		if err == nil {
			if _, err := parser.Parse(norm); err != nil {
				t.Errorf("the checker passes %q as %q, robfig refuses it: %v", e, norm, err)
			}
		}
	})
}
