package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/printable"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/pipeline"
)

func runRun(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("run", "--config FILE [--at TIME] [--schedule NAME] [--dry-run] [--force] [--redirect-to ADDRESS] [--accept-quality]")
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	atFlag := fs.String("at", "", "fire as if at this time (RFC 3339, or YYYY-MM-DD HH:MM in the organisation's zone); default now")
	only := fs.String("schedule", "", "fire only this schedule")
	flags := sendFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	e, err := loadEnv(*cfgPath)
	if err != nil {
		return err
	}
	at := e.now()
	if *atFlag != "" {
		if at, err = parseTime(*atFlag, e.cfg.Organisation.Location); err != nil {
			return usageError(fmt.Sprintf("--at %q: %v", *atFlag, err))
		}
	}
	names := []string{*only}
	if *only == "" {
		names = nil
		for _, s := range e.cfg.Schedules {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		return errors.New("config has no schedules to run")
	}
	log := newLogger(e.cfg, m.Stderr)
	eng, err := openEngine(ctx, e.cfg, log, pipeline.Options{Now: func() time.Time { return at }})
	if err != nil {
		return err
	}
	var firings []jobs.Firing
	for _, name := range names {
		f, err := eng.pipe.Firing(name, at)
		if err != nil {
			eng.close(ctx, time.Second)
			return usageError(err.Error())
		}
		firings = append(firings, f)
	}
	return eng.runFirings(ctx, m, e, firings, *flags, nil)
}

// sendOptions are the flags run and send share.
type sendOptions struct {
	dryRun, force bool
	redirectTo    string
	acceptQuality bool
}

func sendFlags(fs interface {
	BoolVar(*bool, string, bool, string)
	StringVar(*string, string, string, string)
}) *sendOptions {
	o := &sendOptions{}
	fs.BoolVar(&o.dryRun, "dry-run", false, "render everything, send nothing")
	fs.BoolVar(&o.force, "force", false, "send again to people who already have this digest (recorded as a forced resend)")
	fs.StringVar(&o.redirectTo, "redirect-to", "", "send every message to this address instead, marked as a preview (not counted as delivered)")
	fs.BoolVar(&o.acceptQuality, "accept-quality", false, "send even if the data gate finds a source breaking a quality rule (recorded on each run)")
	return o
}

// runFirings reads the sources once, then starts one run per firing and
// follows them to the end. only, when set, restricts the recipients. A run
// of the same schedule, period and options that an earlier process left
// unfinished (killed, interrupted) is resumed rather than started again:
// its jobs are still queued, and this process works them.
func (eng *engine) runFirings(ctx context.Context, m *Main, e *env, firings []jobs.Firing, o sendOptions, only map[string]bool) error {
	defer eng.close(ctx, e.cfg.Daemon.StopTimeout)
	st := newStageClock(m.Stderr)
	ds, err := eng.pipe.Reload(ctx)
	st.mark("read")
	if err != nil {
		err = fmt.Errorf("read sources: %w", err)
		if !o.dryRun {
			// Recorded as the daemon records it, so that status and the
			// console show the attempt and why nothing went out.
			for _, f := range firings {
				id, ferr := eng.store.FailRun(ctx, jobs.RunSpec{Schedule: f.Schedule, Period: f.Period, Zone: f.Zone, At: f.At,
					DataFiles: eng.pipe.DataFiles(), RedirectTo: o.redirectTo, Force: o.force}, err.Error())
				if ferr != nil {
					return errors.Join(err, ferr)
				}
				fmt.Fprintf(m.Stdout, "%s %s (run #%d): the sources could not be read, nothing sent\n", f.Schedule, f.Period, id)
			}
		}
		return err
	}
	if err := checkOnly(eng, ds, firings, only); err != nil {
		return err
	}
	eng.pipe.AcceptQuality(o.acceptQuality)
	override, err := eng.pipe.Judge(ctx, ds, o.dryRun)
	st.mark("gate")
	var refusal *pipeline.Refusal
	if errors.As(err, &refusal) {
		return eng.refuse(ctx, m, firings, o, refusal)
	}
	if err != nil {
		return err
	}
	var ids []int64
	total := 0
	for _, f := range firings {
		if err := eng.pipe.CheckFresh(f.At); err != nil {
			subject := fmt.Sprintf("crmdigest: schedule %s, period %s did not run", f.Schedule, f.Period)
			if !o.dryRun {
				if nerr := eng.pipe.Notify(ctx, subject, err.Error(), "stale-"+f.Schedule+"-"+f.Period.Key()); nerr != nil {
					eng.log.Error("admin notice not sent", "err", nerr)
				}
			}
			return err
		}
		s, _ := eng.pipe.Schedule(f.Schedule)
		people, held := eng.pipe.Recipients(ds, s)
		var keys []string
		for _, p := range people {
			if only == nil || only[strings.ToLower(p.Email)] || only[strings.ToLower(p.Name)] {
				keys = append(keys, p.Key())
			}
		}
		for _, h := range held {
			fmt.Fprintf(m.Stdout, "%s %s: not sent to %s\n", f.Schedule, f.Period, printable.Escape(h))
		}
		resumed, err := eng.resumable(ctx, f, o)
		if err != nil {
			return err
		}
		covered := map[string]bool{}
		for _, r := range resumed {
			fmt.Fprintf(m.Stdout, "%s %s: resuming run #%d, left unfinished by an earlier process (%d of %d recipients open)\n",
				f.Schedule, f.Period, r.ID, r.Pending, len(r.Recipients))
			for _, rc := range r.Recipients {
				covered[rc.Recipient] = true
			}
			ids = append(ids, r.ID)
			total += len(r.Recipients)
			eng.pipe.Expect(f.Schedule, f.Period, f.At, r.Pending)
		}
		var fresh []string
		for _, k := range keys {
			if !covered[k] {
				fresh = append(fresh, k)
			}
		}
		if len(fresh) == 0 {
			if len(resumed) == 0 {
				fmt.Fprintf(m.Stdout, "%s %s: no recipients\n", f.Schedule, f.Period)
			}
			continue
		}
		id, err := eng.store.StartRun(ctx, jobs.RunSpec{
			Schedule: f.Schedule, Period: f.Period, At: f.At, Recipients: fresh,
			DataFiles: eng.pipe.DataFiles(), Force: o.force, DryRun: o.dryRun, RedirectTo: o.redirectTo,
			Override: override,
		})
		if err != nil {
			return err
		}
		// The pipeline lets the figures go once the run's last pending
		// recipient is served (Expect). A delivery that ended before this
		// is neither in Pending nor counted down.
		if sum, err := eng.store.Run(ctx, id); err == nil {
			eng.pipe.Expect(f.Schedule, f.Period, f.At, sum.Pending)
		}
		ids = append(ids, id)
		total += len(fresh)
	}
	st.mark("plan")
	// The engine starts working once every run is planned: on SQLite the
	// fan-out's transaction holds the only connection, and at 24,000
	// recipients River's own queries, waiting behind it, timed out
	// (docs/PERFORMANCE.md, scale). Jobs an earlier process left are
	// worked from here too.
	if err := eng.store.Start(ctx); err != nil {
		return err
	}
	sums, err := eng.wait(ctx, m.Stderr, ids, total)
	st.mark("deliveries")
	st.workers(eng.pipe)
	for _, s := range sums {
		printRun(m.Stdout, s)
	}
	if err != nil {
		return err
	}
	if e.cfg.Delivery.Transport == "outbox" && !o.dryRun {
		rel, rerr := filepath.Rel(mustGetwd(), e.cfg.Delivery.Outbox)
		if rerr != nil {
			rel = e.cfg.Delivery.Outbox
		}
		fmt.Fprintf(m.Stdout, "messages are in %s (one .eml per person, PDF attached)\n", rel)
	}
	for _, s := range sums {
		if s.NeedsAttention() {
			return fmt.Errorf("run %d (%s %s) needs attention: see crmdigest status", s.ID, s.Schedule, s.Period)
		}
	}
	return nil
}

// checkOnly refuses an --only name that matches none of the firings'
// recipients, before anything is sent: a typo must not pass for "nothing to do".
func checkOnly(eng *engine, ds *crm.Dataset, firings []jobs.Firing, only map[string]bool) error {
	if only == nil {
		return nil
	}
	matched := map[string]bool{}
	for _, f := range firings {
		s, _ := eng.pipe.Schedule(f.Schedule)
		people, _ := eng.pipe.Recipients(ds, s)
		for _, p := range people {
			matched[strings.ToLower(p.Email)], matched[strings.ToLower(p.Name)] = true, true
		}
	}
	var unknown []string
	for k := range only {
		if !matched[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return usageError(fmt.Sprintf("--only: %s is not among the recipients (paused and opted-out people are not)", strings.Join(unknown, ", ")))
}

// resumable returns the unfinished runs of f's schedule, zone and period
// made with the same options, with their recipients.
func (eng *engine) resumable(ctx context.Context, f jobs.Firing, o sendOptions) ([]jobs.RunSummary, error) {
	rep, err := eng.store.Status(ctx, 50)
	if err != nil {
		return nil, err
	}
	var out []jobs.RunSummary
	for _, r := range rep.Runs {
		if r.Done() || r.Error != "" || r.Schedule != f.Schedule || r.Zone != f.Zone || r.Period != f.Period.Key() ||
			r.Force != o.force || r.DryRun != o.dryRun || r.RedirectTo != o.redirectTo {
			continue
		}
		full, err := eng.store.Run(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, full)
	}
	return out, nil
}

func mustGetwd() string {
	wd, _ := os.Getwd()
	return wd
}

// parseTime reads RFC 3339, or a local date and time in loc.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("expected RFC 3339 (2026-11-30T07:00:00+01:00) or YYYY-MM-DD HH:MM")
}
