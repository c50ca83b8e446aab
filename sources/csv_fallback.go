package sources

import (
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// fallbackReader passes UTF-8 through and reads any byte that is not part
// of valid UTF-8 as Windows-1252. A file whose first MiB was plain ASCII
// and which has a "café" written by Excel further down is read right, and
// a chunk that is valid UTF-8 (nearly all of them) costs one utf8.Valid.
type fallbackReader struct {
	r    io.Reader
	in   []byte // bytes read, not yet handed out
	out  []byte // converted bytes waiting for Read, in buf
	buf  []byte
	eof  bool
	rerr error
}

func newFallbackReader(r io.Reader) *fallbackReader {
	return &fallbackReader{r: r, in: make([]byte, 0, 64<<10)}
}

func (f *fallbackReader) Read(p []byte) (int, error) {
	for len(f.out) == 0 {
		if f.eof && len(f.in) == 0 {
			return 0, f.rerr
		}
		if !f.eof {
			n, err := f.r.Read(f.in[len(f.in):cap(f.in)])
			f.in = f.in[:len(f.in)+n]
			if err != nil {
				f.eof = true
				if err != io.EOF {
					f.rerr = err
				} else {
					f.rerr = io.EOF
				}
			}
			if n == 0 && !f.eof {
				continue
			}
		}
		// Keep back a rune cut by the end of the chunk, unless no more
		// bytes will come.
		end := len(f.in)
		if !f.eof {
			for k := 1; k <= 3 && k <= end; k++ {
				if b := f.in[end-k]; b >= 0xC0 {
					if !utf8.FullRune(f.in[end-k:]) {
						end -= k
					}
					break
				} else if b < 0x80 {
					break
				}
			}
		}
		chunk := f.in[:end]
		if utf8.Valid(chunk) {
			f.buf = append(f.buf[:0], chunk...)
		} else {
			f.buf = convertMixed(f.buf[:0], chunk)
		}
		f.out = f.buf
		f.in = append(f.in[:0], f.in[end:]...)
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	return n, nil
}

// convertMixed appends b to dst, keeping valid UTF-8 runes and decoding
// every other byte as Windows-1252.
func convertMixed(dst, b []byte) []byte {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			dst = utf8.AppendRune(dst, charmap.Windows1252.DecodeByte(b[0]))
			b = b[1:]
			continue
		}
		dst = append(dst, b[:size]...)
		b = b[size:]
	}
	return dst
}
