package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/demo"
)

func runDemo(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("demo", "--out DIR [--reps N] [--years Y] [--seed S] [--end DATE] [--format xlsx|csv]")
	out := fs.String("out", "", "folder to write the workbook into (required)")
	format := fs.String("format", "xlsx", "xlsx: one workbook; csv: one CSV file per sheet and a config.yaml over them, written as they are drawn (for large organisations)")
	reps := fs.Int("reps", 12, "number of sales reps")
	years := fs.Int("years", 3, "years of history")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same workbook")
	end := fs.String("end", "2026-11-27", "last day with data (YYYY-MM-DD)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return usageError("--out is required")
	}
	if *reps < 1 || *years < 1 {
		return usageError("--reps and --years must be at least 1")
	}
	if *format != "xlsx" && *format != "csv" {
		return usageError(fmt.Sprintf("--format %q: expected xlsx or csv", *format))
	}
	t, err := time.Parse("2006-01-02", *end)
	if err != nil {
		return usageError(fmt.Sprintf("--end %q: expected a date such as 2026-11-27", *end))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	opt := demo.Options{Reps: *reps, Years: *years, Seed: *seed, End: crm.DayOf(t)}
	if *format == "csv" {
		n, err := demo.GenerateCSV(*out, opt)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		fmt.Fprintf(m.Stdout, "wrote %d people, %d deals, %d activities, %d leads, %d invoices and %d targets as CSV files in %s\n",
			n.People, n.Deals, n.Activities, n.Leads, n.Invoices, n.Targets, *out)
		fmt.Fprintf(m.Stdout, "wrote %s\n", filepath.Join(*out, "config.yaml"))
		return nil
	}
	// The date in the name is what `check` and the daemon read the
	// export's age from.
	path := filepath.Join(*out, fmt.Sprintf("crmdigest-demo-%s.xlsx", t.Format("2006-01-02")))
	if err := demo.Generate(path, opt); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(m.Stdout, "wrote %s\n", path)
	return nil
}
