package sources

import (
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// splitAll reads every record with the splitter, skipping blank lines as
// encoding/csv does.
func splitAll(t *testing.T, text string, comma rune) [][]string {
	t.Helper()
	s := newSplitter(strings.NewReader(text), comma)
	var out [][]string
	for {
		rec, err := s.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		out = append(out, slices.Clone(rec))
	}
}

func stdAll(t *testing.T, text string, comma rune) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(text))
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = comma, true, -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestSplitterMatchesEncodingCSV writes random well-formed CSV (quotes,
// delimiters and line breaks inside fields, CRLF or LF) and checks that the
// splitter reads what encoding/csv reads.
func TestSplitterMatchesEncodingCSV(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "Zoë", " ", ",", ";", "\t", "\"", "\n", "\r\n", "1.234,5", "€"}
	for n := 0; n < 300; n++ {
		comma := []rune{',', ';', '\t'}[n%3]
		var b strings.Builder
		w := csv.NewWriter(&b)
		w.Comma, w.UseCRLF = comma, n%2 == 0
		var want [][]string
		for r := 0; r < 1+rng.IntN(5); r++ {
			var rec []string
			for f := 0; f < 1+rng.IntN(5); f++ {
				var field strings.Builder
				for k := rng.IntN(6); k > 0; k-- {
					field.WriteString(alphabet[rng.IntN(len(alphabet))])
				}
				rec = append(rec, field.String())
			}
			if len(rec) == 1 && rec[0] == "" {
				rec[0] = "x" // a blank line is no record
			}
			want = append(want, rec)
		}
		w.WriteAll(want)
		text := b.String()
		got, std := splitAll(t, text, comma), stdAll(t, text, comma)
		if !slices.EqualFunc(got, std, slices.Equal) {
			t.Fatalf("text %q:\nsplitter %q\nencoding/csv %q", text, got, std)
		}
	}
}

func TestSplitterLazyQuotes(t *testing.T) {
	for _, text := range []string{
		"a\"b,c\n",            // a quote inside an unquoted field
		"\"a\"b\",c\n",        // a stray quote inside a quoted field
		"a,\"b\nc\",d\r\ne,f", // a line break in a field, no final newline
		"a,b,\n,,\n",          // empty fields
	} {
		got, std := splitAll(t, text, ','), stdAll(t, text, ',')
		if !slices.EqualFunc(got, std, slices.Equal) {
			t.Errorf("%q: splitter %q, encoding/csv %q", text, got, std)
		}
	}
	// A quote never closed runs to the end of the file, as with
	// encoding/csv (which also keeps the last line break).
	if got := splitAll(t, "\"unterminated,x\ny\n", ','); len(got) != 1 || got[0][0] != "unterminated,x\ny" {
		t.Errorf("unterminated quote: %q", got)
	}
}
