package sources

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// errAmbiguousDecimal is returned for a value such as 1,234 or 1.234 when
// the decimal separator is neither given nor detected: it could be a
// thousand or one and a quarter.
var errAmbiguousDecimal = errors.New("the decimal separator is ambiguous")

// currencySymbols maps the symbols exports write before or after amounts to
// ISO 4217 codes. "$" alone is taken as US dollars; other dollars must be
// written with their prefix (C$, A$) or code.
var currencySymbols = []struct{ sym, code string }{
	{"US$", "USD"}, {"C$", "CAD"}, {"A$", "AUD"}, {"R$", "BRL"}, {"HK$", "HKD"},
	{"€", "EUR"}, {"$", "USD"}, {"£", "GBP"}, {"¥", "JPY"}, {"₹", "INR"}, {"₩", "KRW"},
	{"zł", "PLN"}, {"Fr.", "CHF"},
}

// ParseAmount reads a money amount as exports write it: 1234.56,
// "$1,234.56", "1.234,56 €", "1 234,56" (with spaces, no-break spaces or
// apostrophes between thousands), "(1,234)" or "-1234" for a negative
// amount, "EUR 12" with an ISO code. decimal is '.' or ',' when the column's
// separator is known, or 0 to accept only values that say it themselves.
// It returns the value and the currency code the text named, if any.
func ParseAmount(s string, decimal byte) (v float64, currency string, err error) {
	if decimal != ',' && isPlainNumber(s, decimal == '.') {
		v, err = strconv.ParseFloat(s, 64)
		if err == nil && !math.IsInf(v, 0) {
			return v, "", nil
		}
	}
	if decimal != ',' && strings.ContainsAny(s, "eE") && len(s) > 0 && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		// 1.5E+06, as spreadsheets store large or tiny numbers.
		if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(v, 0) {
			return v, "", nil
		}
	}
	num, currency, neg, err := splitAmount(s)
	if err != nil {
		return 0, "", err
	}
	v, err = parseDecimal(num, decimal)
	if err != nil {
		return 0, "", err
	}
	if neg {
		v = -v
	}
	return v, currency, nil
}

// isPlainNumber reports whether s is digits with an optional leading minus
// and, when dot is true, one decimal point: the fast path that needs no
// cleaning.
func isPlainNumber(s string, dot bool) bool {
	if s == "" {
		return false
	}
	i := 0
	if s[0] == '-' {
		i = 1
	}
	digits, points := 0, 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && dot:
			points++
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}

// splitAmount peels signs, parentheses and currency marks off an amount and
// returns the bare number.
func splitAmount(s string) (num, currency string, neg bool, err error) {
	s = trimSpaces(s)
	for changed := true; changed && s != ""; {
		changed = false
		if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
			if neg {
				return "", "", false, errors.New("more than one minus sign")
			}
			s, neg, changed = trimSpaces(s[1:len(s)-1]), true, true
		}
		for _, m := range []string{"-", "−"} { // ASCII minus and U+2212
			if strings.HasPrefix(s, m) || strings.HasSuffix(s, m) {
				if neg {
					return "", "", false, errors.New("more than one minus sign")
				}
				s, neg, changed = trimSpaces(strings.TrimSuffix(strings.TrimPrefix(s, m), m)), true, true
			}
		}
		if c, rest, ok := cutCurrency(s); ok {
			if currency != "" && currency != c {
				return "", "", false, errors.New("two different currencies")
			}
			s, currency, changed = trimSpaces(rest), c, true
		}
	}
	if s == "" {
		return "", "", false, errors.New("no digits")
	}
	return s, currency, neg, nil
}

// cutCurrency removes a currency symbol or ISO code from either end of s.
func cutCurrency(s string) (code, rest string, ok bool) {
	for _, c := range currencySymbols {
		if r, found := strings.CutPrefix(s, c.sym); found {
			return c.code, r, true
		}
		if r, found := strings.CutSuffix(s, c.sym); found {
			return c.code, r, true
		}
	}
	if len(s) > 3 && isUpperCode(s[:3]) && !isLetter(s[3]) {
		return s[:3], s[3:], true
	}
	if len(s) > 3 && isUpperCode(s[len(s)-3:]) && !isLetter(s[len(s)-4]) {
		return s[len(s)-3:], s[:len(s)-3], true
	}
	return "", s, false
}

func isUpperCode(s string) bool {
	return len(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z'
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// isGroupSpace reports whether r may separate thousands: a space, a no-break
// space (U+00A0, Excel in French), a narrow no-break space (U+202F), a thin
// space or an apostrophe (Swiss).
func isGroupSpace(r rune) bool {
	return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\'' || r == '’'
}

// trimSpaces trims ASCII and Unicode spaces, including no-break ones.
func trimSpaces(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\r' || r == '\n'
	})
}

// parseDecimal reads digits with group and decimal separators. decimal is
// the column's decimal separator, or 0 when unknown.
func parseDecimal(s string, decimal byte) (float64, error) {
	// Split into digit runs and the separators between them.
	var runs []int
	var seps []byte // '.', ',' or ' ' for any space-like group mark
	run := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r >= '0' && r <= '9':
			run++
			continue
		case r == '.' || r == ',':
			seps = append(seps, byte(r))
		case isGroupSpace(r):
			seps = append(seps, ' ')
		default:
			return 0, errors.New("unexpected character " + strconv.QuoteRune(r))
		}
		runs = append(runs, run)
		run = 0
	}
	runs = append(runs, run)
	if len(seps) == 0 {
		return strconv.ParseFloat(s, 64)
	}
	dots, commas := bytes.Count(seps, []byte{'.'}), bytes.Count(seps, []byte{','})
	last := seps[len(seps)-1]
	var dec byte // 0: no decimal part
	switch {
	case dots > 0 && commas > 0:
		if last == ' ' || (last == '.' && dots > 1) || (last == ',' && commas > 1) {
			return 0, errors.New("separators out of order")
		}
		dec = last
	case dots > 1 || commas > 1:
		if decimal != 0 && (dots > 1 && decimal == '.' || commas > 1 && decimal == ',') {
			return 0, fmt.Errorf("%q cannot be the decimal separator twice", decimal)
		}
	case dots+commas == 1:
		c := byte('.')
		if commas == 1 {
			c = ','
		}
		switch {
		case decimal != 0:
			if c == decimal {
				dec = c
			}
		case last == c && runs[len(runs)-1] == 3 && runs[len(runs)-2] >= 1 && runs[len(runs)-2] <= 3 && len(seps) == 1 && s[0] != '0':
			return 0, errAmbiguousDecimal
		default:
			dec = c
		}
	}
	if dec != 0 && decimal != 0 && dec != decimal {
		return 0, fmt.Errorf("the decimal separator here is %q, not %q", dec, decimal)
	}
	if dec != 0 && last != dec {
		return 0, errors.New("separators out of order")
	}
	intRuns := runs
	if dec != 0 {
		intRuns = runs[:len(runs)-1]
		if runs[len(runs)-1] == 0 {
			return 0, errors.New("no digits after the decimal separator")
		}
	}
	// Group marks: 1-3 digits first, then exactly 3 per group.
	for i, n := range intRuns {
		if len(intRuns) > 1 && ((i == 0 && (n < 1 || n > 3)) || (i > 0 && n != 3)) {
			return 0, errors.New("digits are not grouped by thousands")
		}
	}
	var buf [64]byte
	clean := buf[:0]
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r >= '0' && r <= '9':
			clean = append(clean, byte(r))
		case size == 1 && byte(r) == dec:
			clean = append(clean, '.')
		}
	}
	return strconv.ParseFloat(string(clean), 64)
}

// decimalHint tells what a value says about its column's decimal
// separator: '.' or ',' when only one reading is possible, 0 when the value
// has no separator or could be read either way.
func decimalHint(s string) byte {
	num, _, _, err := splitAmount(s)
	if err != nil {
		return 0
	}
	dots, commas := strings.Count(num, "."), strings.Count(num, ",")
	switch {
	case dots > 0 && commas > 0:
		if strings.LastIndexByte(num, '.') > strings.LastIndexByte(num, ',') {
			return '.'
		}
		return ','
	case dots > 1:
		return ','
	case commas > 1:
		return '.'
	case dots+commas == 1:
		if _, err := parseDecimal(num, 0); errors.Is(err, errAmbiguousDecimal) || err != nil {
			return 0
		}
		if dots == 1 {
			return '.'
		}
		return ','
	}
	return 0
}
