package sources

import (
	"encoding/csv"
	"errors"
	"fmt"
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
}

// TestSplitterBoundsQuotedFields: a quoted field may span lines, up to the
// bounds; past them, or at the end of the file, it is a QuoteError naming
// the line where it opened and its first characters.
func TestSplitterBoundsQuotedFields(t *testing.T) {
	for _, tc := range []struct {
		name               string
		text               string
		maxLines, maxBytes int
		wantLine           int    // 0: no error
		wantWhy            string // part of the reason
	}{
		{name: "within bounds", text: "a,b\nx,\"1\n2\n3\",y\n", maxLines: 3, maxBytes: 100},
		{name: "never closes", text: "a,b\nc,d\n\"unterminated,x\ny\n", maxLines: 100, maxBytes: 100, wantLine: 3, wantWhy: "never closes"},
		{name: "too many lines", text: "a,b\n\"x\n1\n2\n3\n4\",y\n", maxLines: 3, maxBytes: 100, wantLine: 2, wantWhy: "runs past 3 lines"},
		{name: "too many bytes", text: "a,b\nc,\"" + strings.Repeat("z", 40) + "\n" + strings.Repeat("z", 40) + "\n" + strings.Repeat("z", 40) + "\",y\n", maxLines: 100, maxBytes: 50, wantLine: 2, wantWhy: "runs past 50 bytes"},
		{name: "second field on a later line", text: "a,b\nc,d\ne,\"f\n", maxLines: 100, maxBytes: 100, wantLine: 3, wantWhy: "never closes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSplitter(strings.NewReader(tc.text), ',')
			s.maxLines, s.maxBytes = tc.maxLines, tc.maxBytes
			var err error
			for err == nil {
				_, err = s.next()
			}
			if tc.wantLine == 0 {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("err %v, want none", err)
				}
				return
			}
			var qe *QuoteError
			if !errors.As(err, &qe) {
				t.Fatalf("err %v, want a QuoteError", err)
			}
			if qe.Line != tc.wantLine || !strings.Contains(qe.Why, tc.wantWhy) || !strings.HasPrefix(qe.Start, "\"") {
				t.Errorf("got line %d why %q start %q, want line %d why %q", qe.Line, qe.Why, qe.Start, tc.wantLine, tc.wantWhy)
			}
			if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("line %d", tc.wantLine)) || !strings.Contains(msg, "max_field_lines") {
				t.Errorf("message %q does not name the line and the setting", msg)
			}
		})
	}
}
