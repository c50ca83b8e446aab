package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/demo"
	"github.com/crmdigest/crmdigest/pipeline"
	"github.com/crmdigest/crmdigest/report"
)

// BenchmarkEndToEnd is the end-to-end figure: a demo organisation
// of 2,000 reps with a year of history (`crmdigest demo --reps 2000
// --years 1`), every schedule of the root config.yaml fired once with
// `crmdigest run` (read, compute, render, deliver to the outbox through the
// job engine on SQLite), from XLSX and from the same sheets as CSV files.
// Each iteration starts from an empty outbox and store.
//
// It also times the stages one by one in process and reports them as
// extra metrics (seconds): load (read and validate the sources), kpi (the
// figures of each digest kind: report.NewSet), render (each recipient's
// digest model and PDF). The rest of the total is building the messages,
// the job engine and writing the outbox.
//
// The workbook and the CSV files are generated once into the user cache
// folder (about a minute), then reused. Set CRMDIGEST_BENCH_REPS to try
// another size.
func BenchmarkEndToEnd(b *testing.B) {
	reps := 2000
	if v := os.Getenv("CRMDIGEST_BENCH_REPS"); v != "" {
		reps, _ = strconv.Atoi(v)
	}
	dir := benchData(b, reps)
	for _, format := range []string{"csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			work := b.TempDir()
			cfgPath := benchConfig(b, dir, work, format)
			cfg, err := config.Load(cfgPath)
			if err != nil {
				b.Fatal(err)
			}
			var recipients int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				os.RemoveAll(filepath.Join(work, "out"))
				var out, errOut bytes.Buffer
				m := &Main{Stdout: &out, Stderr: &errOut}
				if err := m.Run(context.Background(), []string{"run", "--config", cfgPath}); err != nil {
					b.Fatalf("run: %v\n%s\n%s", err, out.String(), errOut.String())
				}
				if i == 0 {
					recipients = countFiles(filepath.Join(work, "out", "outbox"))
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(recipients), "messages")
			load, kpi, render := stageTimes(b, cfg)
			b.ReportMetric(load.Seconds(), "load-s")
			b.ReportMetric(kpi.Seconds(), "kpi-s")
			b.ReportMetric(render.Seconds(), "render-s")
		})
	}
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".eml") {
			n++
		}
		return nil
	})
	return n
}

// stageTimes times loading, the figures and the rendering in process, as
// `run` does them, for every schedule.
func stageTimes(b *testing.B, cfg *config.Config) (load, kpi, render time.Duration) {
	ctx := context.Background()
	p, err := pipeline.New(cfg, pipeline.Options{})
	if err != nil {
		b.Fatal(err)
	}
	t := time.Now()
	ds, err := p.Reload(ctx)
	if err != nil {
		b.Fatal(err)
	}
	load = time.Since(t)
	at := cfg.Organisation.Now
	asOf := p.AsOf(at)
	for _, name := range p.ScheduleNames() {
		s, _ := p.Schedule(name)
		f, err := p.Firing(name, at)
		if err != nil {
			b.Fatal(err)
		}
		t = time.Now()
		set, err := report.NewSet(ds, report.Kind(s.Spec().Report), f.Period, crm.DayOf(asOf.In(cfg.Organisation.Location)), report.Options{
			KPI: pipeline.KPIOptions(cfg), TeamRank: cfg.Report.TeamRank, Location: cfg.Organisation.Location, Now: asOf,
		})
		if err != nil {
			b.Fatal(err)
		}
		kpi += time.Since(t)
		people, _ := p.Recipients(ds, s)
		t = time.Now()
		for i := range people {
			dg, err := set.Digest(&people[i])
			if err != nil {
				b.Fatal(err)
			}
			if _, err := dg.PDF(); err != nil {
				b.Fatal(err)
			}
			_ = dg.Email()
		}
		render += time.Since(t)
	}
	return load, kpi, render
}

// benchConfig writes the root config.yaml's schedules over the cached
// data, as CSV files or as the workbook, with an outbox and a SQLite store
// in work.
func benchConfig(b *testing.B, data, work, format string) string {
	var src strings.Builder
	for _, k := range demo.SheetNames {
		if format == "csv" {
			fmt.Fprintf(&src, "  - {name: %s, kind: %s, preset: crmdigest, path: %q}\n", k, k, filepath.Join(data, "csv-"+demoEndName, k+".csv"))
		} else {
			fmt.Fprintf(&src, "  - {name: %s, kind: %s, preset: crmdigest, path: %q, sheet: %s}\n", k, k, filepath.Join(data, "crmdigest-demo-"+demoEndName+".xlsx"), k)
		}
	}
	cfg := fmt.Sprintf(`organisation:
  name: Bench Industries
  timezone: Europe/Paris
  currency: EUR
  rates: {USD: 0.92, GBP: 1.17}
  admin: sales-ops@example.com
  clock: "2026-11-30T07:00:00+01:00"
sources:
%sdelivery:
  from: "Sales digest <digest@example.com>"
  transport: outbox
  outbox: out/outbox
store: out/crmdigest.db
schedules:
  - {name: reps-weekly, report: rep, recipients: {role: rep}, cron: "0 7 * * MON", timezone: recipient, period: last_week}
  - {name: managers-weekly, report: manager, recipients: {role: manager}, cron: "0 8 * * MON", timezone: recipient, period: last_week}
  - {name: directors-monthly, report: director, recipients: {role: director}, cron: "0 8 1 * *", timezone: recipient, period: last_month}
log: {level: warn}
`, src.String())
	path := filepath.Join(work, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

const demoEndName = "2026-11-27"

// benchDataVersion names the cached benchmark data: bump it whenever the
// demo generator changes what it writes, or a stale cache is measured.
const benchDataVersion = 2

// benchData generates the workbook once per size and exports its sheets
// as CSV files beside it.
func benchData(b *testing.B, reps int) string {
	cache, err := os.UserCacheDir()
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(cache, "crmdigest", fmt.Sprintf("bench-e2e-%d-reps-1y-v%d", reps, benchDataVersion))
	book := filepath.Join(dir, "crmdigest-demo-"+demoEndName+".xlsx")
	csvDir := filepath.Join(dir, "csv-"+demoEndName)
	if _, err := os.Stat(filepath.Join(csvDir, "targets.csv")); err == nil {
		return dir
	}
	if err := os.MkdirAll(csvDir, 0o700); err != nil {
		b.Fatal(err)
	}
	t := time.Now()
	if err := demo.Generate(book, demo.Options{Reps: reps, Years: 1, End: demo.DefaultEnd}); err != nil {
		b.Fatal(err)
	}
	if err := exportCSV(book, csvDir); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %s and its CSV files in %s", book, time.Since(t).Round(time.Second))
	return dir
}

// Columns of the demo workbook that hold Excel date serials.
var dateColumns = map[string]bool{
	"created": true, "closed": true, "expected_close": true, "last_activity": true,
	"due": true, "done_at": true, "date": true,
}

// exportCSV writes each sheet of the workbook as NAME.csv, dates as ISO
// text (a CSV export has no cell types), every other cell as its raw value.
func exportCSV(book, dir string) error {
	f, err := excelize.OpenFile(book)
	if err != nil {
		return err
	}
	defer f.Close()
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	for _, sheet := range demo.SheetNames {
		rows, err := f.Rows(sheet)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		var header []string
		for rows.Next() {
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return err
			}
			if header == nil {
				header = cells
			} else {
				for i, c := range cells {
					if i < len(header) && dateColumns[header[i]] && c != "" {
						v, err := strconv.ParseFloat(c, 64)
						if err != nil {
							continue
						}
						days := math.Floor(v)
						t := epoch.AddDate(0, 0, int(days)).Add(time.Duration((v - days) * float64(24*time.Hour)).Round(time.Minute))
						if v == days {
							cells[i] = t.Format("2006-01-02")
						} else {
							cells[i] = t.Format("2006-01-02 15:04")
						}
					}
				}
			}
			if err := w.Write(cells); err != nil {
				return err
			}
		}
		rows.Close()
		w.Flush()
		if err := os.WriteFile(filepath.Join(dir, sheet+".csv"), buf.Bytes(), 0o600); err != nil {
			return err
		}
	}
	return nil
}
