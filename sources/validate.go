package sources

import (
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/crmdigest/crmdigest/crm"
)

// The warning policy (docs/SOURCES.md): these rows are accepted, because
// the data may be right, but each doubt is listed in the quality report.
const (
	// pastHorizonDays: a date that happened (created, closed, done) later
	// than this many days after "now" is far in the future.
	pastHorizonDays = 1
	// plannedHorizonDays: a planned date (expected close, due) later than
	// this is far in the future.
	plannedHorizonDays = 5 * 366
)

// idIndex remembers the ids of one kind across its sources, as hashes,
// so that duplicates can be found after a source is read by sorting
// rather than by a map of a million strings while reading.
type idIndex struct {
	refs []idRef
	// starts holds, for each source read (src), the index in refs of its
	// first id: refs are added source after source, so a ref's source is
	// found from its index rather than stored in each of millions of them.
	// A source that fails has its refs dropped; the next one starts at
	// the same index, and srcs resolves to the later one.
	starts []int
	files  []string // by src
	ids    func(item int32) string
}

type idRef struct {
	h    uint64
	item int32 // index in the dataset's slice of that kind
	row  int32
}

var idSeed = maphash.MakeSeed()

// index returns the id index of a kind; ids reads an item's id.
func (l *loader) index(k crm.Kind, ids func(item int32) string) *idIndex {
	x := l.seenIDs[k]
	if x == nil {
		x = &idIndex{}
		l.seenIDs[k] = x
	}
	x.ids = ids
	x.starts = append(x.starts, len(x.refs))
	return x
}

// add records the id of an accepted item. Ids are compared as idKey
// makes them: exactly, but a Salesforce id in either of its forms.
func (x *idIndex) add(id string, item, row int) {
	if id == "" {
		return
	}
	x.refs = append(x.refs, idRef{h: maphash.String(idSeed, idKey(id)), item: int32(item), row: int32(row)})
}

// check warns about the ids of the source just read that an earlier row
// (of this source or an earlier one) already had, in row order. Sorting
// the bare hashes finds candidates cheaply; only those are compared.
func (x *idIndex) check(t *table) {
	src := len(x.files)
	x.files = append(x.files, t.info.File)
	hashes := make([]uint64, len(x.refs))
	for i, r := range x.refs {
		hashes[i] = r.h
	}
	radixSort(hashes)
	var twice map[uint64]bool
	for i := 1; i < len(hashes); i++ {
		if hashes[i] == hashes[i-1] {
			if twice == nil {
				twice = make(map[uint64]bool)
			}
			twice[hashes[i]] = true
		}
	}
	if twice == nil {
		return
	}
	type firstRef struct {
		idRef
		src int
	}
	first := make(map[string]firstRef)
	rs := 0                    // the source of refs[i]
	for i, r := range x.refs { // in source and row order
		for rs+1 < len(x.starts) && x.starts[rs+1] <= i {
			rs++
		}
		if !twice[r.h] {
			continue
		}
		id := x.ids(r.item)
		f, seen := first[idKey(id)]
		if !seen {
			first[idKey(id)] = firstRef{r, rs}
			continue
		}
		if rs != src {
			continue
		}
		where := fmt.Sprintf("row %d", f.row)
		if f.src != src {
			where += " of " + x.files[f.src]
		}
		t.warn(int(r.row), t.col("id"), id, "duplicate id: already on "+where)
	}
}

// checkFuture warns about a date far in the future, quoting the cell as
// written.
func (l *loader) checkFuture(t *table, c *column, rec []string, d crm.Day, row int, planned bool) {
	if !d.Valid() {
		return
	}
	limit := l.today + pastHorizonDays
	what := "a date that has happened"
	if planned {
		limit = l.today + plannedHorizonDays
		what = "a planned date"
	}
	if d > limit {
		t.warn(row, c, c.cell(rec), fmt.Sprintf("%s far in the future (after %s)", what, limit))
	}
}

// checkDeal applies the warning policy to an accepted deal. Warnings quote
// the cells as written, not the values read from them.
func (l *loader) checkDeal(t *table, d *crm.Deal, rec []string, row int, amount, closed, created, expected *column) {
	if d.Created.Valid() && d.Closed.Valid() && d.Closed < d.Created {
		t.warn(row, closed, closed.cell(rec), fmt.Sprintf("closed before it was created (%s in column %q)", created.cell(rec), created.header))
	}
	if crm.Has(d.Amount) && d.Amount < 0 {
		t.warn(row, amount, amount.cell(rec), "negative amount")
	}
	l.checkFuture(t, created, rec, d.Created, row, false)
	l.checkFuture(t, closed, rec, d.Closed, row, false)
	if expected.cell(rec) == "" { // an open deal's close date, moved to expected
		expected = closed
	}
	l.checkFuture(t, expected, rec, d.ExpectedClose, row, true)
}

// radixSort sorts hashes in eight byte-wide passes: for a million ids it
// is several times faster than a comparison sort.
func radixSort(a []uint64) {
	if len(a) < 512 {
		slices.Sort(a)
		return
	}
	buf := make([]uint64, len(a))
	src, dst := a, buf
	for shift := uint(0); shift < 64; shift += 8 {
		var count [256]int
		for _, v := range src {
			count[byte(v>>shift)]++
		}
		pos := 0
		for i, c := range count {
			count[i] = pos
			pos += c
		}
		for _, v := range src {
			k := byte(v >> shift)
			dst[count[k]] = v
			count[k]++
		}
		src, dst = dst, src
	}
	// Eight passes: the sorted hashes are back in a.
}
