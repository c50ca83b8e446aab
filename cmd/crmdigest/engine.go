package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/internal/clock"
	"github.com/crmdigest/crmdigest/internal/printable"
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

// envSendDelay names a test hook: a Go duration that each delivery waits
// after the mail server accepted its message and before the ledger records
// it. It widens the window in which a crash leaves a message in doubt, so
// that the crash test (e2e_crash_test.go) can land SIGKILLs in it. It is
// not meant for production and is logged as a warning when set.
const envSendDelay = "CRMDIGEST_TEST_SEND_DELAY"

// openEngine builds the pipeline and opens the store. A command-line client
// still elects a leader so that its own retries get scheduled (see
// jobs.Options); the store never registers periodic jobs, so it never fires
// schedules by itself.
func openEngine(ctx context.Context, cfg *config.Config, log *slog.Logger, popts pipeline.Options) (*engine, error) {
	popts.Logger = log
	if v := os.Getenv(envSendDelay); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: %w", envSendDelay, v, err)
		}
		log.Warn("test hook: every delivery waits after the server accepted it", "env", envSendDelay, "delay", d)
		popts.Wrap = func(t delivery.Transport) delivery.Transport { return slowTransport{t, d} }
	}
	pipe, err := pipeline.New(cfg, popts)
	if err != nil {
		return nil, err
	}
	policy := jobs.InDoubtHold
	if cfg.Delivery.InDoubt == "resend" {
		policy = jobs.InDoubtResend
	}
	store, err := openStore(ctx, cfg.Store, jobs.Options{
		Logger:      log,
		ParsePeriod: periodParser(cfg),
		Deliverer:   pipe,
		Planner:     pipe,
		Workers:     cfg.Delivery.Workers,
		InDoubt:     policy,
		MaxAttempts: cfg.Delivery.MaxAttempts,
		// SQLite has no LISTEN/NOTIFY: idle workers find new jobs by
		// polling, and River's default second would be most of a small
		// run's time.
		PollInterval:  100 * time.Millisecond,
		OnRunFinished: pipe.RunFinished,
	})
	if err != nil {
		return nil, err
	}
	pipe.UseStore(store)
	return &engine{pipe: pipe, store: store, log: log}, nil
}

// openStore opens the store config.yaml names. A postgres:// URL may carry
// a `schema` query parameter (postgres://host/db?schema=crmdigest): the
// tables go into that schema, created if missing, so that several
// installations (or tests) can share one database. PostgreSQL itself does
// not know the parameter, so it is taken off the URL here.
func openStore(ctx context.Context, storeURL string, opts jobs.Options) (*jobs.Store, error) {
	u, schema, err := storeSchema(storeURL)
	if err != nil {
		return nil, err
	}
	opts.Schema = schema
	s, err := jobs.Open(ctx, u, opts)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return s, nil
}

// storeSchema splits the schema parameter off a postgres:// store URL.
func storeSchema(storeURL string) (string, string, error) {
	if !strings.HasPrefix(storeURL, "postgres://") && !strings.HasPrefix(storeURL, "postgresql://") {
		return storeURL, "", nil
	}
	u, err := url.Parse(storeURL)
	if err != nil {
		// url.Error quotes the URL, password included: say less.
		return "", "", fmt.Errorf("store: not a valid postgres:// URL")
	}
	q := u.Query()
	schema := q.Get("schema")
	if schema == "" {
		return storeURL, "", nil
	}
	q.Del("schema")
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
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

// slowTransport is the envSendDelay hook.
type slowTransport struct {
	next  delivery.Transport
	delay time.Duration
}

func (t slowTransport) Send(ctx context.Context, m *delivery.Message) error {
	if err := t.next.Send(ctx, m); err != nil {
		return err
	}
	time.Sleep(t.delay)
	return nil
}

// wait follows runs to their end, showing progress on w: a bar redrawn in
// place on a terminal, else a line every few seconds (a log file or a CI
// job should not fill up with carriage returns).
func (e *engine) wait(ctx context.Context, w io.Writer, ids []int64, total int) ([]jobs.RunSummary, error) {
	tty := isTerminal(w)
	start := clock.Now()
	last := start
	lastDone := -1
	for {
		var sums []jobs.RunSummary
		var c jobs.RunSummary // counts over every run
		finished := 0
		for _, id := range ids {
			s, err := e.store.Run(ctx, id)
			if err != nil {
				return nil, err
			}
			sums = append(sums, s)
			c.Sent += s.Sent
			c.Failed += s.Failed
			c.Skipped += s.Skipped
			c.InDoubt += s.InDoubt
			c.Preview += s.Preview
			if s.Done() {
				finished++
			}
		}
		done := c.Sent + c.Failed + c.Skipped + c.InDoubt + c.Preview
		over := finished == len(ids)
		switch {
		case tty:
			fmt.Fprintf(w, "\r%s %d/%d done (%s)\x1b[K", bar(done, total, 30), done, total, progressCounts(c))
			if over {
				fmt.Fprintln(w)
			}
		case total > 0 && !over && done != lastDone && clock.Since(last) >= 5*time.Second:
			el := clock.Since(start).Seconds()
			fmt.Fprintf(w, "progress: %d of %d recipients done (%s), %.1f/s\n", done, total, progressCounts(c), float64(done)/el)
			last, lastDone = clock.Now(), done
		}
		if over {
			return sums, nil
		}
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprintln(w)
			}
			return sums, fmt.Errorf("stopped before the end: %w; the open deliveries stay queued, run the same command again to finish them", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func progressCounts(c jobs.RunSummary) string {
	parts := []string{fmt.Sprintf("%d sent", c.Sent)}
	for _, p := range []struct {
		n    int
		what string
	}{{c.Skipped, "already sent"}, {c.Failed, "failed"}, {c.InDoubt, "in doubt"}, {c.Preview, "preview"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ")
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

// printRun writes one run's outcome in a sentence, then every recipient
// that did not get their digest, and why.
func printRun(w io.Writer, s jobs.RunSummary) {
	var kind string
	switch {
	case s.DryRun:
		kind = ", dry run"
	case s.RedirectTo != "":
		kind = ", preview to " + s.RedirectTo
	case s.Force:
		kind = ", forced resend"
	}
	var parts []string
	add := func(n int, format string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf(format, n))
		}
	}
	switch {
	case s.DryRun:
		add(s.Preview, "%d rendered, nothing sent")
	case s.RedirectTo != "":
		add(s.Preview, "%d previews sent to "+s.RedirectTo+" (not counted as delivered)")
	default:
		add(s.Sent, "%d sent")
	}
	add(s.Skipped, "%d already had it (skipped; --force sends again)")
	add(s.Failed, "%d failed")
	add(s.InDoubt, "%d in doubt")
	add(s.Pending, "%d not finished")
	if len(parts) == 0 {
		parts = append(parts, "nothing to do")
	}
	fmt.Fprintf(w, "%s %s (run #%d%s): %s\n", s.Schedule, s.Period, s.ID, kind, strings.Join(parts, ", "))
	if s.Error != "" {
		fmt.Fprintf(w, "  run failed: %s\n", printable.Escape(s.Error))
	}
	if allFailed(s) {
		fmt.Fprintf(w, "  every delivery failed (%d of %d)\n", s.Failed, s.Failed)
	}
	for _, r := range s.Recipients {
		switch r.State {
		case jobs.StateFailed:
			fmt.Fprintf(w, "  failed: %s: %s\n", printable.Escape(r.Recipient), printable.Escape(r.LastError))
		case jobs.StateInDoubt:
			fmt.Fprintf(w, "  in doubt (may have arrived): %s: %s\n", printable.Escape(r.Recipient), printable.Escape(r.LastError))
		case jobs.StatePending, jobs.StateSending:
			fmt.Fprintf(w, "  not finished: %s %s\n", printable.Escape(r.Recipient), printable.Escape(r.LastError))
		}
	}
}
