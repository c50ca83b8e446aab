package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/daemon"
	"github.com/crmdigest/crmdigest/internal/clock"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/pipeline"
	"github.com/crmdigest/crmdigest/sources"
)

// runDaemon is `crmdigest daemon`: fire the schedules until SIGTERM or
// SIGINT. The first signal stops taking new work and lets the messages in
// flight finish, up to daemon.stop_timeout; a second one exits at once.
// The configuration is read once: changing it needs a restart.
func runDaemon(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("daemon", "--config FILE")
	cfgPath := fs.String("config", "config.yaml", "configuration file (read once: restart to change it)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e, err := loadEnv(*cfgPath)
	if err != nil {
		return err
	}
	cfg := e.cfg
	log := newLogger(cfg, m.Stderr)
	clock, err := daemon.ClockFromEnv(os.Getenv)
	if err != nil {
		return usageError(err.Error())
	}
	if clock.Fake() {
		log.Warn("testing hook: the daemon's clock is fake", "now", clock.Now(), "env", daemon.EnvFakeNow)
	} else if !cfg.Organisation.Now.IsZero() {
		log.Warn("organisation.clock is ignored by the daemon, which follows the wall clock", "clock", cfg.Organisation.Clock)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopSignals := watchSignals(cancel, log)
	defer stopSignals()

	d, err := startDaemon(ctx, cfg, log, clock)
	if err != nil {
		return err
	}
	return d.run(ctx)
}

// watchSignals cancels the daemon on the first SIGTERM or SIGINT and
// exits the process on the second.
func watchSignals(cancel context.CancelFunc, log *slog.Logger) (stop func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			log.Info("stopping: no new work; messages in flight may finish (send the signal again to exit at once)", "signal", sig.String())
			cancel()
		case <-done:
			return
		}
		select {
		case sig := <-ch:
			log.Warn("second signal: exiting now", "signal", sig.String())
			os.Exit(1)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// daemonProc is a started daemon: the job store working jobs, the loop
// and the HTTP server.
type daemonProc struct {
	cfg   *config.Config
	log   *slog.Logger
	store *jobs.Store
	loop  *daemon.Daemon
	http  *daemon.Server
}

func startDaemon(ctx context.Context, cfg *config.Config, log *slog.Logger, clock *daemon.Clock) (*daemonProc, error) {
	pipe, err := pipeline.New(cfg, pipeline.Options{Now: clock.Now, Logger: log})
	if err != nil {
		return nil, err
	}
	metrics := daemon.NewMetrics()
	policy := jobs.InDoubtHold
	if cfg.Delivery.InDoubt == "resend" {
		policy = jobs.InDoubtResend
	}
	store, err := openStore(ctx, cfg.Store, jobs.Options{
		Logger:      log,
		ParsePeriod: periodParser(cfg),
		Deliverer:   metrics.Deliverer(pipe),
		Planner:     metrics.Planner(pipe, pipe.Quality),
		Workers:     cfg.Delivery.Workers,
		InDoubt:     policy,
		MaxAttempts: cfg.Delivery.MaxAttempts,
		OnRunFinished: func(ctx context.Context, r jobs.RunSummary) {
			metrics.ObserveRun(ctx, r)
			logRun(log, r)
			pipe.RunFinished(ctx, r)
		},
	})
	if err != nil {
		return nil, err
	}
	pipe.UseStore(store) // the data gate's memory: last good loads, notices sent
	// River derives the jobs' contexts from Start's: a signal must not
	// cancel the messages in flight, only stop taking new ones (Stop).
	if err := store.Start(context.WithoutCancel(ctx)); err != nil {
		store.Close()
		return nil, err
	}
	p := &daemonProc{cfg: cfg, log: log, store: store}
	if rep, err := store.Status(ctx, 50); err == nil {
		for _, r := range rep.Runs {
			if r.Done() && !r.NeedsAttention() && !r.DryRun && r.RedirectTo == "" && !r.At.IsZero() {
				metrics.SetLastSuccess(r.Schedule, r.Finished)
			}
		}
	}
	var scheds = pipe.ScheduleNames()
	opts := daemon.Options{
		Store:       store,
		Zones:       zonesFunc(cfg, pipe, clock, metrics),
		MaxLateness: cfg.Daemon.MaxLateness,
		Clock:       clock,
		Logger:      log,
		Metrics:     metrics,
	}
	for _, name := range scheds {
		s, _ := pipe.Schedule(name)
		opts.Schedules = append(opts.Schedules, s)
	}
	if p.loop, err = daemon.New(opts); err != nil {
		p.stopStore(ctx)
		return nil, err
	}
	if p.http, err = daemon.NewServer(cfg.Daemon.Listen, p.loop, store, metrics); err != nil {
		p.stopStore(ctx)
		return nil, err
	}
	if con, err := newConsole(cfg, p.http.Addr(), store, pipe, clock.Now, log); err != nil {
		log.Warn("web console off; health and metrics are still served", "err", err)
	} else {
		p.http.Mount(con.Handler(), cfg.Console.TLSCert, cfg.Console.TLSKey)
		go func() {
			if _, err := pipe.Reload(context.WithoutCancel(ctx)); err != nil {
				log.Warn("console: sources not read", "err", err)
			}
		}()
	}
	go func() {
		if err := p.http.Serve(); err != nil {
			log.Error("http server", "err", err)
		}
	}()
	log.Info("daemon started", "schedules", len(scheds), "store", redactStore(cfg.Store),
		"http", p.http.Addr(), "max_lateness", cfg.Daemon.MaxLateness, "stop_timeout", cfg.Daemon.StopTimeout)
	return p, nil
}

// run fires schedules until ctx ends, then shuts down in order: readiness
// off, no new firings, the jobs in flight finish (up to stop_timeout), the
// store and the HTTP server close.
func (p *daemonProc) run(ctx context.Context) error {
	err := p.loop.Run(ctx)
	p.http.Stopping()
	start := clock.Now()
	if serr := p.stopStore(ctx); serr != nil && err == nil {
		err = serr
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = p.http.Shutdown(hctx)
	p.log.Info("daemon stopped", "drained_in", clock.Since(start).Round(time.Millisecond))
	return err
}

func (p *daemonProc) stopStore(ctx context.Context) error {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.Daemon.StopTimeout)
	defer cancel()
	err := p.store.Stop(stopCtx)
	if cerr := p.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// zonesFunc reads the directory (the people sources only: the rest is
// read by each firing) and returns each schedule's recipient zones.
func zonesFunc(cfg *config.Config, pipe *pipeline.Pipeline, clock *daemon.Clock, m *daemon.Metrics) func(context.Context) (map[string][]string, error) {
	var people []sources.Spec
	for _, s := range cfg.Sources {
		if s.Kind == crm.KindPeople {
			people = append(people, s)
		}
	}
	return func(ctx context.Context) (map[string][]string, error) {
		o := cfg.Organisation
		ds, err := sources.Load(ctx, people, sources.Options{
			Location: o.Location, Currency: o.Currency, Rates: o.Rates, Now: clock.Now,
		})
		if err != nil {
			return nil, fmt.Errorf("read the directory: %w", err)
		}
		m.ObserveSources(ds.Quality)
		out := map[string][]string{}
		for _, name := range pipe.ScheduleNames() {
			s, _ := pipe.Schedule(name)
			send, _ := pipe.Recipients(ds, s)
			out[name] = s.Zones(send)
		}
		return out, nil
	}
}

func logRun(log *slog.Logger, r jobs.RunSummary) {
	attrs := []any{"run", r.ID, "schedule", r.Schedule, "zone", r.Zone, "period", r.Period,
		"sent", r.Sent, "skipped", r.Skipped, "failed", r.Failed, "in_doubt", r.InDoubt,
		"took", r.Finished.Sub(r.Started).Round(time.Millisecond)}
	if r.Error != "" {
		log.Error("run failed", append(attrs, "error", r.Error)...)
		return
	}
	log.Info("run finished", attrs...)
}

// redactStore hides a password in a store URL before it is logged.
func redactStore(store string) string {
	u, err := url.Parse(store)
	if err != nil || u.User == nil {
		return store
	}
	return u.Redacted()
}
