package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/pipeline"
	"github.com/crmdigest/crmdigest/report"
	"github.com/crmdigest/crmdigest/schedule"
)

func runRender(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("render", "--config FILE --period ID --to EMAIL --out FILE.pdf [--as-of DATE]")
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	periodID := fs.String("period", "", "period id, e.g. 2026-W47 for a rep, 2026-10 for a director (required)")
	to := fs.String("to", "", "the person's email (or name) in the directory (required)")
	out := fs.String("out", "", "PDF file to write (required)")
	asOf := fs.String("as-of", "", "day the figures are read on (YYYY-MM-DD); default the day after the period")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := missingFlags([2]string{"period", *periodID}, [2]string{"to", *to}, [2]string{"out", *out}); err != nil {
		fs.Usage()
		return err
	}
	e, err := loadEnv(*cfgPath)
	if err != nil {
		return err
	}
	req, err := e.kpiRequest(*periodID, *asOf)
	if err != nil {
		return err
	}
	ds, err := e.load(ctx)
	if err != nil {
		return err
	}
	// The same as-of rule as a scheduled run: the figures stand at the
	// earlier of now and the newest export.
	loc := e.cfg.Organisation.Location
	asOfTime := schedule.AsOf(e.now(), pipeline.NewestExport(ds, loc))
	if !req.AsOf.Valid() {
		req.AsOf = crm.DayOf(asOfTime.In(loc))
	}
	pdf, err := report.Render(ds, req.Period, req.AsOf, *to, reportOptions(e.cfg, asOfTime))
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, pdf, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s (%d bytes)\n", *out, len(pdf))
	return nil
}

// reportOptions maps the configuration onto the report package's options.
// now is printed as the as-of time and written as the PDF's creation date.
// The fallback faces were loaded by config.Validate: no error is left.
func reportOptions(cfg *config.Config, now time.Time) report.Options {
	fb, _ := cfg.Report.FallbackFont()
	return report.Options{KPI: pipeline.KPIOptions(cfg), TeamRank: cfg.Report.TeamRank, Location: cfg.Organisation.Location, Now: now, Links: cfg.LinkSet(), Fallback: fb}
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it into place, so that a reader never sees half a PDF.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
