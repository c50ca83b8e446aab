package sources

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/clock"
)

// Options are what Load needs from the rest of the configuration.
type Options struct {
	// Location is the organisation's reporting time zone: timestamps are
	// turned into days there. Nil means UTC.
	Location *time.Location
	// Currency is the reporting currency (ISO 4217); Rates converts one
	// unit of another currency into it. A deal in a currency without a
	// rate is set aside. An empty Currency disables the check.
	Currency string
	Rates    map[string]float64
	// MaxProblems caps the problems and warnings kept per source (all are
	// counted); 0 means 100.
	MaxProblems int
	// Now is the clock for the "far in the future" warnings; nil means
	// clock.Now.
	Now func() time.Time
}

// FatalError lists the sources that could not be read at all. Load returns
// it along with the dataset of the sources that could.
type FatalError struct {
	Sources []crm.SourceReport
}

func (e *FatalError) Error() string {
	var b strings.Builder
	if len(e.Sources) == 1 {
		b.WriteString("1 source could not be read: ")
	} else {
		fmt.Fprintf(&b, "%d sources could not be read: ", len(e.Sources))
	}
	for i, r := range e.Sources {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "source %q (%s): %s", r.Name, r.File, r.Fatal)
	}
	return b.String()
}

// loader carries the state shared by the sources of one Load.
type loader struct {
	ds        *crm.Dataset
	opts      Options
	today     crm.Day
	people    []crm.Person
	dir       *directory
	seenIDs   map[crm.Kind]*idIndex
	catalogue map[string]bool
	books     *workbooks
	// strs holds the copies of the strings the model keeps.
	strs stringStore
}

// workbooks are the XLSX files open during one Load, by path: sources
// naming sheets of one workbook share its zip and shared strings.
type workbooks struct {
	byPath map[string]*workbook
	errs   map[string]error
}

// open returns the workbook at path, opening it on first use.
func (w *workbooks) open(path string) (*workbook, error) {
	if wb, ok := w.byPath[path]; ok {
		return wb, nil
	}
	if err, ok := w.errs[path]; ok {
		return nil, err
	}
	wb, err := openWorkbook(path)
	if err != nil {
		w.errs[path] = err
		return nil, err
	}
	w.byPath[path] = wb
	return wb, nil
}

func (w *workbooks) close() {
	for _, wb := range w.byPath {
		wb.Close()
	}
}

// Load reads every source into one dataset. It returns an error without a
// dataset only when the configuration itself is wrong; a source that cannot
// be read (a missing file or column, a file that is not what it claims) is
// recorded in its report's Fatal, and Load then returns the dataset of the
// other sources together with a *FatalError naming it.
//
// People sources are read first, so that owners can be resolved to people
// by name, email or CRM id; then product lists; then the rest in order.
func Load(ctx context.Context, specs []Spec, opts Options) (*crm.Dataset, error) {
	if err := ValidateSpecs(specs); err != nil {
		return nil, err
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 100
	}
	now := clock.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ds := crm.NewDataset()
	ds.Currency = strings.ToUpper(opts.Currency)
	ds.Rates = opts.Rates
	l := &loader{ds: ds, opts: opts, today: crm.DayOf(now().In(opts.Location)),
		seenIDs: make(map[crm.Kind]*idIndex), catalogue: make(map[string]bool),
		books: &workbooks{byPath: make(map[string]*workbook), errs: make(map[string]error)}}
	defer l.books.close()

	reports := make([]crm.SourceReport, len(specs))
	var order []int
	for pass := 0; pass < 3; pass++ {
		for i, s := range specs {
			p := 2
			switch s.Kind {
			case crm.KindPeople:
				p = 0
			case KindProducts:
				p = 1
			}
			if p == pass {
				order = append(order, i)
			}
		}
	}
	peopleDone := false
	for _, i := range order {
		if !peopleDone && specs[i].Kind != crm.KindPeople {
			l.finishPeople()
			peopleDone = true
		}
		if err := ctx.Err(); err != nil {
			return ds, err
		}
		reports[i] = l.loadSource(ctx, &specs[i])
	}
	if !peopleDone {
		l.finishPeople()
	}
	ds.Quality = reports
	var fatal []crm.SourceReport
	for _, r := range reports {
		if r.Fatal != "" {
			fatal = append(fatal, r)
		}
	}
	if err := ctx.Err(); err != nil {
		return ds, err
	}
	if len(fatal) > 0 {
		return ds, &FatalError{Sources: fatal}
	}
	return ds, nil
}

// mark notes how many rows of each kind the dataset holds, and returns
// the function that drops the rows added since: a source that fails half
// way (a stray quote at line 101) leaves none of its rows behind. People
// are merged into existing entries and are not undone; a people source
// that fails fails Load anyway.
func (l *loader) mark() func() {
	ds := l.ds
	deals, acts, leads, invs, targets := len(ds.Deals), len(ds.Activities), len(ds.Leads), len(ds.Invoices), len(ds.Targets)
	refs := make(map[crm.Kind]int, len(l.seenIDs))
	for k, x := range l.seenIDs {
		refs[k] = len(x.refs)
	}
	return func() {
		ds.Deals, ds.Activities, ds.Leads = ds.Deals[:deals], ds.Activities[:acts], ds.Leads[:leads]
		ds.Invoices, ds.Targets = ds.Invoices[:invs], ds.Targets[:targets]
		for k, x := range l.seenIDs {
			x.refs = x.refs[:refs[k]]
		}
	}
}

// required lists, per kind, the fields that must have a column, and groups
// of which one must.
var required = map[crm.Kind]struct {
	all   []string
	oneOf [][]string
}{
	crm.KindDeals:      {all: []string{"owner"}, oneOf: [][]string{{"stage", "status"}}},
	crm.KindActivities: {all: []string{"owner"}, oneOf: [][]string{{"due", "done_at"}}},
	crm.KindLeads:      {all: []string{"owner", "date"}},
	crm.KindInvoices:   {all: []string{"owner", "date", "amount"}},
	crm.KindTargets:    {all: []string{"period", "metric", "value"}},
	crm.KindPeople:     {oneOf: [][]string{{"name", "email"}}},
	KindProducts:       {all: []string{"product"}},
}

// loadSource reads one source, recording everything in its report.
func (l *loader) loadSource(ctx context.Context, s *Spec) (rep crm.SourceReport) {
	rep = crm.SourceReport{Name: s.Name, Kind: s.Kind, File: s.Path, First: crm.NoDay, Last: crm.NoDay, ExportDate: crm.NoDay}
	f, err := resolveExport(s.Path)
	if err != nil {
		rep.Fatal = err.Error()
		return rep
	}
	rep.File, rep.ModTime, rep.ExportDate = f.Path, f.ModTime, f.Date
	req := required[s.Kind]
	t, err := openTable(f.Path, s, &rep, &l.opts, l.books, req.all, req.oneOf)
	if err != nil {
		var fe *fatalError
		if !errors.As(err, &fe) {
			err = &fatalError{err.Error()}
		}
		rep.Fatal = err.Error()
		return rep
	}
	defer t.close()
	undo := l.mark()
	defer func() {
		if rep.Fatal != "" {
			undo()
		}
	}()
	switch s.Kind {
	case crm.KindDeals:
		err = l.readDeals(ctx, t)
	case crm.KindActivities:
		err = l.readActivities(ctx, t)
	case crm.KindLeads:
		err = l.readLeads(ctx, t)
	case crm.KindInvoices:
		err = l.readInvoices(ctx, t)
	case crm.KindTargets:
		err = l.readTargets(ctx, t)
	case crm.KindPeople:
		err = l.readPeople(ctx, t)
	case KindProducts:
		err = l.readProducts(ctx, t)
	}
	t.counts()
	if err != nil && ctx.Err() == nil {
		rep.Fatal = err.Error()
	}
	return rep
}
