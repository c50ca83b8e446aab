package sources

import (
	"bytes"
	"errors"
	"io"
	"os"
)

// sampleSize is how much of a CSV file is looked at to detect its encoding
// and delimiter.
const sampleSize = 1 << 20

// csvOptions are a CSV file's format settings from config; zero values
// detect.
type csvOptions struct {
	Delimiter string
	Encoding  string
	// MaxFieldLines and MaxFieldBytes bound a quoted field; 0 means the
	// default.
	MaxFieldLines, MaxFieldBytes int
}

// csvRows reads records with a splitter, reusing the record slice.
type csvRows struct {
	f *os.File
	s *splitter
}

var _ rows = (*csvRows)(nil)

// openCSV opens a CSV (or tab-separated "Unicode text") file, detecting its
// encoding and delimiter unless opts sets them.
func openCSV(path string, opts csvOptions) (rows, sheetInfo, error) {
	info := sheetInfo{File: path}
	want, err := encodingOf(opts.Encoding)
	if err != nil {
		return nil, info, err
	}
	delim, err := delimiterOf(opts.Delimiter)
	if err != nil {
		return nil, info, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, info, err
	}
	head, err := readSample(f, sampleSize)
	if err != nil {
		f.Close()
		return nil, info, err
	}
	if err := notText(head); err != nil {
		f.Close()
		return nil, info, err
	}
	enc, bom, err := detectEncoding(head, want)
	if err != nil {
		f.Close()
		return nil, info, err
	}
	var r io.Reader = io.MultiReader(bytes.NewReader(head[bom:]), f)
	sample := head[bom:]
	if enc == encUTF8 && want == encAuto && bom == 0 {
		r = newFallbackReader(r)
	}
	if dec := decoder(enc); dec != nil {
		r = dec.Reader(r)
		// Decode the sample on its own for the delimiter; a unit cut at
		// the end does not matter.
		if s, err := decoder(enc).Bytes(sample[:len(sample)&^1]); err == nil {
			sample = s
		}
	}
	if len(bytes.TrimSpace(sample)) == 0 {
		f.Close()
		return nil, info, errors.New("the file is empty")
	}
	if delim == 0 {
		delim = detectDelimiter(string(sample[:min(len(sample), 64<<10)]))
	}
	s := newSplitter(r, delim)
	if opts.MaxFieldLines > 0 {
		s.maxLines = opts.MaxFieldLines
	}
	if opts.MaxFieldBytes > 0 {
		s.maxBytes = opts.MaxFieldBytes
	}
	return &csvRows{f: f, s: s}, info, nil
}

func (c *csvRows) Next() ([]string, error) { return c.s.next() }
func (c *csvRows) Row() int                { return c.s.start }
func (c *csvRows) Close() error            { return c.f.Close() }

// Counts returns the physical lines and the records read so far.
func (c *csvRows) Counts() (lines, records int) { return c.s.line, c.s.records }
