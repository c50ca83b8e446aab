package schedule

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CronError is a cron expression that cannot be used, with the reason in
// words a person who wrote the expression understands (robfig/cron's own
// messages speak of strconv.Atoi and bit ranges).
type CronError struct {
	Expr string // as written
	Msg  string // what is wrong, without the expression
}

func (e *CronError) Error() string { return fmt.Sprintf("cron %q: %s", e.Expr, e.Msg) }

// cronField describes one of the five fields for checkCronFields.
type cronField struct {
	name     string
	min, max int
	names    []string // names[i] is the value min+i (month, day of week)
	what     string   // what a valid item is, for messages
}

var cronFields = [5]cronField{
	{name: "minute", min: 0, max: 59, what: "a number 0-59"},
	{name: "hour", min: 0, max: 23, what: "a number 0-23"},
	{name: "day of month", min: 1, max: 31, what: "a number 1-31"},
	{name: "month", min: 1, max: 12, what: "a month name (jan..dec) or number 1-12",
		names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	// 7 is Sunday too, as in most crons; checkCronFields rewrites it to 0
	// for robfig/cron, which only knows 0-6.
	{name: "day of week", min: 0, max: 7, what: "a day name (sun..sat) or number 0-7",
		names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

var descriptors = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

// checkCronFields checks a trimmed expression field by field and returns
// it in the form robfig/cron reads (a day of week 7 becomes 0), or the
// first mistake in words. The caller has already counted five fields.
func checkCronFields(e string) (string, error) {
	if strings.HasPrefix(e, "@") {
		if !slices.Contains(descriptors, strings.ToLower(e)) {
			return "", fmt.Errorf("%q is not a descriptor: use %s, or five fields", e, strings.Join(descriptors, ", "))
		}
		return strings.ToLower(e), nil
	}
	fields := strings.Fields(e)
	for i, f := range fields {
		values, err := cronFields[i].parse(f)
		if err != nil {
			return "", err
		}
		if i == 4 && f != "*" && f != "?" && slices.Contains(values, 7) {
			fields[4] = sundayAsZero(values)
		}
	}
	return strings.Join(fields, " "), nil
}

// parse reads one field (items separated by commas, each *, ?, a value or
// a range, optionally /step) and returns the values it names.
func (c cronField) parse(field string) ([]int, error) {
	var out []int
	for item := range strings.SplitSeq(field, ",") {
		if item == "" {
			return nil, fmt.Errorf("%s %q has an empty item (two commas, or a comma at an end)", c.name, field)
		}
		base, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("%s %q: the step %q after / is not a whole number from 1", c.name, item, stepText)
			}
			step = n
		}
		lo, hi := c.min, c.max
		if c.name == "day of week" {
			hi = 6 // * is every day once
		}
		switch {
		case base == "*" || base == "?":
		case strings.Contains(base, "-"):
			a, b, _ := strings.Cut(base, "-")
			if a == "" || b == "" {
				return nil, fmt.Errorf("%s %q is not %s, nor a range such as %d-%d", c.name, base, c.what, c.min, c.min+1)
			}
			var err error
			if lo, err = c.value(a); err != nil {
				return nil, err
			}
			if hi, err = c.value(b); err != nil {
				return nil, err
			}
			if lo > hi && c.name == "day of week" && hi == 0 {
				return nil, fmt.Errorf("%s range %q runs backwards: %s is 0 here; to end on Sunday write %d-7", c.name, base, b, lo)
			}
			if lo > hi {
				return nil, fmt.Errorf("%s range %q runs backwards: write the smaller end first", c.name, base)
			}
		default:
			v, err := c.value(base)
			if err != nil {
				return nil, err
			}
			lo = v
			if !hasStep {
				hi = v
			}
		}
		for v := lo; v <= hi; v += step {
			out = append(out, v)
		}
	}
	return out, nil
}

// value reads one number or name of the field.
func (c cronField) value(s string) (int, error) {
	if i := slices.Index(c.names, strings.ToLower(s)); i >= 0 {
		return c.min + i, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || strings.HasPrefix(s, "+") {
		return 0, fmt.Errorf("%s %q is not %s", c.name, s, c.what)
	}
	if n < c.min || n > c.max {
		return 0, fmt.Errorf("%s %d is out of range: %s", c.name, n, c.what)
	}
	return n, nil
}

// sundayAsZero writes a day-of-week set as a list robfig/cron reads.
func sundayAsZero(values []int) string {
	seen := [7]bool{}
	for _, v := range values {
		seen[v%7] = true
	}
	var parts []string
	for d, ok := range seen {
		if ok {
			parts = append(parts, strconv.Itoa(d))
		}
	}
	return strings.Join(parts, ",")
}
