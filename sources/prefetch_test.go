package sources

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// loadBoth loads specs with the fast paths (records read ahead in a
// goroutine, the one-pass cell reader of a sheet) and without, and fails
// unless both give the same dataset, reports and error.
func loadBoth(t *testing.T, specs []Spec) *crm.Dataset {
	t.Helper()
	load := func(ahead bool) (*crm.Dataset, string, error) {
		defer func(was, quick bool) { readAhead, quickCells = was, quick }(readAhead, quickCells)
		readAhead, quickCells = ahead, ahead
		ds, err := Load(context.Background(), specs, Options{Now: fixedNow, Currency: "EUR", Rates: map[string]float64{"USD": 0.9},
			MaxProblems: 1 << 20}) // every problem kept, so every one is compared
		return ds, dumpDataset(ds), err
	}
	seqDS, seq, seqErr := load(false)
	_, par, parErr := load(true)
	if fmt.Sprint(seqErr) != fmt.Sprint(parErr) {
		t.Fatalf("error read ahead:\n%v\nsequential:\n%v", parErr, seqErr)
	}
	if seq != par {
		a, b := strings.Split(seq, "\n"), strings.Split(par, "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("datasets differ at line %d:\nsequential %.300s\nread ahead %.300s", i, a[i], b[i])
			}
		}
		t.Fatalf("datasets differ in length: %d and %d lines", len(a), len(b))
	}
	return seqDS
}

// dumpDataset writes everything a dataset holds as text (NaN, which
// marks an absent amount, is not equal to itself for reflect.DeepEqual).
func dumpDataset(ds *crm.Dataset) string {
	if ds == nil {
		return "<nil>"
	}
	var b strings.Builder
	for _, n := range []*crm.Names{ds.Owners, ds.Accounts, ds.Products, ds.Stages, ds.Currencies} {
		fmt.Fprintf(&b, "%+v\n", *n)
	}
	fmt.Fprintf(&b, "%+v\n%+v\n%+v\n", ds.People, ds.StageKinds, ds.Fields)
	for _, d := range ds.Deals {
		fmt.Fprintf(&b, "%+v\n", d)
	}
	for _, q := range ds.Quality {
		fmt.Fprintf(&b, "%+v\n", q)
	}
	return b.String()
}

// randomDealsCSV writes a deals export of a few thousand rows, with what
// the data gate must notice: quoted fields holding delimiters, quotes and
// line breaks, blank lines, records of the wrong width, values no parser
// reads, duplicate ids, dates in the future or out of order, negative
// amounts, a currency without a rate, and now and then a stray quote
// that fails the source.
func randomDealsCSV(rng *rand.Rand, comma rune) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Comma, w.UseCRLF = comma, rng.IntN(2) == 0
	w.Write([]string{"id", "owner", "account", "product", "stage", "status", "created", "closed", "amount", "currency", "probability"})
	notes := []string{"Acme", "Acme, Inc.", "Ben \"the rep\"", "line\nbreak", "Zoë Núñez", " padded ", "two\r\nlines", "tab\there", "semi;colon"}
	n := 1000 + rng.IntN(3500)
	short := []int{400, 400, 400, 50}[rng.IntN(4)] // the last fails the source
	for i := range n {
		if rng.IntN(60) == 0 {
			w.Flush()
			b.WriteString("\n") // a blank line
			continue
		}
		if rng.IntN(short) == 0 {
			w.Write([]string{"short", "row"})
			continue
		}
		id := "D" + strconv.Itoa(i)
		if rng.IntN(40) == 0 {
			id = "D" + strconv.Itoa(rng.IntN(i+1)) // a duplicate, most likely
		}
		created := fmt.Sprintf("20%02d-%02d-%02d", 18+rng.IntN(6), 1+rng.IntN(12), 1+rng.IntN(28))
		closed := ""
		if rng.IntN(2) == 0 {
			closed = fmt.Sprintf("20%02d-%02d-%02d", 18+rng.IntN(12), 1+rng.IntN(12), 1+rng.IntN(28))
		}
		amount := strconv.Itoa(rng.IntN(90000)-500) + "." + strconv.Itoa(rng.IntN(100))
		cur := []string{"EUR", "EUR", "USD", "", "GBP"}[rng.IntN(5)]
		switch rng.IntN(50) {
		case 0:
			created = "not a date"
		case 1:
			amount = "12abc"
		case 2:
			created = "2099-01-01"
		}
		stage := []string{"Prospecting", "Won", "Lost", "Closed Won", "Négociation"}[rng.IntN(5)]
		status := []string{"open", "won", "lost", "", "Gagné", "maybe"}[rng.IntN(6)]
		w.Write([]string{id, notes[rng.IntN(len(notes))] + strconv.Itoa(rng.IntN(30)), notes[rng.IntN(len(notes))],
			"P" + strconv.Itoa(rng.IntN(7)), stage, status, created, closed, amount, cur, strconv.Itoa(rng.IntN(101)) + "%"})
	}
	w.Flush()
	text := b.String()
	if rng.IntN(8) == 0 { // a stray quote late in the file
		cut := len(text) - rng.IntN(len(text)/3)
		cut = strings.LastIndexByte(text[:cut], '\n') + 1
		text = text[:cut] + "\"stray" + string(comma) + text[cut:]
	}
	return text
}

// TestReadAheadMatchesSequentialCSV loads random deals exports with the
// records read ahead and without, and checks that the dataset, every
// report (counts, rows set aside, warnings, date evidence) and the error
// are the same.
func TestReadAheadMatchesSequentialCSV(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 4))
	dir := t.TempDir()
	var deals, fatal, aside, warned int
	for n := range 24 {
		comma := []rune{',', ';', '\t'}[n%3]
		path := filepath.Join(dir, fmt.Sprintf("deals%d.csv", n))
		if err := os.WriteFile(path, []byte(randomDealsCSV(rng, comma)), 0o644); err != nil {
			t.Fatal(err)
		}
		ds := loadBoth(t, []Spec{{Name: "deals", Kind: crm.KindDeals, Path: path}})
		q := ds.Quality[0]
		deals += len(ds.Deals)
		aside += q.RowsSetAside
		warned += q.WarningsTotal
		if q.Fatal != "" {
			fatal++
		}
	}
	// The inputs must have exercised what the test claims to compare.
	if deals == 0 || fatal == 0 || aside == 0 || warned == 0 {
		t.Fatalf("weak inputs: %d deals, %d failed sources, %d rows set aside, %d warnings", deals, fatal, aside, warned)
	}
}

// TestReadAheadMatchesSequentialXLSX does the same for random sheets:
// rows left out, blank rows, strings with entities, numbers and serials,
// and now and then damaged XML part way through.
func TestReadAheadMatchesSequentialXLSX(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 5))
	dir := t.TempDir()
	var deals, unreadable, aside int
	for n := range 8 {
		path := filepath.Join(dir, fmt.Sprintf("deals%d.xlsx", n))
		writeRandomDealsXLSX(t, rng, path, n%3 == 1)
		ds := loadBoth(t, []Spec{{Name: "deals", Kind: crm.KindDeals, Path: path, Sheet: "deals"}})
		q := ds.Quality[0]
		deals += len(ds.Deals)
		aside += q.RowsSetAside
		for _, p := range q.SetAside {
			if strings.HasPrefix(p.Reason, "unreadable row") {
				unreadable++
			}
		}
	}
	if deals == 0 || unreadable == 0 || aside == 0 {
		t.Fatalf("weak inputs: %d deals, %d unreadable rows, %d rows set aside", deals, unreadable, aside)
	}
}

// rawText is a cell's text written into the sheet's XML as it is.
type rawText string

// writeRandomDealsXLSX writes a random deals workbook; a damaged one has
// a row of bad XML part way through.
func writeRandomDealsXLSX(t *testing.T, rng *rand.Rand, path string, damaged bool) {
	t.Helper()
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zw := zip.NewWriter(fh)
	writeXLSXPackage(t, zw, false)
	var b strings.Builder
	b.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	cell := func(ref string, v any) {
		switch v := v.(type) {
		case rawText:
			b.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t>` + string(v) + `</t></is></c>`)
		case string:
			b.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t>`)
			xml.EscapeText(&b, []byte(v))
			b.WriteString(`</t></is></c>`)
		case int:
			fmt.Fprintf(&b, `<c r="%s" s="1"><v>%d</v></c>`, ref, v)
		case float64:
			fmt.Fprintf(&b, `<c r="%s"><v>%g</v></c>`, ref, v)
		}
	}
	header := []any{"id", "owner", "account", "stage", "status", "created", "closed", "amount"}
	r := 1
	row := func(vals []any) {
		fmt.Fprintf(&b, `<row r="%d">`, r)
		for c, v := range vals {
			if v != nil {
				cell(string(rune('A'+c))+strconv.Itoa(r), v)
			}
		}
		b.WriteString(`</row>`)
	}
	row(header)
	n := 1000 + rng.IntN(3000)
	bad := -1
	if damaged {
		bad = n/2 + rng.IntN(n/2)
	}
	for i := range n {
		r += 1 + rng.IntN(2) // now and then a row left out
		if i == bad {
			fmt.Fprintf(&b, `<row r="%d"><c r="A%d"><v>1</v></c><c r="A%d"/></row>`, r, r, r) // a column twice
			continue
		}
		id := "D&" + strconv.Itoa(i)
		if rng.IntN(40) == 0 {
			id = "D&" + strconv.Itoa(rng.IntN(i+1))
		}
		var created any = 43000 + rng.IntN(1500)
		if rng.IntN(40) == 0 {
			created = "someday"
		}
		var closed any
		if rng.IntN(2) == 0 {
			closed = 43000 + rng.IntN(2000)
		}
		var amount any = float64(rng.IntN(90000)-500) + 0.25
		if rng.IntN(30) == 0 {
			amount = "n/a"
		}
		if rng.IntN(500) == 0 { // a blank row
			row(nil)
			continue
		}
		owner := "Owner <" + strconv.Itoa(rng.IntN(20)) + ">"
		switch rng.IntN(4) { // forms the one-pass cell reader takes, or must leave to the general path
		case 0:
			owner = "Zoë Núñez " + strconv.Itoa(rng.IntN(5))
		case 1:
			owner = "Li_x0020_Wei_x005F_" + strconv.Itoa(rng.IntN(5))
		}
		var ownerCell any = owner
		if rng.IntN(3000) == 0 {
			ownerCell = rawText("bad \xff UTF-8") // written as is: the row is unreadable
		}
		row([]any{id, ownerCell, "Acme & Co " + strconv.Itoa(rng.IntN(50)),
			[]string{"Prospecting", "Won", "Lost"}[rng.IntN(3)], []any{"open", "won", "lost", nil}[rng.IntN(4)], created, closed, amount})
	}
	b.WriteString(`</sheetData></worksheet>`)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err == nil {
		_, err = io.WriteString(w, b.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPrefetchRowsSameStream checks the wrapper on its own: over random
// CSV text (quotes, line breaks in fields, a stray quote now and then) it
// gives the splitter's records, errors, rows and counts call for call.
func TestPrefetchRowsSameStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 6))
	type step struct {
		rec            []string
		err            string
		row            int
		lines, records int
	}
	read := func(r rows) []step {
		var out []step
		c := r.(counter)
		for {
			rec, err := r.Next()
			s := step{rec: slices.Clone(rec), row: r.Row()}
			s.lines, s.records = c.Counts()
			if err != nil {
				s.err = err.Error()
			}
			out = append(out, s)
			if err == io.EOF || quoteError(err) != nil {
				return out
			}
		}
	}
	for n := range 30 {
		text := randomDealsCSV(rng, ',')
		if n%2 == 1 {
			text = text[:rng.IntN(len(text))] // cut anywhere, maybe inside a quoted field
		}
		plain := &csvRows{s: newSplitter(strings.NewReader(text), ',')}
		want := read(plain)
		p := newPrefetchRows(&csvRows{s: newSplitter(strings.NewReader(text), ',')}, nil)
		got := read(p)
		p.once.Do(func() { close(p.stop); p.stopped.Wait() })
		if len(got) != len(want) {
			t.Fatalf("text %d: %d calls read ahead, %d plain", n, len(got), len(want))
		}
		for i := range want {
			if !slices.Equal(got[i].rec, want[i].rec) || got[i].err != want[i].err || got[i].row != want[i].row ||
				got[i].lines != want[i].lines || got[i].records != want[i].records {
				t.Fatalf("text %d, call %d: read ahead %+v, plain %+v", n, i, got[i], want[i])
			}
		}
	}
}

// TestReadAheadLeavesNoGoroutine loads sources that stop early (a stray
// quote fails the source part way) or read to the end, and closes a
// reader left after one record with its goroutines still reading (as when
// the context is cancelled), and checks that every goroutine has ended: a
// daemon loads sources on every firing.
func TestReadAheadLeavesNoGoroutine(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(12, 7))
	csvPath := filepath.Join(dir, "deals.csv")
	text := randomDealsCSV(rng, ',')
	cut := strings.LastIndexByte(text[:len(text)/2], '\n') + 1
	stray := text[:cut] + "\"stray," + text[cut:]
	xlsxPath := filepath.Join(dir, "deals.xlsx")
	writeRandomDealsXLSX(t, rng, xlsxPath, true)
	base := runtime.NumGoroutine()
	settled := func(what string) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base {
			t.Fatalf("%s: %d goroutines after, %d before", what, n, base)
		}
	}
	for _, c := range []struct {
		name string
		text string
	}{{"stray quote", stray}, {"whole file", text}, {"xlsx", ""}} {
		spec := Spec{Name: "deals", Kind: crm.KindDeals, Path: csvPath}
		if c.text == "" {
			spec = Spec{Name: "deals", Kind: crm.KindDeals, Path: xlsxPath, Sheet: "deals"}
		} else if err := os.WriteFile(csvPath, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		ds, _ := Load(context.Background(), []Spec{spec}, Options{Now: fixedNow})
		if ds == nil {
			t.Fatalf("%s: no dataset", c.name)
		}
		settled(c.name)
	}
	for _, prep := range []func(*recordBatch){nil, func(*recordBatch) {}} {
		p := newPrefetchRows(&csvRows{s: newSplitter(strings.NewReader(strings.Repeat(text, 4)), ',')}, prep)
		if _, err := p.Next(); err != nil {
			t.Fatal(err)
		}
		p.once.Do(func() { close(p.stop); p.stopped.Wait() }) // Close, but for the file
		settled("closed after one record")
	}
}

// TestEstimateSheetRows checks the size a sheet's deals are given before
// they are read: scaled from the XML the sample took to the part's size,
// and never more than a table's rows.
func TestEstimateSheetRows(t *testing.T) {
	sc := newXMLScanner(strings.NewReader(""), "sheet.xml")
	sc.done = 1000 // the 10 records of the sample took 1,000 bytes
	r := &xlsxRows{sc: sc, size: 1_000_000, first: 1, last: -1}
	tb := &table{info: sheetInfo{Serials: true}, sample: make([][]string, 10), rows: r}
	if got := tb.estimate(); got < 10_000 || got > 11_000 {
		t.Errorf("a 1 MB part whose first KB held 10 records: estimate %d, want 10,000 and a margin", got)
	}
	r.first, r.last = 4, 20
	if got := tb.estimate(); got != 17 {
		t.Errorf("a table of rows 4 to 20: estimate %d, want 17", got)
	}
}
