package sources

import (
	"io"
	"sync"

	kflate "github.com/klauspost/compress/flate"
)

// newInflater is the deflate decompressor of workbook parts:
// klauspost/compress's, which inflates a worksheet faster than the
// standard library's compress/flate (docs/PERFORMANCE.md, "## xlsx").
func newInflater(r io.Reader) io.ReadCloser { return kflate.NewReader(r) }

// inflateChunk is the size of the pieces of a part that aheadReader
// inflates ahead of the scanner.
const inflateChunk = 256 << 10

// aheadReader reads a part in a goroutine of its own, a chunk ahead of the
// caller: one deflate stream cannot be inflated in parallel, but it can be
// inflated on one core while the XML already inflated is scanned on
// another. It returns the same bytes and the same error, at the same
// point of the stream, as the reader it wraps.
type aheadReader struct {
	in      io.ReadCloser
	full    chan aheadChunk
	free    chan []byte
	stop    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once

	chunk int // the size of the chunks

	cur  []byte // what is left of the chunk being read
	buf  []byte // that chunk's buffer, to hand back
	err  error  // the error after the last chunk
	done bool
}

type aheadChunk struct {
	b   []byte
	err error
}

// newAheadReader starts reading in ahead; size is the part's declared size,
// so that a small part takes a small buffer.
func newAheadReader(in io.ReadCloser, size int64) *aheadReader {
	a := &aheadReader{in: in, full: make(chan aheadChunk, 2), free: make(chan []byte, 3), stop: make(chan struct{}),
		chunk: int(min(max(size, 0)+512, inflateChunk))}
	a.stopped.Add(1)
	go a.read()
	return a
}

func (a *aheadReader) read() {
	defer a.stopped.Done()
	for bufs := 0; ; {
		var b []byte
		if bufs < cap(a.free) {
			bufs++
			b = make([]byte, a.chunk)
		} else {
			select {
			case b = <-a.free:
			case <-a.stop:
				return
			}
		}
		n, err := io.ReadFull(a.in, b)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case a.full <- aheadChunk{b[:n], err}:
		case <-a.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func (a *aheadReader) Read(p []byte) (int, error) {
	for len(a.cur) == 0 {
		if a.done {
			return 0, a.err
		}
		if a.buf != nil {
			a.free <- a.buf[:cap(a.buf)]
			a.buf = nil
		}
		c := <-a.full
		a.cur, a.buf = c.b, c.b
		if c.err != nil {
			a.done, a.err = true, c.err
		}
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

// Close stops the goroutine, waits for it and closes the part.
func (a *aheadReader) Close() error {
	a.once.Do(func() {
		close(a.stop)
		a.stopped.Wait()
	})
	return a.in.Close()
}
