package sources

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// column is one canonical field's place in a table and how to read it.
type column struct {
	field  string
	index  int    // -1 when the table has no such column
	header string // as found in the file

	// values maps a normalised raw value to a canonical one; other is the
	// "*" value for anything not listed. cache remembers exact raw values
	// so that a million rows do not lower-case a million strings.
	values   map[string]string
	other    string
	hasOther bool
	cache    map[string]string

	// What the sample said about the column.
	order   DateOrder
	decimal byte
	percent bool
}

// absentColumn stands for a field the table does not carry.
var absentColumn = &column{index: -1}

// cell returns the trimmed raw text of the column in rec, "" when absent.
func (c *column) cell(rec []string) string {
	if c.index < 0 || c.index >= len(rec) {
		return ""
	}
	s := rec[c.index]
	if len(s) > 0 && (s[0] <= ' ' || s[len(s)-1] <= ' ' || s[0] >= 0x80 || s[len(s)-1] >= 0x80) {
		s = trimSpaces(s)
	}
	return s
}

// mapped applies the field's value map to a raw value.
func (c *column) mapped(raw string) string {
	if c.values == nil && !c.hasOther {
		return raw
	}
	if v, ok := c.cache[raw]; ok {
		return v
	}
	raw = strings.Clone(raw) // kept in the cache: not the row it came from
	v, ok := c.values[normValue(raw)]
	if !ok {
		v = raw
		if c.hasOther {
			v = c.other
		}
	}
	if c.cache == nil {
		c.cache = make(map[string]string)
	}
	c.cache[raw] = v
	return v
}

// normHeader makes headers comparable: case, surrounding and repeated
// spaces (no-break ones too) and a stray BOM do not count.
func normHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\u00a0' || r == '\u202f' || r == '\r' || r == '\n'
	}), " ")
}

// normValue makes values comparable in value maps.
func normValue(s string) string { return normHeader(s) }

// closestHeader returns the header found that is nearest to any of the
// wanted names, or "" when none is near enough to suggest.
func closestHeader(wanted []string, found []string) string {
	best, bestD := "", 1<<30
	for _, w := range wanted {
		nw := normHeader(w)
		for _, h := range found {
			nh := normHeader(h)
			if nh == "" {
				continue
			}
			d := editDistance(nw, nh)
			if strings.Contains(nh, nw) || strings.Contains(nw, nh) {
				d = min(d, 1+abs(len(nh)-len(nw))/4)
			}
			limit := max(2, utf8.RuneCountInString(nw)/3)
			if d <= limit && d < bestD {
				best, bestD = h, d
			}
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// missingColumn words the fatal problem of a required field with no column.
func missingColumn(field string, wanted, found []string) string {
	msg := fmt.Sprintf("no column for %s", field)
	if len(wanted) > 0 {
		msg += fmt.Sprintf(" (looked for %s)", quoteList(wanted))
	}
	if c := closestHeader(append([]string{field}, wanted...), found); c != "" {
		msg += fmt.Sprintf("; did you mean %q?", c)
	} else {
		msg += "."
	}
	return msg + " Headers found: " + quoteList(found)
}

// quoteList quotes the non-empty names of a list, the first 30 of them.
func quoteList(list []string) string {
	q := make([]string, 0, len(list))
	more := 0
	for _, s := range list {
		switch {
		case s == "":
		case len(q) == 30:
			more++
		default:
			q = append(q, fmt.Sprintf("%q", s))
		}
	}
	out := strings.Join(q, ", ")
	if more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	return out
}
