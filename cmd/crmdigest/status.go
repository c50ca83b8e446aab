package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/crmdigest/crmdigest/internal/printable"
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
		printStatusRun(w, r, e.cfg.Organisation.Location)
		fmt.Fprintf(w, "recipients (%d):\n", len(r.Recipients))
		for _, rc := range r.Recipients {
			fmt.Fprintf(w, "  %s: %s, %s", printable.Escape(rc.Recipient), rc.State, attempts(rc.Attempts))
			if rc.MessageID != "" {
				fmt.Fprintf(w, ", Message-ID <%s>", rc.MessageID)
			}
			if rc.LastError != "" {
				fmt.Fprintf(w, ": %s", printable.Escape(rc.LastError))
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
		printStatusRun(w, r, e.cfg.Organisation.Location)
		if r.Failed+r.InDoubt > 0 {
			// Every failed delivery with the server's reply: dry runs and
			// previews have no ledger row, so the list below misses them.
			full, err := store.Run(ctx, r.ID)
			if err != nil {
				return err
			}
			printFailures(w, full)
		}
	}
	if len(rep.Attention) == 0 {
		fmt.Fprintln(w, "no delivery failed, pending or in doubt")
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
		fmt.Fprintf(w, "  %s %s %s: %s, %s", l.Schedule, l.Period, printable.Escape(l.Recipient), what, attempts(l.Attempts))
		if l.MessageID != "" {
			fmt.Fprintf(w, ", Message-ID <%s>", l.MessageID)
		}
		if l.LastError != "" {
			fmt.Fprintf(w, ": %s", printable.Escape(l.LastError))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// printFailures lists a run's failed and in-doubt deliveries, each with
// the last error (the server's reply, when there was one).
func printFailures(w io.Writer, r jobs.RunSummary) {
	for _, rc := range r.Recipients {
		switch rc.State {
		case jobs.StateFailed:
			fmt.Fprintf(w, "     failed: %s: %s\n", printable.Escape(rc.Recipient), printable.Escape(rc.LastError))
		case jobs.StateInDoubt:
			fmt.Fprintf(w, "     in doubt: %s: %s\n", printable.Escape(rc.Recipient), printable.Escape(rc.LastError))
		}
	}
}

// printStatusRun writes one line per run: what it was, its counts, and
// whether it is over.
func printStatusRun(w io.Writer, r jobs.RunSummary, loc *time.Location) {
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
	fired := ""
	if !r.At.IsZero() {
		// The firing's time in its own zone (a per-recipient-zone
		// schedule), else in the organisation's.
		zl := loc
		if r.Zone != "" {
			if l, err := time.LoadLocation(r.Zone); err == nil {
				zl = l
			}
		}
		fired = fmt.Sprintf("; fired %s %s", r.At.In(zl).Format(time.RFC3339), zl)
	}
	if r.Refused {
		fmt.Fprintf(w, "  #%d %s %s%s: REFUSED by the data gate, nothing sent (%s%s)\n", r.ID, r.Schedule, r.Period, kind, state, fired)
		for _, why := range r.RefusedReasons {
			fmt.Fprintf(w, "     %s\n", printable.Escape(why))
		}
		return
	}
	fmt.Fprintf(w, "  #%d %s %s%s: %d sent, %d skipped, %d failed, %d in doubt, %d pending, %d preview (%s%s)\n",
		r.ID, r.Schedule, r.Period, kind, r.Sent, r.Skipped, r.Failed, r.InDoubt, r.Pending, r.Preview, state, fired)
	if allFailed(r) {
		fmt.Fprintf(w, "     every delivery failed (%d of %d)\n", r.Failed, r.Failed)
	}
	if r.Error != "" {
		fmt.Fprintf(w, "     run failed: %s\n", printable.Escape(r.Error))
	}
	if r.Override != "" {
		fmt.Fprintf(w, "     sent past the data gate, accepted by %s\n", printable.Escape(r.Override))
	}
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// allFailed tells whether a run had recipients and every one failed.
func allFailed(r jobs.RunSummary) bool {
	return r.Failed > 0 && r.Failed == r.Sent+r.Skipped+r.Failed+r.InDoubt+r.Pending+r.Preview
}
