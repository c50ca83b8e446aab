package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/pipeline"
)

// newLogger builds the slog logger config.yaml asks for.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// engine is the pipeline and the job store wired together.
type engine struct {
	pipe  *pipeline.Pipeline
	store *jobs.Store
	log   *slog.Logger
}

// openEngine builds the pipeline and opens the store. daemon says whether
// this process fires schedules; a command-line client still elects a
// leader so that its own retries get scheduled (see jobs.Options).
func openEngine(ctx context.Context, cfg *config.Config, log *slog.Logger, popts pipeline.Options) (*engine, error) {
	popts.Logger = log
	pipe, err := pipeline.New(cfg, popts)
	if err != nil {
		return nil, err
	}
	policy := jobs.InDoubtHold
	if cfg.Delivery.InDoubt == "resend" {
		policy = jobs.InDoubtResend
	}
	store, err := jobs.Open(ctx, cfg.Store, jobs.Options{
		Logger:        log,
		Deliverer:     pipe,
		Planner:       pipe,
		Workers:       cfg.Delivery.Workers,
		InDoubt:       policy,
		MaxAttempts:   cfg.Delivery.MaxAttempts,
		OnRunFinished: pipe.NotifyAdmin,
	})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return &engine{pipe: pipe, store: store, log: log}, nil
}

func (e *engine) close(ctx context.Context, timeout time.Duration) error {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := e.store.Stop(stopCtx)
	if cerr := e.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// wait follows runs to their end, showing progress: a bar on a terminal,
// a line every few seconds otherwise.
func (e *engine) wait(ctx context.Context, w io.Writer, ids []int64, total int) ([]jobs.RunSummary, error) {
	tty := isTerminal(w)
	last := time.Now()
	for {
		var sums []jobs.RunSummary
		done, finished := 0, 0
		for _, id := range ids {
			s, err := e.store.Run(ctx, id)
			if err != nil {
				return nil, err
			}
			sums = append(sums, s)
			done += s.Sent + s.Failed + s.Skipped + s.InDoubt + s.Preview
			if s.Done() {
				finished++
			}
		}
		if tty {
			fmt.Fprintf(w, "\r%s %d/%d", bar(done, total, 30), done, total)
		} else if time.Since(last) > 5*time.Second {
			fmt.Fprintf(w, "progress: %d of %d recipients done\n", done, total)
			last = time.Now()
		}
		if finished == len(ids) {
			if tty {
				fmt.Fprintln(w)
			}
			return sums, nil
		}
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprintln(w)
			}
			return sums, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func bar(done, total, width int) string {
	n := 0
	if total > 0 {
		n = min(width, done*width/total)
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// printRun writes one run's outcome, naming every recipient that did not
// get their digest and why.
func printRun(w io.Writer, s jobs.RunSummary) {
	fmt.Fprintf(w, "%s %s: %d sent, %d skipped (already sent), %d failed, %d in doubt, %d preview\n",
		s.Schedule, s.Period, s.Sent, s.Skipped, s.Failed, s.InDoubt, s.Preview)
	if s.Error != "" {
		fmt.Fprintf(w, "  run failed: %s\n", s.Error)
	}
	for _, r := range s.Recipients {
		if r.State == jobs.StateFailed || r.State == jobs.StateInDoubt || r.State == jobs.StatePending {
			fmt.Fprintf(w, "  %s: %s %s\n", r.Recipient, r.State, r.LastError)
		}
	}
}
