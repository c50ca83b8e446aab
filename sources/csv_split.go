package sources

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The bounds of a quoted field, unless a source sets max_field_lines or
// max_field_bytes. A real field with line breaks (a note, an address)
// spans a few lines; one that runs on for 100 lines or 64 KiB is a stray
// quote swallowing the rows after it.
const (
	defaultMaxFieldLines = 100
	defaultMaxFieldBytes = 64 << 10
)

// QuoteError is a quoted field that does not close within the bounds or
// before the end of the file: a stray quote, which would otherwise swallow
// every row after it into one field.
type QuoteError struct {
	Line  int    // the physical line where the quote opened
	Start string // the field's first characters, as written
	// Why says how far it ran: "runs past 100 lines", "runs past 65536
	// bytes" or "never closes".
	Why string
}

func (e *QuoteError) Error() string {
	return fmt.Sprintf("line %d: the quoted field that opens here %s: a stray quote? The line starts %s (raise max_field_lines or max_field_bytes if the field is real)",
		e.Line, e.Why, "`"+strings.Map(printable, e.Start)+"`")
}

// printable keeps a rune of quoted text, or shows a control character as
// "?" so that a message stays on one line.
func printable(r rune) rune {
	if r < ' ' || r == 0x7f || r == utf8.RuneError {
		return '?'
	}
	return r
}

// fieldStart returns the first characters of a field, cut on a rune
// boundary.
func fieldStart(b []byte) string {
	const n = 40
	if len(b) <= n {
		return string(b)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut]) + "..."
}

// splitter cuts CSV text into records. It does what encoding/csv does with
// LazyQuotes (RFC 4180 quoting, "" for a quote, newlines inside quoted
// fields, a stray quote kept as text), but a line without any quote takes
// a fast path: one string for the line, fields sliced out of it. Most
// export lines have no quotes, and this path is several times faster.
type splitter struct {
	r     *bufio.Reader
	comma byte
	line  int // lines read so far
	start int // line where the last record started
	rec   []string
	buf   []byte // the record being unquoted
	ends  []int  // field ends in buf
	eof   bool
	// maxLines and maxBytes bound one quoted field.
	maxLines, maxBytes int
	records            int // records returned
}

func newSplitter(r io.Reader, comma rune) *splitter {
	return &splitter{r: bufio.NewReaderSize(r, 256<<10), comma: byte(comma),
		maxLines: defaultMaxFieldLines, maxBytes: defaultMaxFieldBytes}
}

// readLine returns the next line without its line ending; the slice is
// valid until the next read.
func (s *splitter) readLine() ([]byte, error) {
	line, err := s.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull { // a very long line: gather it
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = s.r.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if len(line) == 0 && err != nil {
		if err == io.EOF {
			s.eof = true
		}
		return nil, err
	}
	s.line++
	if err == io.EOF {
		s.eof = true
		err = nil
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, err
}

// next returns the next record; the slice is reused by the next call.
func (s *splitter) next() ([]string, error) {
	if s.eof {
		return nil, io.EOF
	}
	line, err := s.readLine()
	if err != nil {
		return nil, err
	}
	s.start = s.line
	s.records++
	if bytes.IndexByte(line, '"') < 0 {
		str := string(line)
		s.rec = s.rec[:0]
		for {
			i := strings.IndexByte(str, s.comma)
			if i < 0 {
				s.rec = append(s.rec, str)
				return s.rec, nil
			}
			s.rec = append(s.rec, str[:i])
			str = str[i+1:]
		}
	}
	return s.quoted(line)
}

// quoted reads a record with quotes, over several lines if a quoted field
// holds line breaks.
func (s *splitter) quoted(line []byte) ([]string, error) {
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	i := 0
	for {
		// At the start of a field.
		if i < len(line) && line[i] == '"' {
			i++
			open, from := s.line, len(s.buf)
			start := fieldStart(line[i-1:])
		quotedField:
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					// The field goes on past the line.
					s.buf = append(s.buf, line[i:]...)
					if s.line-open+1 >= s.maxLines {
						return nil, &QuoteError{Line: open, Start: start, Why: fmt.Sprintf("runs past %d lines", s.maxLines)}
					}
					if len(s.buf)-from > s.maxBytes {
						return nil, &QuoteError{Line: open, Start: start, Why: fmt.Sprintf("runs past %d bytes", s.maxBytes)}
					}
					next, err := s.readLine()
					if err != nil {
						if err == io.EOF {
							return nil, &QuoteError{Line: open, Start: start, Why: "never closes"}
						}
						return nil, err
					}
					s.buf = append(s.buf, '\n')
					line, i = next, 0
					continue
				}
				s.buf = append(s.buf, line[i:i+j]...)
				i += j + 1
				switch {
				case i < len(line) && line[i] == '"': // "" is a quote
					s.buf = append(s.buf, '"')
					i++
				case i == len(line) || line[i] == s.comma:
					break quotedField
				default: // a stray quote: keep it
					s.buf = append(s.buf, '"')
				}
			}
		} else {
			j := bytes.IndexByte(line[i:], s.comma)
			if j < 0 {
				j = len(line) - i
			}
			s.buf = append(s.buf, line[i:i+j]...)
			i += j
		}
		s.ends = append(s.ends, len(s.buf))
		if i >= len(line) {
			return s.record(), nil
		}
		i++ // the delimiter
		if i == len(line) {
			s.ends = append(s.ends, len(s.buf)) // a last empty field
			return s.record(), nil
		}
	}
}

// record slices the unquoted fields out of one string.
func (s *splitter) record() []string {
	str := string(s.buf)
	s.rec = s.rec[:0]
	prev := 0
	for _, e := range s.ends {
		s.rec = append(s.rec, str[prev:e])
		prev = e
	}
	return s.rec
}
