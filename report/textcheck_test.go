package report

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The language tests run some 340 patterns of the form
// (?i)(^|[^\pL])word($|[^\pL]) over every text of hundreds of digests. Go's
// regexp finds no literal prefix in such a pattern and tries it at every
// byte, which made those tests the slowest of the package. findIn first
// asks whether the text could hold a match at all: a match of a
// case-insensitive literal is a run of runes each in the same case-folding
// orbit as the literal's (unicode.SimpleFold, the folding regexp uses), so
// once every rune of the text and of the literal is replaced by the
// smallest rune of its orbit (foldKey), the text contains the folded
// literal wherever the pattern matches. When it does not contain it, the
// pattern cannot match and is not run; otherwise the pattern decides, as
// before. TestFoldKeyPrefilter checks the claim on the awkward folds.

// wordLiterals maps a pattern made by wordRe to its folded literal.
var wordLiterals sync.Map // *regexp.Regexp → string

// wordRe is the pattern of s as a whole word, in any case.
func wordRe(s string) *regexp.Regexp {
	re := regexp.MustCompile(`(?i)(^|[^\pL])` + regexp.QuoteMeta(s) + `($|[^\pL])`)
	wordLiterals.Store(re, foldKey(s))
	return re
}

// foldedText is a text with its foldKey, computed once for all patterns.
type foldedText struct{ s, key string }

func fold(s string) foldedText { return foldedText{s, foldKey(s)} }

// findIn is re.FindString(x.s), skipping a pattern of wordRe whose literal
// x cannot contain.
func findIn(re *regexp.Regexp, x foldedText) string {
	if lit, ok := wordLiterals.Load(re); ok && !strings.Contains(x.key, lit.(string)) {
		return ""
	}
	return re.FindString(x.s)
}

// matchIn is re.MatchString(x.s), skipping a pattern of wordRe whose
// literal x cannot contain.
func matchIn(re *regexp.Regexp, x foldedText) bool {
	if lit, ok := wordLiterals.Load(re); ok && !strings.Contains(x.key, lit.(string)) {
		return false
	}
	return re.MatchString(x.s)
}

// foldKey replaces every rune of s by the smallest rune of its simple
// case-folding orbit ('K', 'k' and the Kelvin sign all become 'K'). Bytes
// that are not UTF-8 become U+FFFD, as regexp reads them.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// asciiFold holds foldRune of the ASCII runes.
var asciiFold = func() (t [utf8.RuneSelf]rune) {
	for r := range t {
		t[r] = orbitMin(rune(r))
	}
	return t
}()

func foldRune(r rune) rune {
	if r >= 0 && r < utf8.RuneSelf {
		return asciiFold[r]
	}
	return orbitMin(r)
}

func orbitMin(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}

// TestFoldKeyPrefilter checks that findIn and matchIn answer as the
// patterns do, on texts that match only through the awkward folds (the
// Kelvin sign for k, the long s for s, the capital sharp s for ß, Greek
// sigma's three forms) and on texts that are not UTF-8.
func TestFoldKeyPrefilter(t *testing.T) {
	tests := []struct {
		word, text string
		match      bool
	}{
		{"Weekly", "a wee\u212ALY report", true},
		{"Weekly", "weekly", true},
		{"Weekly", "biweekly", false},
		{"Status", "the \u017Ftatu\u017F is", true},
		{"Status", "the status: ok", true},
		{"Status", "statuses", false},
		{"Straße", "STRA\u1E9EE", true},
		{"Straße", "strasse", false},
		{"ΣΟΦΙΑ", "σοφια", true},
		{"ΣΟΦΙΑ", "σοφιας", false},
		{"deals", "\xffdeals\xfe", true},
		{"deals", "de\xffals", false},
		{"of", "", false},
		{"Page of", "page of 2", true},
		{"Page of", "page  of", false},
	}
	for _, tc := range tests {
		re := wordRe(tc.word)
		x := fold(tc.text)
		want := re.FindString(tc.text)
		if (want != "") != tc.match {
			t.Fatalf("%q in %q: the pattern found %q, the case says match=%v", tc.word, tc.text, want, tc.match)
		}
		if got := findIn(re, x); got != want {
			t.Errorf("%q in %q: findIn gives %q, the pattern %q", tc.word, tc.text, got, want)
		}
		if got := matchIn(re, x); got != tc.match {
			t.Errorf("%q in %q: matchIn gives %v, the pattern %v", tc.word, tc.text, got, tc.match)
		}
	}
}
