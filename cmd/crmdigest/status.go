package main

import (
	"context"
	"fmt"
	"time"

	"github.com/crmdigest/crmdigest/jobs"
)

func runStatus(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("status", "--config FILE [--runs N]")
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	n := fs.Int("runs", 10, "recent runs to list")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e, err := loadEnv(*cfgPath)
	if err != nil {
		return err
	}
	store, err := jobs.Open(ctx, e.cfg.Store, jobs.Options{Logger: newLogger(e.cfg, m.Stderr)})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer store.Close()
	rep, err := store.Status(ctx, *n)
	if err != nil {
		return err
	}
	w := m.Stdout
	fmt.Fprintf(w, "recent runs (%d):\n", len(rep.Runs))
	for _, r := range rep.Runs {
		state := "running"
		if r.Done() {
			state = "finished " + r.Finished.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "  #%d %s %s: %d sent, %d skipped, %d failed, %d in doubt, %d pending, %d preview (%s)\n",
			r.ID, r.Schedule, r.Period, r.Sent, r.Skipped, r.Failed, r.InDoubt, r.Pending, r.Preview, state)
		if r.Error != "" {
			fmt.Fprintf(w, "     run failed: %s\n", r.Error)
		}
	}
	if len(rep.Attention) == 0 {
		fmt.Fprintln(w, "nothing failed, pending or in doubt")
		return nil
	}
	fmt.Fprintf(w, "needs attention (%d):\n", len(rep.Attention))
	for _, l := range rep.Attention {
		note := ""
		if l.Doubts > 0 && l.State == jobs.StateSent {
			note = " (was in doubt: may have arrived twice)"
		}
		fmt.Fprintf(w, "  %s %s %s: %s after %d attempts%s %s\n", l.Schedule, l.Period, l.Recipient, l.State, l.Attempts, note, l.LastError)
	}
	return nil
}
