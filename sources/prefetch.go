package sources

import (
	"io"
	"sync"
)

// readAhead turns on prefetchRows for the records after a table's sample.
// The differential tests turn it off to compare with the plain reading.
var readAhead = true

// prefetchBatch is how many records the reading goroutine hands over at a
// time: large enough that the channel costs nothing per record, small
// enough that both goroutines start work at once.
const prefetchBatch = 2048

// prefetchRows reads another rows' records in a goroutine of its own, a
// batch at a time, so that cutting lines into fields (CSV) or inflating and
// scanning XML (XLSX) runs on one core while the caller converts records
// on another. It hands out exactly the records, row numbers, errors and
// counts the rows it wraps gives, in the same order: only when the reading
// happens changes. Records are copied out of the wrapped rows' reused
// slice; the strings in them are never reused by either reader.
type prefetchRows struct {
	in      rows
	full    chan *recordBatch
	free    chan *recordBatch
	stop    chan struct{}
	stopped sync.WaitGroup

	// prep, when set, runs on every batch in a goroutine between the
	// reading one and the caller; see table.prep.
	prep func(*recordBatch)

	cur  *recordBatch
	next int // the next item of cur
	last item
	eof  bool
	once sync.Once
}

var (
	_ rows    = (*prefetchRows)(nil)
	_ counter = (*prefetchRows)(nil)
)

// recordBatch is a run of records, their cells laid end to end.
type recordBatch struct {
	cells []string
	items []item
	eof   bool // no record follows the batch's
	atEOF item // Row and Counts after the call that met the end
	// aux is what prep made of the batch, kept with it to be reused.
	aux any
}

// record returns the i-th record of the batch and its error.
func (b *recordBatch) record(i int) ([]string, error) {
	start := 0
	if i > 0 {
		start = b.items[i-1].end
	}
	it := b.items[i]
	return b.cells[start:it.end:it.end], it.err
}

// item is one call of the wrapped rows' Next: the end of its record in
// cells, its error, and Row and Counts as they were after it.
type item struct {
	end            int
	err            error
	row            int
	lines, records int
}

// newPrefetchRows starts reading in ahead; prep, if not nil, runs on each
// batch in a goroutine of its own before the caller gets it.
func newPrefetchRows(in rows, prep func(*recordBatch)) *prefetchRows {
	p := &prefetchRows{in: in, full: make(chan *recordBatch, 2), free: make(chan *recordBatch, 5), stop: make(chan struct{}), prep: prep}
	p.last = p.state(counterOf(in))
	for range 5 {
		p.free <- &recordBatch{}
	}
	read := p.full
	if prep != nil {
		read = make(chan *recordBatch, 1)
		p.stopped.Add(1)
		go p.prepare(read)
	}
	p.stopped.Add(1)
	go p.read(read)
	return p
}

// prepare runs prep on the batches from read and passes them on.
func (p *prefetchRows) prepare(read chan *recordBatch) {
	defer p.stopped.Done()
	defer close(p.full)
	for b := range read {
		p.prep(b)
		select {
		case p.full <- b:
		case <-p.stop:
			for range read { // let the reading goroutine end
			}
			return
		}
	}
}

// read fills batches until the wrapped rows end, a runaway quote stops
// them (the caller gives up on the source there), or Close.
func (p *prefetchRows) read(full chan *recordBatch) {
	defer p.stopped.Done()
	defer close(full)
	c := counterOf(p.in)
	for {
		var b *recordBatch
		select {
		case b = <-p.free:
		case <-p.stop:
			return
		}
		b.cells, b.items, b.eof = b.cells[:0], b.items[:0], false
		for len(b.items) < prefetchBatch {
			rec, err := p.in.Next()
			if err == io.EOF {
				b.eof, b.atEOF = true, p.state(c)
				break
			}
			b.cells = append(b.cells, rec...)
			it := p.state(c)
			it.end, it.err = len(b.cells), err
			b.items = append(b.items, it)
			if err != nil && quoteError(err) != nil {
				b.eof = true
				break
			}
		}
		if b.eof && len(b.items) > 0 && b.items[len(b.items)-1].err != nil {
			b.atEOF = b.items[len(b.items)-1]
			b.atEOF.err = nil
		}
		select {
		case full <- b:
		case <-p.stop:
			return
		}
		if b.eof {
			return
		}
	}
}

// state is the wrapped rows' Row and Counts now.
func (p *prefetchRows) state(c counter) item {
	it := item{row: p.in.Row()}
	if c != nil {
		it.lines, it.records = c.Counts()
	}
	return it
}

// Next returns the next record; the slice is valid until the next call.
func (p *prefetchRows) Next() ([]string, error) {
	for p.cur == nil || p.next == len(p.cur.items) {
		if p.eof {
			return nil, io.EOF
		}
		if p.cur != nil {
			if p.cur.eof {
				p.eof, p.last = true, p.cur.atEOF
				return nil, io.EOF
			}
			p.free <- p.cur
			p.cur = nil
		}
		b, ok := <-p.full
		if !ok { // the reader stopped after a record that ended it
			p.eof = true
			return nil, io.EOF
		}
		p.cur, p.next = b, 0
	}
	rec, err := p.cur.record(p.next)
	p.last = p.cur.items[p.next]
	p.next++
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// current returns the batch and index of the record last handed out.
func (p *prefetchRows) current() (*recordBatch, int) { return p.cur, p.next - 1 }

func counterOf(r rows) counter {
	c, _ := r.(counter)
	return c
}

func (p *prefetchRows) Row() int { return p.last.row }

// Counts returns the wrapped rows' counts as they were after the record
// last handed out, not after the records read ahead.
func (p *prefetchRows) Counts() (lines, records int) { return p.last.lines, p.last.records }

// Close stops the reading goroutine, waits for it, and closes the wrapped
// rows.
func (p *prefetchRows) Close() error {
	p.once.Do(func() {
		close(p.stop)
		p.stopped.Wait()
	})
	return p.in.Close()
}
