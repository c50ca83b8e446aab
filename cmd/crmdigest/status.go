package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/crmdigest/crmdigest/jobs"
)

func runStatus(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("status", "--config FILE [--runs N] [--run ID]")
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	n := fs.Int("runs", 10, "recent runs to list")
	runID := fs.Int64("run", 0, "show this run's recipients one by one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e, err := loadEnv(*cfgPath)
	if err != nil {
		return err
	}
	// A read-only command: a store that is not there is said so, not
	// created, and is an error (exit 1), since a wrong --config or store
	// path is the likely cause and a script should notice.
	store, err := openStore(ctx, e.cfg.Store, jobs.Options{Logger: newLogger(e.cfg, m.Stderr), MustExist: true})
	if errors.Is(err, jobs.ErrNoStore) {
		return fmt.Errorf("%w: nothing has run yet with this configuration", errors.Unwrap(err))
	}
	if err != nil {
		return err
	}
	defer store.Close()
	w := m.Stdout
	if *runID != 0 {
		r, err := store.Run(ctx, *runID)
		if err != nil {
			return err
		}
		printStatusRun(w, r)
		fmt.Fprintf(w, "recipients (%d):\n", len(r.Recipients))
		for _, rc := range r.Recipients {
			fmt.Fprintf(w, "  %s: %s, %s", rc.Recipient, rc.State, attempts(rc.Attempts))
			if rc.MessageID != "" {
				fmt.Fprintf(w, ", Message-ID <%s>", rc.MessageID)
			}
			if rc.LastError != "" {
				fmt.Fprintf(w, ": %s", rc.LastError)
			}
			fmt.Fprintln(w)
		}
		return nil
	}
	rep, err := store.Status(ctx, *n)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "recent runs (%d):\n", len(rep.Runs))
	for _, r := range rep.Runs {
		printStatusRun(w, r)
	}
	if len(rep.Attention) == 0 {
		fmt.Fprintln(w, "nothing failed, pending or in doubt")
		return nil
	}
	fmt.Fprintf(w, "needs attention (%d):\n", len(rep.Attention))
	for _, l := range rep.Attention {
		what := l.State
		switch {
		case l.State == jobs.StateSent && l.Doubts > 0:
			what = "sent, was in doubt: may have arrived twice"
		case l.State == jobs.StateInDoubt:
			what = "in doubt: may have arrived (held; send --force to send again)"
		case l.State == jobs.StateSending:
			what = "being sent, or cut off by a crash"
		}
		fmt.Fprintf(w, "  %s %s %s: %s, %s", l.Schedule, l.Period, l.Recipient, what, attempts(l.Attempts))
		if l.MessageID != "" {
			fmt.Fprintf(w, ", Message-ID <%s>", l.MessageID)
		}
		if l.LastError != "" {
			fmt.Fprintf(w, ": %s", l.LastError)
		}
		fmt.Fprintln(w)
	}
	return nil
}

// printStatusRun writes one line per run: what it was, its counts, and
// whether it is over.
func printStatusRun(w io.Writer, r jobs.RunSummary) {
	kind := ""
	switch {
	case r.DryRun:
		kind = " dry run"
	case r.RedirectTo != "":
		kind = " preview to " + r.RedirectTo
	case r.Force:
		kind = " forced"
	}
	state := "running"
	if r.Done() {
		state = "finished " + r.Finished.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "  #%d %s %s%s: %d sent, %d skipped, %d failed, %d in doubt, %d pending, %d preview (%s)\n",
		r.ID, r.Schedule, r.Period, kind, r.Sent, r.Skipped, r.Failed, r.InDoubt, r.Pending, r.Preview, state)
	if r.Error != "" {
		fmt.Fprintf(w, "     run failed: %s\n", r.Error)
	}
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}
