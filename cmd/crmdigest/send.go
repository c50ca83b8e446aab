package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/pipeline"
)

func runSend(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("send", "--config FILE --schedule NAME --period ID [--only EMAIL] [--dry-run] [--force] [--redirect-to ADDRESS] [--accept-quality]")
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	name := fs.String("schedule", "", "schedule to send (required)")
	period := fs.String("period", "", "period id, e.g. 2026-W47 or 2026-10 (required)")
	only := fs.String("only", "", "send only to these people (emails, comma-separated)")
	flags := sendFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := missingFlags([2]string{"schedule", *name}, [2]string{"period", *period}); err != nil {
		fs.Usage()
		return err
	}
	e, err := loadEnv(*cfgPath)
	if err != nil {
		return err
	}
	// The period is read here, once: every id of the same dates (2026-w48,
	// 2026-W48, FY2027-Q1 and 2026-Q2 with an April fiscal year) travels
	// as one value and is stored under one key.
	req, err := e.kpiRequest(*period, "")
	if err != nil {
		return err
	}
	now := e.now()
	eng, err := openEngine(ctx, e.cfg, newLogger(e.cfg, m.Stderr), pipeline.Options{Now: func() time.Time { return now }})
	if err != nil {
		return err
	}
	if _, ok := eng.pipe.Schedule(*name); !ok {
		eng.close(ctx, time.Second)
		return usageError(fmt.Sprintf("--schedule: no schedule named %q (have %s)", *name, strings.Join(eng.pipe.ScheduleNames(), ", ")))
	}
	var filter map[string]bool
	if *only != "" {
		filter = map[string]bool{}
		for _, a := range strings.Split(*only, ",") {
			if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
				filter[a] = true
			}
		}
	}
	f := jobs.Firing{Schedule: *name, At: now, Period: req.Period}
	return eng.runFirings(ctx, m, e, []jobs.Firing{f}, *flags, filter)
}
