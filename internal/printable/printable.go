// Package printable escapes control characters in text read from exports
// (names, addresses, ids) before it is printed anywhere. It imports the
// standard library only, so that every package may use it.
package printable

import (
	"fmt"
	"strings"
	"unicode"
)

// Printable returns s with every control character written as an ASCII
// escape (a line feed as `\n`, a carriage return as `\r`, a tab as `\t`,
// others as `\x1b` or `\u2028`), so that a name or an address read from an
// export cannot start a new line, or forge one, in command output, logs,
// notices and digests. Every output edge that prints a value from the data
// passes it through here; the value itself stays as read.
func Escape(s string) string {
	if !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && needsEscape(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// needsEscape is true for C0 and C1 controls, DEL, the Unicode line and
// paragraph separators, and the bidirectional overrides that can make a
// line read backwards.
func needsEscape(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
