package sources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// The text encodings a CSV file may be in. encUTF16 follows the BOM.
const (
	encAuto = iota
	encUTF8
	encUTF16LE
	encUTF16BE
	encUTF16 // from config: the BOM says which end
	encCP1252
	encLatin1
)

func encodingOf(s string) (int, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "_", "-")) {
	case "":
		return encAuto, nil
	case "utf-8", "utf8":
		return encUTF8, nil
	case "utf-16", "utf16", "unicode":
		return encUTF16, nil
	case "utf-16le", "utf-16-le":
		return encUTF16LE, nil
	case "utf-16be", "utf-16-be":
		return encUTF16BE, nil
	case "windows-1252", "cp1252", "ansi":
		return encCP1252, nil
	case "iso-8859-1", "latin1", "latin-1":
		return encLatin1, nil
	}
	return 0, fmt.Errorf("%q: expected utf-8, utf-16 or windows-1252", s)
}

func delimiterOf(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case ",", "comma":
		return ',', nil
	case ";", "semicolon":
		return ';', nil
	case "tab", "\t", `\t`:
		return '\t', nil
	case "|", "pipe":
		return '|', nil
	}
	return 0, fmt.Errorf("%q: expected \",\", \";\", \"tab\" or \"|\"", s)
}

// notText names what a file that is not text looks like, from its first
// bytes, so that the error says more than "bad CSV".
func notText(head []byte) error {
	switch {
	case len(head) == 0:
		return errors.New("the file is empty")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return errors.New("this is a zip archive (an .xlsx workbook?), not a CSV file")
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return errors.New("this is an OLE compound file (an old .xls workbook, or a password-protected one), not a CSV file")
	case bytes.HasPrefix(head, []byte("%PDF")):
		return errors.New("this is a PDF document, not a CSV file")
	}
	return nil
}

// detectEncoding picks the encoding of a CSV file from its first bytes:
// a BOM says UTF-8 or UTF-16; otherwise valid UTF-8 is UTF-8 and anything
// else the Windows code page European Excel writes. It returns the number
// of BOM bytes to skip.
func detectEncoding(head []byte, want int) (enc, bom int, err error) {
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		enc, bom = encUTF8, 3
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		enc, bom = encUTF16LE, 2
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		enc, bom = encUTF16BE, 2
	}
	if want != encAuto && want != encUTF16 {
		if bom > 0 && want != enc {
			return 0, 0, fmt.Errorf("the file starts with a %s byte-order mark, but config says %s", encName(enc), encName(want))
		}
		return want, bom, nil
	}
	if want == encUTF16 && enc != encUTF16LE && enc != encUTF16BE {
		return encUTF16LE, 0, nil // Windows writes little-endian
	}
	if enc != encAuto {
		return enc, bom, nil
	}
	if looksBinary(head) {
		return 0, 0, errors.New("the file holds binary data, not text: is it really a CSV file?")
	}
	if validUTF8Prefix(head) {
		return encUTF8, 0, nil
	}
	return encCP1252, 0, nil
}

func encName(e int) string {
	return [...]string{"auto", "UTF-8", "UTF-16LE", "UTF-16BE", "UTF-16", "Windows-1252", "ISO-8859-1"}[e]
}

// looksBinary reports control bytes that no text export carries: a NUL,
// or more than 1 % of other C0 controls.
func looksBinary(b []byte) bool {
	ctl := 0
	for _, c := range b {
		if c == 0 {
			return true
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			ctl++
		}
	}
	return ctl*100 > len(b)
}

// validUTF8Prefix is utf8.Valid that forgives a rune cut by the end of the
// sample.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		r, _ := utf8.DecodeLastRune(b)
		if r != utf8.RuneError {
			return false
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// decoder returns the transformation to UTF-8, or nil for UTF-8 itself.
func decoder(enc int) *encoding.Decoder {
	switch enc {
	case encUTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case encUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	case encCP1252:
		return charmap.Windows1252.NewDecoder()
	case encLatin1:
		return charmap.ISO8859_1.NewDecoder()
	}
	return nil
}

// detectDelimiter picks , ; tab or | from a sample of text: the candidate
// that splits the most of the first lines into the same number (above one)
// of fields, counting only separators outside quotes.
func detectDelimiter(sample string) rune {
	cands := []rune{',', ';', '\t', '|'}
	counts := make([][]int, len(cands))
	line := make([]int, len(cands))
	inQuote, lines := false, 0
	for _, r := range sample {
		switch {
		case r == '"':
			inQuote = !inQuote
		case inQuote:
		case r == '\n':
			for i := range cands {
				counts[i] = append(counts[i], line[i])
				line[i] = 0
			}
			if lines++; lines == 30 {
				goto done
			}
		default:
			for i, c := range cands {
				if r == c {
					line[i]++
				}
			}
		}
	}
	for i := range cands { // a last line without its newline
		counts[i] = append(counts[i], line[i])
	}
done:
	best, bestFreq, bestMode := ',', 0, 0
	for i, c := range cands {
		freq := make(map[int]int)
		for _, n := range counts[i] {
			if n > 0 {
				freq[n]++
			}
		}
		for mode, f := range freq {
			if f > bestFreq || (f == bestFreq && mode > bestMode) {
				best, bestFreq, bestMode = c, f, mode
			}
		}
	}
	return best
}

// readSample reads up to n bytes from the start of r.
func readSample(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, n)
	k, err := io.ReadFull(r, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return buf[:k], err
}
