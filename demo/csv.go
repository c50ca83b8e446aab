package demo

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// CSVCounts are the rows GenerateCSV wrote, per file (headers excluded).
type CSVCounts struct {
	People, Deals, Activities, Leads, Invoices, Targets int
}

// GenerateCSV writes the organisation of opt as six CSV files in dir, one
// per sheet of the workbook (CSVName: people-2026-11-27.csv, ...; the date
// in the name is the export's age for `check` and the daemon), holding the same
// rows as the sheets of Generate's workbook: dates as YYYY-MM-DD (a done
// activity's timestamp with the same time of day), amounts and ratios as
// plain numbers. It also writes config.yaml, ready to run over them.
//
// Unlike Generate, it does not hold the organisation's history: it draws
// it rep by rep and writes each row as it comes, so its memory grows with
// the number of people and accounts, not of rows (an XLSX sheet could not
// hold a large organisation's activities anyway: 1,048,576 rows at most).
// The ids' width depends on the row counts, and invoices draw from the
// shared stream after every rep's activities, so the history is drawn
// twice: once to count the rows and find where the invoices' stream
// starts, once to write.
func GenerateCSV(dir string, opt Options) (CSVCounts, error) {
	g := newGenerator(opt)
	o := g.opt
	g.org()
	g.accountsFor()

	// First pass: count, and sum each rep's won revenue for the targets.
	activitiesFrom := *g.src
	var n CSVCounts
	n.People = len(g.ds.People)
	var deals []crm.Deal
	var acts []crm.Activity
	var wonCloses []crm.Day
	wonBy := make([][]float64, len(g.reps))
	for ri := range g.reps {
		deals = g.repDeals(ri, deals[:0])
		n.Deals += len(deals)
		for i := range deals {
			if deals[i].Status == crm.StatusWon {
				wonCloses = append(wonCloses, deals[i].Closed)
			}
		}
		wonBy[ri] = g.addWon(make([]float64, len(g.months)), deals)
		acts = g.repActivities(g.r, ri, deals, acts[:0])
		n.Activities += len(acts)
	}
	invoicesFrom := *g.src
	for _, c := range wonCloses {
		if _, ok := g.invoiceDay(g.r, c); ok {
			n.Invoices++
		}
	}
	wonCloses = nil
	// The deals marked which products each account owns: start again.
	for i := range g.accounts {
		g.accounts[i].owned = 0
	}

	// Second pass: write.
	files := make([]*csvFile, len(SheetNames))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.abort()
			}
		}
	}()
	for i, name := range SheetNames {
		f, err := createCSV(filepath.Join(dir, CSVName(name, o.End)))
		if err != nil {
			return n, fmt.Errorf("write demo CSV: %w", err)
		}
		files[i] = f
		f.write(sheetColumns[i]...)
	}
	people, dealsF, actsF, leadsF, invsF, targetsF := files[0], files[1], files[2], files[3], files[4], files[5]
	for _, p := range g.ds.People {
		people.write(p.Name, p.Email, p.Role.String(), p.Manager, p.Team, p.Region, p.Locale, p.TimeZone, "")
	}
	actR := rand.New(&activitiesFrom)
	invR := rand.New(&invoicesFrom)
	dealIDs := idWriter{prefix: "D-", width: idWidth(n.Deals)}
	actIDs := idWriter{prefix: "A-", width: idWidth(n.Activities)}
	invIDs := idWriter{prefix: "INV-", width: idWidth(n.Invoices)}
	var leads []crm.Lead
	var invs []crm.Invoice
	ds := g.ds
	cur := ds.Currencies
	act := 0 // index of the next activity, for its time of day
	for ri := range g.reps {
		deals = g.repDeals(ri, deals[:0])
		for i := range deals {
			deals[i].ID = dealIDs.next()
		}
		acts = g.repActivities(actR, ri, deals, acts[:0])
		for i := range acts {
			a := &acts[i]
			var doneAt string
			if a.DoneAt.Valid() {
				// The workbook's time of day (Write).
				minutes := 8*60 + (act*37)%600
				doneAt = a.DoneAt.String() + fmt.Sprintf(" %02d:%02d", minutes/60, minutes%60)
			}
			act++
			done := "false"
			if a.IsDone() {
				done = "true"
			}
			actsF.write(actIDs.next(), ds.Owners.Name(a.Owner), a.Type.String(), a.Due.String(), doneAt, done,
				a.Subject, a.Deal, ds.Accounts.Name(a.Account))
		}
		// A deal's row waits for the rep's activities: they move its last
		// activity.
		for i := range deals {
			d := &deals[i]
			dealsF.write(d.ID, ds.Owners.Name(d.Owner), ds.Accounts.Name(d.Account), ds.Products.Name(d.Product),
				ds.Stages.Name(d.Stage), d.Status.String(), d.Kind.String(),
				d.Created.String(), d.Closed.String(), d.ExpectedClose.String(),
				number(d.Amount), cur.Name(d.Currency), number(d.Margin), number(d.Probability), d.LastActivity.String())
		}
		leads = g.repLeads(ri, leads[:0])
		for _, l := range leads {
			leadsF.write(ds.Owners.Name(l.Owner), l.Date.String(), l.Kind.String())
		}
		n.Leads += len(leads)
		invs = g.repInvoices(invR, deals, invs[:0])
		for _, in := range invs {
			invsF.write(invIDs.next(), ds.Owners.Name(in.Owner), ds.Accounts.Name(in.Account), in.Date.String(),
				number(in.Amount), cur.Name(in.Currency))
		}
	}
	g.targets(wonBy, func(t crm.Target) {
		targetsF.write(t.Scope.String(), t.Key, t.Period, t.Metric, number(t.Value))
		n.Targets++
	})
	if dealIDs.n != n.Deals || actIDs.n != n.Activities || invIDs.n != n.Invoices {
		return n, fmt.Errorf("write demo CSV: the second pass drew %d deals, %d activities, %d invoices; the first %d, %d, %d",
			dealIDs.n, actIDs.n, invIDs.n, n.Deals, n.Activities, n.Invoices)
	}
	for i, f := range files {
		if err := f.commit(); err != nil {
			return n, fmt.Errorf("write demo CSV: %w", err)
		}
		files[i] = nil
	}
	if err := writeAtomic(filepath.Join(dir, "config.yaml"), []byte(csvConfig(o))); err != nil {
		return n, fmt.Errorf("write demo CSV: %w", err)
	}
	return n, nil
}

// CSVName is the name of the CSV file GenerateCSV writes for a sheet of
// data ending on end.
func CSVName(sheet string, end crm.Day) string { return sheet + "-" + end.String() + ".csv" }

// number writes an amount or a ratio as the workbook's cell holds it, or
// nothing for an absent one.
func number(v float64) string {
	if !crm.Has(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// idWidth is the number of digits of the ids of n rows (idStrings).
func idWidth(n int) int { return max(6, len(strconv.Itoa(n))) }

// idWriter numbers rows from 1, as idStrings does.
type idWriter struct {
	prefix string
	width  int
	n      int
	buf    []byte
}

func (w *idWriter) next() string {
	w.n++
	w.buf = append(w.buf[:0], w.prefix...)
	digits := strconv.Itoa(w.n)
	for range w.width - len(digits) {
		w.buf = append(w.buf, '0')
	}
	return string(append(w.buf, digits...))
}

// csvFile is a CSV file being written under a temporary name, renamed
// into place by commit: a reader never sees half a file.
type csvFile struct {
	path string
	f    *os.File
	b    *bufio.Writer
	w    *csv.Writer
	row  []string
}

func createCSV(path string) (*csvFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".demo-*.csv")
	if err != nil {
		return nil, err
	}
	b := bufio.NewWriterSize(f, 1<<20)
	return &csvFile{path: path, f: f, b: b, w: csv.NewWriter(b)}, nil
}

// write adds a row; the first error is kept for commit.
func (c *csvFile) write(cells ...string) {
	_ = c.w.Write(cells)
}

func (c *csvFile) commit() error {
	c.w.Flush()
	err := errors.Join(c.w.Error(), c.b.Flush(), c.f.Sync(), c.f.Close())
	if err == nil {
		err = os.Rename(c.f.Name(), c.path)
	}
	if err != nil {
		os.Remove(c.f.Name())
	}
	return err
}

func (c *csvFile) abort() {
	c.f.Close()
	os.Remove(c.f.Name())
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// csvConfig is a configuration over the CSV files of GenerateCSV (paths
// relative to it): the root config.yaml's schedules, an outbox and a
// SQLite store under out/, and the clock pinned to the Monday after End at
// 07:00 in Paris, so that the first weekly firing reads the data's last
// week.
func csvConfig(o Options) string {
	monday := o.End + 1
	for (int(monday)%7+7+3)%7 != 0 { // weekday's arithmetic: Monday is 0
		monday++
	}
	y, m, d := monday.Date()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	clock := time.Date(y, m, d, 7, 0, 0, 0, paris).Format(time.RFC3339)
	var sources string
	for i, name := range SheetNames {
		sources += fmt.Sprintf("  - {name: %s, kind: %s, preset: crmdigest, path: %s}\n", name, SheetKinds[i], CSVName(name, o.End))
	}
	return fmt.Sprintf(`# Written by crmdigest demo --format csv (%d reps, %d years, seed %d, data to %s).
# Paths are relative to this file. See README.md for every key.

organisation:
  name: Demo Industries
  timezone: Europe/Paris
  currency: %s
  rates: {USD: 0.92, GBP: 1.17}
  admin: sales-ops@example.com
  # The data ends on %s: the clock is pinned to the Monday after, so
  # that the digests read the same whenever they run.
  clock: %q

sources:
%s
quality:
  max_set_aside: 0.01
  max_drop: 0.20

delivery:
  from: "Sales digest <digest@example.com>"
  transport: outbox
  outbox: out/outbox
  concurrency: 2

store: out/crmdigest.db     # or postgres://user@host/db for several daemons

schedules:
  - name: reps-weekly
    report: rep
    recipients: {role: rep}
    cron: "0 7 * * MON"
    timezone: recipient
    period: last_week
  - name: managers-weekly
    report: manager
    recipients: {role: manager}
    cron: "0 8 * * MON"
    timezone: recipient
    period: last_week
  - name: directors-monthly
    report: director
    recipients: {role: director}
    cron: "0 8 1 * *"
    timezone: recipient
    period: last_month

log:
  format: text
  level: info
`, o.Reps, o.Years, o.Seed, o.End, o.Currency, o.End, clock, sources)
}
