package sources

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readAll(t *testing.T, path string, opts csvOptions) ([][]string, []int, error) {
	t.Helper()
	rs, _, err := openCSV(path, opts)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	var recs [][]string
	var lines []int
	for {
		rec, err := rs.Next()
		if errors.Is(err, io.EOF) {
			return recs, lines, nil
		}
		if err != nil {
			return recs, lines, err
		}
		recs = append(recs, slices.Clone(rec))
		lines = append(lines, rs.Row())
	}
}

func utf16le(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf16be(s string) []byte {
	b := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func TestReadCSV(t *testing.T) {
	want := [][]string{{"name", "amount"}, {"Zoë Müller", "1.234,56 €"}}
	tests := []struct {
		name string
		data []byte
		opts csvOptions
	}{
		{"utf8", []byte("name,amount\nZoë Müller,\"1.234,56 €\"\n"), csvOptions{}},
		{"utf8 bom crlf", []byte("\xEF\xBB\xBFname,amount\r\nZoë Müller,\"1.234,56 €\"\r\n"), csvOptions{}},
		{"semicolon", []byte("name;amount\nZoë Müller;1.234,56 €\n"), csvOptions{}},
		{"tab utf16le", utf16le("name\tamount\r\nZoë Müller\t1.234,56 €\r\n", true), csvOptions{}},
		{"utf16be", utf16be("name\tamount\nZoë Müller\t1.234,56 €\n"), csvOptions{}},
		{"utf16 from config", utf16le("name\tamount\nZoë Müller\t1.234,56 €\n", false), csvOptions{Encoding: "utf-16"}},
		// Windows-1252: ë is 0xEB, ü 0xFC, € 0x80.
		{"cp1252", []byte("name;amount\r\nZo\xEB M\xFCller;1.234,56 \x80\r\n"), csvOptions{}},
		{"delimiter from config", []byte("name|amount\nZoë Müller|1.234,56 €\n"), csvOptions{Delimiter: "|"}},
		{"no final newline", []byte("name,amount\nZoë Müller,\"1.234,56 €\""), csvOptions{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := readAll(t, writeFile(t, "x.csv", tc.data), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestReadCSVQuotedNewlines(t *testing.T) {
	data := "id;subject;note\r\n1;\"Call; then \"\"demo\"\"\";\"line one\r\nline two\"\r\n2;plain;x\r\n"
	got, lines, err := readAll(t, writeFile(t, "q.csv", []byte(data)), csvOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1][1] != `Call; then "demo"` || got[1][2] != "line one\nline two" {
		t.Fatalf("got %q", got)
	}
	// The record after a two-line field starts on line 4.
	if !slices.Equal(lines, []int{1, 2, 4}) {
		t.Errorf("lines %v, want [1 2 4]", lines)
	}
}

func TestDetectDelimiter(t *testing.T) {
	tests := map[string]rune{
		"a,b,c\n1,2,3\n":                             ',',
		"a;b;c\n1,5;2,5;3\n4,5;5,5;6\n":              ';',
		"a\tb\n1,2\t3\n":                             '\t',
		"Report: deals, 2024\na;b;c\n1;2;3\n4;5;6\n": ';',
		"\"x,y\";b\n\"1,2\";3\n":                     ';',
		"single\nrow\n":                              ',',
	}
	for in, want := range tests {
		if got := detectDelimiter(in); got != want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadCSVNotText(t *testing.T) {
	tests := map[string][]byte{
		"empty":        {},
		"blank":        []byte("\r\n \n"),
		"zip":          []byte("PK\x03\x04\x14\x00\x06\x00rest of a workbook"),
		"ole":          []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"),
		"binary":       []byte("abc\x00\x01\x02def"),
		"pdf":          []byte("%PDF-1.7\n"),
		"bom mismatch": []byte("\xFF\xFEa\x00"),
	}
	for name, data := range tests {
		opts := csvOptions{}
		if name == "bom mismatch" {
			opts.Encoding = "utf-8"
		}
		_, _, err := readAll(t, writeFile(t, "x.csv", data), opts)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), "panic") {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, _, err := readAll(t, writeFile(t, "x.csv", []byte("PK\x03\x04....")), csvOptions{})
	if err == nil || !strings.Contains(err.Error(), "zip") {
		t.Errorf("zip named .csv: %v, want a message naming a zip archive", err)
	}
}

// TestReadCSVLateCP1252 has a Windows-1252 byte after the sample that
// decides the encoding: it is still read as Windows-1252, not as garbage.
func TestReadCSVLateCP1252(t *testing.T) {
	var b strings.Builder
	b.WriteString("name,city\n")
	for b.Len() < sampleSize+1000 {
		b.WriteString("Ann,Paris\n")
	}
	b.WriteString("Zo\xEB,Montr\xE9al\nJos\u00e9,S\u00e3o Paulo\n")
	got, _, err := readAll(t, writeFile(t, "late.csv", []byte(b.String())), csvOptions{})
	if err != nil {
		t.Fatal(err)
	}
	last := got[len(got)-2:]
	if last[0][0] != "Zoë" || last[0][1] != "Montréal" || last[1][0] != "José" || last[1][1] != "São Paulo" {
		t.Errorf("got %q", last)
	}
}

func TestFallbackReaderChunks(t *testing.T) {
	// A multi-byte rune cut at every possible chunk boundary.
	in := strings.Repeat("é€a\xE9", 5000)
	want := strings.Repeat("é€aé", 5000)
	out, err := io.ReadAll(newFallbackReader(iotest.OneByteReader(strings.NewReader(in))))
	if err != nil || string(out) != want {
		t.Errorf("one byte at a time: %v, equal %v", err, string(out) == want)
	}
	out, err = io.ReadAll(newFallbackReader(strings.NewReader(in)))
	if err != nil || string(out) != want {
		t.Errorf("whole: %v, equal %v", err, string(out) == want)
	}
}
