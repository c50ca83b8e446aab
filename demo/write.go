package demo

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/xuri/excelize/v2"
)

// Generate builds the demo organisation and writes it as an XLSX workbook
// at path, atomically: a reader never sees a half-written file.
func Generate(path string, opt Options) error {
	d := Build(opt)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".demo-*.xlsx")
	if err != nil {
		return fmt.Errorf("write demo workbook: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if err := Write(tmp, d); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write demo workbook: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write demo workbook: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write demo workbook: %w", err)
	}
	return nil
}

// excelEpoch is day 0 of Excel's 1900 date system (valid from 1900-03-01).
var excelEpoch = crm.DayFromDate(1899, time.December, 30)

// Write writes the data as an XLSX workbook: one sheet per kind, in the
// order of SheetNames, each with the canonical header row. Dates are Excel
// date cells (serial numbers with a date format), amounts numbers.
func Write(w io.Writer, d *Data) error {
	f := excelize.NewFile()
	defer f.Close()
	f.ZipWriter = func(w io.Writer) excelize.ZipWriter { return newSortedZip(w) }
	wr := &bookWriter{f: f, d: d}
	if err := wr.setup(); err != nil {
		return fmt.Errorf("write demo workbook: %w", err)
	}
	sheets := []func(*excelize.StreamWriter) error{wr.people, wr.deals, wr.activities, wr.leads, wr.invoices, wr.targets}
	for i, name := range SheetNames {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("write demo workbook: %w", err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("write demo workbook: %w", err)
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return fmt.Errorf("write sheet %q: %w", name, err)
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("write sheet %q: %w", name, err)
		}
		wr.sw, wr.row = sw, 0
		if err := wr.write(toAny(sheetColumns[i], wr.header)); err != nil {
			return fmt.Errorf("write sheet %q: %w", name, err)
		}
		if err := sheets[i](sw); err != nil {
			return fmt.Errorf("write sheet %q: %w", name, err)
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("write sheet %q: %w", name, err)
		}
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write demo workbook: %w", err)
	}
	return nil
}

// bookWriter writes the rows of each sheet through a stream writer.
type bookWriter struct {
	f   *excelize.File
	d   *Data
	sw  *excelize.StreamWriter
	row int
	buf []any
	// Cell styles.
	header, date, dateTime, money, ratio int
}

func (w *bookWriter) setup() error {
	// Fixed document dates keep the same options' workbook byte-identical.
	stamp := w.d.Options.End.Time().Format(time.RFC3339)
	if err := w.f.SetDocProps(&excelize.DocProperties{
		Creator: "crmdigest demo", Title: "crmdigest demo data", Created: stamp, Modified: stamp,
	}); err != nil {
		return err
	}
	styles := []struct {
		dst *int
		s   excelize.Style
	}{
		{&w.header, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&w.date, excelize.Style{NumFmt: 14}},
		{&w.dateTime, excelize.Style{NumFmt: 22}},
		{&w.money, excelize.Style{NumFmt: 4}},
		{&w.ratio, excelize.Style{NumFmt: 9}},
	}
	for _, st := range styles {
		id, err := w.f.NewStyle(&st.s)
		if err != nil {
			return err
		}
		*st.dst = id
	}
	return nil
}

func toAny(ss []string, style int) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = excelize.Cell{StyleID: style, Value: s}
	}
	return out
}

func (w *bookWriter) write(cells []any) error {
	w.row++
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	return w.sw.SetRow(cell, cells)
}

// day is a date cell, or a blank one for an absent date.
func (w *bookWriter) day(d crm.Day) any {
	if !d.Valid() {
		return nil
	}
	return excelize.Cell{StyleID: w.date, Value: float64(d - excelEpoch)}
}

func (w *bookWriter) moneyCell(v float64) any {
	if !crm.Has(v) {
		return nil
	}
	return excelize.Cell{StyleID: w.money, Value: v}
}

func (w *bookWriter) people(*excelize.StreamWriter) error {
	for _, p := range w.d.People {
		if err := w.write(append(w.buf[:0], p.Name, p.Email, p.Role.String(), p.Manager, p.Team, p.Region, p.Locale, p.TimeZone, nil)); err != nil {
			return err
		}
	}
	return nil
}

func (w *bookWriter) deals(*excelize.StreamWriter) error {
	ds := w.d.Dataset
	cur := ds.Currencies
	for i := range ds.Deals {
		d := &ds.Deals[i]
		w.buf = append(w.buf[:0], d.ID, ds.Owners.Name(d.Owner), ds.Accounts.Name(d.Account), ds.Products.Name(d.Product),
			ds.Stages.Name(d.Stage), d.Status.String(), d.Kind.String(),
			w.day(d.Created), w.day(d.Closed), w.day(d.ExpectedClose),
			w.moneyCell(d.Amount), cur.Name(d.Currency), w.moneyCell(d.Margin),
			excelize.Cell{StyleID: w.ratio, Value: d.Probability}, w.day(d.LastActivity))
		if err := w.write(w.buf); err != nil {
			return err
		}
	}
	return nil
}

func (w *bookWriter) activities(*excelize.StreamWriter) error {
	ds := w.d.Dataset
	for i := range ds.Activities {
		a := &ds.Activities[i]
		var doneAt any
		if a.DoneAt.Valid() {
			// A time of day between 08:00 and 18:00, from the row number:
			// exports carry timestamps, and the reader must drop them.
			minutes := 8*60 + (i*37)%600
			doneAt = excelize.Cell{StyleID: w.dateTime, Value: float64(a.DoneAt-excelEpoch) + float64(minutes)/1440}
		}
		done := "false"
		if a.IsDone() {
			done = "true"
		}
		var deal any
		if a.Deal != "" {
			deal = a.Deal
		}
		w.buf = append(w.buf[:0], a.ID, ds.Owners.Name(a.Owner), a.Type.String(), w.day(a.Due), doneAt, done,
			a.Subject, deal, ds.Accounts.Name(a.Account))
		if err := w.write(w.buf); err != nil {
			return err
		}
	}
	return nil
}

func (w *bookWriter) leads(*excelize.StreamWriter) error {
	ds := w.d.Dataset
	for _, l := range ds.Leads {
		if err := w.write(append(w.buf[:0], ds.Owners.Name(l.Owner), w.day(l.Date), l.Kind.String())); err != nil {
			return err
		}
	}
	return nil
}

func (w *bookWriter) invoices(*excelize.StreamWriter) error {
	ds := w.d.Dataset
	for _, in := range ds.Invoices {
		if err := w.write(append(w.buf[:0], in.ID, ds.Owners.Name(in.Owner), ds.Accounts.Name(in.Account), w.day(in.Date),
			w.moneyCell(in.Amount), ds.Currencies.Name(in.Currency))); err != nil {
			return err
		}
	}
	return nil
}

func (w *bookWriter) targets(*excelize.StreamWriter) error {
	for _, t := range w.d.Targets {
		if err := w.write(append(w.buf[:0], t.Scope.String(), t.Key, t.Period, t.Metric, w.moneyCell(t.Value))); err != nil {
			return err
		}
	}
	return nil
}
