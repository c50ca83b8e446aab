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
	fs := m.newFlagSet("demo", "--out DIR [--reps N] [--years Y] [--seed S] [--end DATE]")
	out := fs.String("out", "", "folder to write the workbook into (required)")
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
	t, err := time.Parse("2006-01-02", *end)
	if err != nil {
		return usageError(fmt.Sprintf("--end %q: expected a date such as 2026-11-27", *end))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	// The date in the name is what `check` and the daemon read the
	// export's age from.
	path := filepath.Join(*out, fmt.Sprintf("crmdigest-demo-%s.xlsx", t.Format("2006-01-02")))
	opt := demo.Options{Reps: *reps, Years: *years, Seed: *seed, End: crm.DayOf(t)}
	if err := demo.Generate(path, opt); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(m.Stdout, "wrote %s\n", path)
	return nil
}
