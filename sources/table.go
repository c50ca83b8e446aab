package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

const (
	// headerScan is how many leading records may hold the header row:
	// title rows above it are common in report exports.
	headerScan = 20
	// sampleRecords is how many data records are looked at before
	// converting any, to detect each column's date order and decimal mark.
	sampleRecords = 1000
)

// table is one source's file being read: its rows, its header and the
// columns bound to canonical fields.
type table struct {
	spec   *Spec
	info   sheetInfo
	rows   rows
	header []string
	cols   map[string]*column
	rep    *crm.SourceReport
	loc    *time.Location
	max    int // problems kept

	// prep, when a reader of a kind sets it, works out in advance, in a
	// goroutine of its own, what can be read from a batch of records
	// alone; the reader finds it with prepared. Results must be those it
	// would compute itself from the record.
	prep func(*recordBatch)

	sample     [][]string
	sampleRow  []int
	pendingErr error // a read error met while sampling
	readErrors int
}

// fatalError is a problem that stops one source; the loader records it in
// the source's report.
type fatalError struct{ msg string }

func (e *fatalError) Error() string { return e.msg }

func fatalf(format string, args ...any) error {
	return &fatalError{fmt.Sprintf(format, args...)}
}

// openTable opens the file of a source, finds its header row and binds the
// preset's and config's columns. required lists fields that must have a
// column; oneOf lists groups of which one must.
func openTable(path string, spec *Spec, rep *crm.SourceReport, opts *Options, books *workbooks, required []string, oneOf [][]string) (*table, error) {
	var (
		rs   rows
		info sheetInfo
		err  error
	)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
		var wb *workbook
		if wb, err = books.open(path); err == nil {
			rs, info, err = wb.openSheet(spec.Sheet, spec.Table)
		}
	default:
		rs, info, err = openCSV(path, csvOptions{Delimiter: spec.Delimiter, Encoding: spec.Encoding,
			MaxFieldLines: spec.MaxFieldLines, MaxFieldBytes: spec.MaxFieldBytes})
	}
	if err != nil {
		return nil, &fatalError{err.Error()}
	}
	if info.File == "" {
		info.File = path
	}
	rep.Sheet = info.Sheet
	t := &table{spec: spec, info: info, rows: rs, rep: rep, loc: opts.Location, max: opts.MaxProblems}
	if err := t.findHeader(); err != nil {
		rs.Close()
		return nil, err
	}
	if err := t.bind(required, oneOf); err != nil {
		rs.Close()
		return nil, err
	}
	if err := t.readSample(); err != nil {
		rs.Close()
		return nil, err
	}
	if err := t.detect(); err != nil {
		rs.Close()
		return nil, err
	}
	return t, nil
}

// wanted returns the headers a field may have, config first.
func (t *table) wanted(field string) []string {
	if h, ok := t.spec.Columns[field]; ok {
		if h == "" {
			return nil
		}
		return []string{h}
	}
	return presetFor(t.spec.Preset, t.spec.Kind).columns[field]
}

// findHeader reads up to headerScan records and keeps the one that names
// the most mapped columns (or the configured header_row); the records
// after it are kept as the start of the sample.
func (t *table) findHeader() error {
	fields, _ := kindFields(t.spec.Kind)
	want := make(map[string]bool)
	for _, f := range fields {
		for _, h := range t.wanted(f) {
			want[normHeader(h)] = true
		}
	}
	var recs [][]string
	var nums []int
	best, bestScore := -1, 0
	for len(recs) < headerScan || (t.spec.HeaderRow > 0 && best < 0) {
		rec, err := t.rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fatalf("read: %v", err)
		}
		recs = append(recs, append([]string(nil), rec...))
		nums = append(nums, t.rows.Row())
		if t.spec.HeaderRow > 0 {
			if t.rows.Row() >= t.spec.HeaderRow {
				best = len(recs) - 1
				break
			}
			continue
		}
		score := 0
		for _, c := range rec {
			if want[normHeader(c)] {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = len(recs)-1, score
		}
	}
	if len(recs) == 0 {
		return fatalf("the file has no rows")
	}
	if best < 0 {
		if t.spec.HeaderRow > 0 {
			return fatalf("header_row %d is beyond the last row", t.spec.HeaderRow)
		}
		// Nothing looks like a header: take the first row, so that the
		// missing columns are reported with the headers found.
		best = 0
		for best < len(recs)-1 && blank(recs[best]) {
			best++
		}
	}
	t.header = recs[best]
	for i := range t.header {
		t.header[i] = strings.TrimPrefix(t.header[i], "\ufeff")
	}
	for i := best + 1; i < len(recs); i++ {
		if !blank(recs[i]) {
			t.sample = append(t.sample, recs[i])
			t.sampleRow = append(t.sampleRow, nums[i])
		}
	}
	return nil
}

// bind finds each field's column.
func (t *table) bind(required []string, oneOf [][]string) error {
	index := make(map[string]int, len(t.header))
	for i := len(t.header) - 1; i >= 0; i-- {
		index[normHeader(t.header[i])] = i // the first of twin headers wins
	}
	fields, _ := kindFields(t.spec.Kind)
	pre := presetFor(t.spec.Preset, t.spec.Kind)
	t.cols = make(map[string]*column, len(fields))
	for _, f := range fields {
		c := &column{field: f, index: -1}
		for _, h := range t.wanted(f) {
			if i, ok := index[normHeader(h)]; ok {
				c.index, c.header = i, t.header[i]
				break
			}
		}
		if h, ok := t.spec.Columns[f]; ok && h != "" && c.index < 0 {
			return fatalf("no column %q for %s; %s", h, f, didYouMean([]string{h}, t.header))
		}
		c.values, c.other, c.hasOther = mergeValues(pre.values[f], t.spec.Values[f])
		t.cols[f] = c
	}
	for _, f := range required {
		if t.cols[f].index < 0 {
			return &fatalError{missingColumn(f, t.wanted(f), t.header)}
		}
	}
	for _, group := range oneOf {
		found := false
		for _, f := range group {
			found = found || t.cols[f].index >= 0
		}
		if !found {
			var wanted []string
			for _, f := range group {
				wanted = append(wanted, t.wanted(f)...)
			}
			return &fatalError{missingColumn(strings.Join(group, " or "), wanted, t.header)}
		}
	}
	return nil
}

func didYouMean(wanted, found []string) string {
	s := ""
	if c := closestHeader(wanted, found); c != "" {
		s = fmt.Sprintf("did you mean %q? ", c)
	}
	return s + "Headers found: " + quoteList(found)
}

// mergeValues overlays config's value map on the preset's, normalising keys.
func mergeValues(maps ...map[string]string) (m map[string]string, other string, hasOther bool) {
	for _, vm := range maps {
		for k, v := range vm {
			if k == "*" {
				other, hasOther = v, true
				continue
			}
			if m == nil {
				m = make(map[string]string)
			}
			m[normValue(k)] = v
		}
	}
	return m, other, hasOther
}

// readSample buffers the first data records.
func (t *table) readSample() error {
	for len(t.sample) < sampleRecords {
		rec, err := t.rows.Next()
		if err == io.EOF {
			break
		}
		if qe := quoteError(err); qe != nil {
			return qe
		}
		if err != nil {
			// Let the main loop report it with its row.
			t.sample = append(t.sample, nil)
			t.sampleRow = append(t.sampleRow, -1)
			t.pendingErr = err
			break
		}
		if blank(rec) {
			continue
		}
		t.sample = append(t.sample, append([]string(nil), rec...))
		t.sampleRow = append(t.sampleRow, t.rows.Row())
	}
	return nil
}

// blank reports a record with no text in any cell.
func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// each calls fn for every data record, the sample first; fn returns the
// problem that sets the row aside, or nil. It keeps the counts.
func (t *table) each(ctx context.Context, fn func(rec []string, row int) *crm.Problem) error {
	_, isCSV := t.rows.(*csvRows)
	shape := 0 // records set aside for their field count
	var dates []*dateStats
	fields, _ := kindFields(t.spec.Kind)
	for _, f := range fields {
		if c := t.cols[f]; dateFields[f] && c.index >= 0 {
			dates = append(dates, &dateStats{col: c})
		}
	}
	defer func() {
		for _, st := range dates {
			if st.rows > 0 {
				t.rep.Dates = append(t.rep.Dates, st.report())
			}
		}
	}()
	handle := func(rec []string, row int) {
		t.rep.RowsRead++
		if isCSV && len(rec) != len(t.header) {
			shape++
			t.setAside(crm.Problem{File: t.info.File, Row: row,
				Reason: fmt.Sprintf("the record has %d fields where the header has %d", len(rec), len(t.header))})
			return
		}
		for _, st := range dates {
			t.noteDate(st, rec)
		}
		if p := fn(rec, row); p != nil {
			t.setAside(*p)
			return
		}
		t.rep.RowsAccepted++
	}
	for i, rec := range t.sample {
		if rec == nil {
			break
		}
		handle(rec, t.sampleRow[i])
	}
	if t.pendingErr != nil {
		t.readError(t.pendingErr)
	}
	t.sample = nil
	if readAhead {
		t.rows = newPrefetchRows(t.rows, t.prep)
	}
	for n := 0; ; n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := t.rows.Next()
		if err == io.EOF {
			if shape > maxShapeErrors(t.rep.RowsRead) {
				return fatalf("%d of %d records have a field count other than the header's %d (the limit is 1%% of the records, at most %d): the file is not the table its header describes",
					shape, t.rep.RowsRead, len(t.header), shapeErrorCap)
			}
			return nil
		}
		if qe := quoteError(err); qe != nil {
			return qe
		}
		if err != nil {
			if !t.readError(err) {
				return nil
			}
			continue
		}
		if blank(rec) {
			continue
		}
		handle(rec, t.rows.Row())
	}
}

// shapeErrorCap is how many records with the wrong field count a CSV source
// may have, whatever its size; smaller files may have 1 % of their records
// (so a 50-row file with one short row fails: 2 % of it is damaged).
const shapeErrorCap = 100

// maxShapeErrors is how many records with the wrong field count are set
// aside before the source fails: 1 % of those read, at most shapeErrorCap.
func maxShapeErrors(records int) int {
	return min(records/100, shapeErrorCap)
}

// quoteError turns a runaway quoted field into the error that fails the
// source (its report names the file); nil for any other error.
func quoteError(err error) error {
	if err == nil || err == io.EOF {
		return nil
	}
	var qe *QuoteError
	if errors.As(err, &qe) {
		return &fatalError{"quoting: " + qe.Error()}
	}
	return nil
}

// counts records in the report how many physical lines (or sheet rows)
// and records the reader went through.
func (t *table) counts() {
	if c, ok := t.rows.(counter); ok {
		t.rep.Lines, t.rep.Records = c.Counts()
	}
}

// readError records a record the reader could not split as a row set
// aside. It returns false when reading cannot go on.
func (t *table) readError(err error) bool {
	t.rep.RowsRead++
	t.setAside(crm.Problem{File: t.info.File, Sheet: t.info.Sheet, Row: t.rows.Row(), Reason: "unreadable row: " + err.Error()})
	t.readErrors++
	return t.readErrors < 100
}

func (t *table) setAside(p crm.Problem) {
	t.rep.RowsSetAside++
	if len(t.rep.SetAside) < t.max {
		t.rep.SetAside = append(t.rep.SetAside, p)
	}
}

// warn records a doubt about an accepted row.
func (t *table) warn(row int, c *column, raw, reason string) {
	t.rep.WarningsTotal++
	if len(t.rep.Warnings) < t.max {
		t.rep.Warnings = append(t.rep.Warnings, t.problem(row, c, raw, reason))
	}
}

// problem locates a reason at a row and column.
func (t *table) problem(row int, c *column, raw, reason string) crm.Problem {
	p := crm.Problem{File: t.info.File, Sheet: t.info.Sheet, Row: row, Value: strings.Clone(raw), Reason: reason}
	if c != nil {
		p.Column = c.header
	}
	return p
}

// col returns the column bound to a field (absentColumn when none).
func (t *table) col(field string) *column {
	if c, ok := t.cols[field]; ok && c.index >= 0 {
		return c
	}
	return absentColumn
}

// present lists the fields that have a column, for Dataset.MarkFields.
func (t *table) present() []string {
	fields, _ := kindFields(t.spec.Kind)
	var out []string
	for _, f := range fields {
		if t.cols[f].index >= 0 {
			out = append(out, f)
		}
	}
	return out
}

// seen widens the report's date range.
func (t *table) seen(d crm.Day) {
	if !d.Valid() {
		return
	}
	if !t.rep.First.Valid() || d < t.rep.First {
		t.rep.First = d
	}
	if !t.rep.Last.Valid() || d > t.rep.Last {
		t.rep.Last = d
	}
}

// estimate guesses how many records a source holds, so that the
// dataset's slices grow once: for a CSV file from its size and the
// sample's mean record length, for a sheet from its part's size and the
// bytes of XML read for the sample. Growing a slice of a million deals
// step by step took a fifth of a sheet's load.
func (t *table) estimate() int {
	if len(t.sample) == 0 {
		return 0
	}
	if p, ok := t.rows.(interface {
		progress() (read, size int64, most int)
	}); ok {
		read, size, most := p.progress()
		if read <= 0 || size <= 0 {
			return len(t.sample)
		}
		est := int64(float64(size) / float64(read) * float64(len(t.sample)))
		return int(min(est+est/16, int64(most)))
	}
	if t.info.Serials {
		return len(t.sample)
	}
	st, err := os.Stat(t.info.File)
	if err != nil {
		return len(t.sample)
	}
	n := 0
	for _, rec := range t.sample {
		for _, c := range rec {
			n += len(c) + 1
		}
	}
	est := st.Size() * int64(len(t.sample)) / int64(max(n, 1))
	return int(min(est+est/16, 50_000_000))
}

// prepared returns the batch that holds the record each is handling and
// its index there, when that record was read ahead.
func (t *table) prepared() (*recordBatch, int, bool) {
	p, ok := t.rows.(*prefetchRows)
	if !ok || p.cur == nil {
		return nil, 0, false
	}
	b, i := p.current()
	return b, i, true
}

func (t *table) close() error { return t.rows.Close() }
