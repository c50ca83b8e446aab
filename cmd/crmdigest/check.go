package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/printable"
	"github.com/crmdigest/crmdigest/report/pdfkit"
)

func runCheck(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("check", "--config FILE [--problems N] [--accept-quality]")
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	problems := fs.Int("problems", 10, "set-aside rows and warnings to list per source")
	accept := fs.Bool("accept-quality", false, "report the data gate's breaches as accepted, as run and send --accept-quality would")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e, err := loadEnv(*cfgPath)
	if err != nil {
		return err
	}
	ds, err := e.load(ctx)
	if err != nil && !isFatalSources(err) {
		return err
	}
	writeQuality(m.Stdout, ds, e.now(), *problems)
	if err != nil {
		return err
	}
	fb, _ := e.cfg.Report.FallbackFont() // loaded by config.Validate
	writeUndrawable(m.Stdout, ds, fb)
	// Both verdicts are printed before either fails the check.
	gerr := checkGate(ctx, m.Stdout, e, ds, *accept)
	rerr := checkRecipients(m.Stdout, e, ds)
	if err := errors.Join(gerr, rerr); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "config %s: OK\n", *cfgPath)
	return nil
}

// writeQuality prints the data-quality summary: per source the file used,
// its age, what became of its rows, and the first problems with each.
func writeQuality(w io.Writer, ds *crm.Dataset, now time.Time, max int) {
	if ds == nil {
		return
	}
	fmt.Fprintf(w, "people in the directory: %d\n\n", len(ds.People))
	for _, q := range ds.Quality {
		fmt.Fprintf(w, "source %s (%s)\n", q.Name, q.Kind)
		if q.File != "" {
			where := q.File
			if q.Sheet != "" {
				where += fmt.Sprintf(" sheet %q", q.Sheet)
			}
			fmt.Fprintf(w, "  file:       %s\n", where)
		}
		if q.Fatal != "" {
			fmt.Fprintf(w, "  FATAL:      %s\n\n", q.Fatal)
			continue
		}
		fmt.Fprintf(w, "  age:        %s\n", exportAge(q, now))
		fmt.Fprintf(w, "  rows:       %d read = %d accepted + %d set aside\n", q.RowsRead, q.RowsAccepted, q.RowsSetAside)
		writeReadCounts(w, q)
		if q.First.Valid() {
			fmt.Fprintf(w, "  dates:      %s .. %s\n", q.First, q.Last)
		}
		listProblems(w, "set aside", q.SetAside, q.RowsSetAside, max)
		listProblems(w, "warning", q.Warnings, q.WarningsTotal, max)
		if len(q.UnknownOwners) > 0 {
			fmt.Fprintf(w, "  owners missing from the directory (%d, owning %d rows): %s\n", len(q.UnknownOwners), q.UnknownOwnerRows, printable.Escape(strings.Join(q.UnknownOwners, ", ")))
		}
		fmt.Fprintln(w)
	}
}

// writeUndrawable warns about the people whose names the digests cannot
// draw: letters neither the embedded Go fonts nor the configured fallback
// faces (report.fonts.fallback) hold. Their digests print "?" for each
// such letter. It is a warning, not a failure: the figures are right.
func writeUndrawable(w io.Writer, ds *crm.Dataset, fb *fonts.Fallback) {
	if ds == nil {
		return
	}
	var names []string
	for _, p := range ds.People {
		if miss := fonts.Missing(p.Name, fb); len(miss) > 0 {
			names = append(names, fmt.Sprintf("%s (%s)", p.Name, string(miss)))
		}
	}
	if len(names) == 0 {
		return
	}
	hint := "name a TrueType font that has them in report.fonts.fallback (docs/REPORTS.md)"
	if fb != nil {
		hint = "none of the fonts in report.fonts.fallback has them; add one that does (docs/REPORTS.md)"
	}
	fmt.Fprintf(w, "warning: %d people's names have letters the PDF fonts cannot draw, printed as %q: %s; %s\n\n",
		len(names), pdfkit.Placeholder, printable.Escape(strings.Join(names, ", ")), hint)
}

// writeReadCounts prints what the reader went through (physical lines or
// sheet rows, and the records made of them: a gap means multi-line fields
// or a stray quote) and, per date column, the day order applied and what
// the values prove about it.
func writeReadCounts(w io.Writer, q crm.SourceReport) {
	if q.Lines > 0 {
		unit := "lines"
		if q.Sheet != "" {
			unit = "sheet rows"
		}
		fmt.Fprintf(w, "  read:       %d %s -> %d records (header included)\n", q.Lines, unit, q.Records)
	}
	for _, d := range q.Dates {
		used := d.Used
		if used == "auto" {
			used = "written (no day/month order needed)"
		}
		fmt.Fprintf(w, "  date order: column %q read as %s: %d of %d cells", d.Column, used, d.Fit, d.Rows)
		if d.Best != "" {
			fmt.Fprintf(w, "; %s would read %d", d.Best, d.BestFit)
		}
		fmt.Fprintf(w, "\n              %s\n", d.Evidence)
	}
}

func listProblems(w io.Writer, what string, ps []crm.Problem, total, max int) {
	for i, p := range ps {
		if i == max {
			break
		}
		fmt.Fprintf(w, "  %s: %s\n", what, p)
	}
	if shown := min(len(ps), max); total > shown {
		fmt.Fprintf(w, "  ... and %d more (%s)\n", total-shown, what)
	}
}

// exportAge says how old an export is and what the age is read from: the
// date in its file name, else the newest date inside it, else the file's
// modification time (which a copy or a clone resets).
func exportAge(q crm.SourceReport, now time.Time) string {
	if q.ExportDate.Valid() {
		days := int(crm.DayOf(now) - q.ExportDate)
		return fmt.Sprintf("%d days (exported %s, from the file name)", days, q.ExportDate)
	}
	if q.Last.Valid() {
		days := int(crm.DayOf(now) - q.Last)
		if days < 0 {
			// Rows planned ahead (activities due next week) say nothing of
			// when the file was exported; a negative age would be nonsense.
			return fmt.Sprintf("unknown: the newest date inside (%s) is %d days after today, a date planned ahead; put the export date in the file name (name-%s.csv)", q.Last, -days, crm.DayOf(now))
		}
		return fmt.Sprintf("%d days (newest date inside: %s)", days, q.Last)
	}
	if !q.ModTime.IsZero() {
		if age := now.Sub(q.ModTime); age >= 0 {
			return fmt.Sprintf("%s (file modified %s)", age.Round(time.Minute), q.ModTime.Format(time.RFC3339))
		}
		return fmt.Sprintf("file modified %s, after the configured clock", q.ModTime.Format(time.RFC3339))
	}
	return "unknown"
}
