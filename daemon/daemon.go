// Package daemon is crmdigest's long-running loop: it fires the
// configured schedules at their times, in every time zone their
// recipients live in, by recording each firing in the job store
// (jobs.Store.EnqueueFiring), whose firing job re-reads the sources and
// fans out one delivery job per recipient. On start, and whenever a new
// zone appears, it catches up the firings missed while no daemon ran:
// the newest one if it is younger than max_lateness, the others logged
// and skipped.
//
// Several daemons may share one PostgreSQL store: each one fires every
// firing, the store keeps the first and ignores the others, so each
// firing runs once, and River shares the delivery jobs among the nodes.
// The package also serves /healthz, /readyz and /metrics (see Server).
package daemon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/crmdigest/crmdigest/internal/clock"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/schedule"
)

// Store is what the daemon needs of the job store (*jobs.Store).
type Store interface {
	// EnqueueFiring records a firing and enqueues its job, once per
	// (schedule, zone, at): false means it was already recorded.
	EnqueueFiring(ctx context.Context, f jobs.Firing) (bool, error)
	// LastFiring is the newest recorded firing of a schedule in a zone.
	LastFiring(ctx context.Context, schedule, zone string) (time.Time, bool, error)
	// RecordSkipped records a firing that catch-up chose not to run.
	RecordSkipped(ctx context.Context, f jobs.Firing, reason string) (bool, error)
	// Ping tells whether the store answers.
	Ping(ctx context.Context) error
}

var _ Store = (*jobs.Store)(nil)

// Options configure a Daemon. Schedules, Store and Zones are required.
type Options struct {
	Schedules []*schedule.Schedule
	Store     Store
	// Zones returns, per schedule name, the zones it fires in: the zones
	// of its current recipients (schedule.Schedule.Zones). It reads the
	// directory, so the daemon calls it on start and then every
	// ZoneRefresh. A schedule with its own zone fires there whatever Zones
	// says.
	Zones func(ctx context.Context) (map[string][]string, error)
	// MaxLateness is how late a missed firing may still run (config
	// daemon.max_lateness).
	MaxLateness time.Duration

	Clock   *Clock // default the wall clock
	Logger  *slog.Logger
	Metrics *Metrics // nil: no metrics

	// ZoneRefresh is the clock time between two readings of the zones
	// (default 1h). MaxSleep caps one sleep in real time (default 1m), so
	// that a suspended host looks at the time again soon after it wakes.
	// Retry is the clock time before trying again a firing the store could
	// not record (default 10s). Progress is the real time between two
	// progress lines in the log (default 1m).
	ZoneRefresh time.Duration
	MaxSleep    time.Duration
	Retry       time.Duration
	Progress    time.Duration
}

// Daemon fires schedules until its context ends. Create it with New.
type Daemon struct {
	opts Options
	log  *slog.Logger
	clk  *Clock

	// Only Run's goroutine touches these.
	tracks      []*track
	refreshedAt time.Time

	mu       sync.Mutex
	loaded   bool // zones read at least once
	next     NextFiring
	enqueued int
}

// track is one (schedule, zone) pair the daemon fires.
type track struct {
	s    *schedule.Schedule
	zone string // normalised IANA name, as in the firings' records
	// since is the instant up to which firings have been handled; zero
	// until the store's record was read (known == false).
	since time.Time
	known bool
	next  time.Time // when to look at this track again
}

// NextFiring is the earliest firing the daemon is waiting for.
type NextFiring struct {
	Schedule, Zone string
	At             time.Time
}

// New checks the options and returns a Daemon.
func New(opts Options) (*Daemon, error) {
	if opts.Store == nil || opts.Zones == nil {
		return nil, errors.New("daemon: store and zones are required")
	}
	if opts.MaxLateness < 0 {
		return nil, errors.New("daemon: max lateness must be 0 (no catch-up) or positive")
	}
	opts.Logger = cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	opts.ZoneRefresh = cmp.Or(opts.ZoneRefresh, time.Hour)
	opts.MaxSleep = cmp.Or(opts.MaxSleep, time.Minute)
	opts.Retry = cmp.Or(opts.Retry, 10*time.Second)
	opts.Progress = cmp.Or(opts.Progress, time.Minute)
	if opts.Clock == nil {
		opts.Clock = RealClock()
	}
	return &Daemon{opts: opts, log: opts.Logger, clk: opts.Clock}, nil
}

// Loaded tells whether the schedules' zones have been read: the daemon
// knows what to fire.
func (d *Daemon) Loaded() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.loaded
}

// Next is the earliest firing the daemon waits for; zero At when none.
func (d *Daemon) Next() NextFiring {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.next
}

// Run catches up missed firings, then fires each schedule at its time
// until ctx is done; it returns nil then. Store errors are logged and
// retried, never fatal: a database that is down for a while must not stop
// the schedules once it is back.
func (d *Daemon) Run(ctx context.Context) error {
	now := d.clk.Now()
	d.refresh(ctx, now)
	d.publish()
	if n := d.Next(); !n.At.IsZero() {
		d.log.Info("waiting for the next firing", "schedule", n.Schedule, "zone", n.Zone, "at", n.At)
	}
	lastProgress := clock.Now()
	for {
		if err := d.clk.Sleep(ctx, d.wake(), d.opts.MaxSleep); err != nil {
			return nil // stopped
		}
		now = d.clk.Now()
		if !d.Loaded() || now.Sub(d.refreshedAt) >= d.opts.ZoneRefresh {
			d.refresh(ctx, now)
		}
		for _, t := range d.tracks {
			if !t.next.After(now) {
				d.advance(ctx, t, now)
			}
		}
		d.publish()
		if clock.Since(lastProgress) >= d.opts.Progress {
			d.progress()
			lastProgress = clock.Now()
		}
	}
}

// wake is the earliest time some track must be looked at.
func (d *Daemon) wake() time.Time {
	var w time.Time
	for _, t := range d.tracks {
		if w.IsZero() || t.next.Before(w) {
			w = t.next
		}
	}
	if w.IsZero() {
		// Nothing to fire (no recipients yet, or no firing within nine
		// years): look again at the next refresh.
		w = d.refreshedAt.Add(d.opts.ZoneRefresh)
	}
	return w
}

// refresh reads the zones and makes the tracks match them: a new zone is
// caught up at once, a zone nobody lives in any more is dropped.
func (d *Daemon) refresh(ctx context.Context, now time.Time) {
	zones, err := d.opts.Zones(ctx)
	if err != nil {
		if d.Loaded() {
			d.log.Error("read recipients' zones; keeping the known ones", "err", err)
		} else {
			// Fire in the organisation's zone meanwhile: the firing will
			// fail to read the sources too, and the administrator hears
			// of it, rather than nothing happening silently.
			d.log.Error("read recipients' zones; firing in the organisation's zone until they can be read", "err", err)
			zones = map[string][]string{}
			for _, s := range d.opts.Schedules {
				zones[s.Name()] = []string{""}
			}
			d.setTracks(ctx, zones, now)
		}
		d.refreshedAt = now
		return
	}
	d.setTracks(ctx, zones, now)
	d.refreshedAt = now
	d.mu.Lock()
	first := !d.loaded
	d.loaded = true
	d.mu.Unlock()
	if first {
		for _, s := range d.opts.Schedules {
			var names []string
			for _, t := range d.tracks {
				if t.s == s {
					names = append(names, t.zone)
				}
			}
			d.log.Info("schedule loaded", "schedule", s.Name(), "cron", s.Cron().String(), "zones", names)
		}
	}
}

func (d *Daemon) setTracks(ctx context.Context, zones map[string][]string, now time.Time) {
	var out []*track
	for _, s := range d.opts.Schedules {
		names := zones[s.Name()]
		if !s.PerRecipientZone() {
			names = []string{""} // its own zone, whatever the recipients
		}
		seen := map[string]bool{}
		for _, z := range names {
			zone := s.In(z).Loc.String()
			if seen[zone] {
				continue
			}
			seen[zone] = true
			i := slices.IndexFunc(d.tracks, func(t *track) bool { return t.s == s && t.zone == zone })
			if i >= 0 {
				out = append(out, d.tracks[i])
				continue
			}
			t := &track{s: s, zone: zone}
			out = append(out, t)
			d.advance(ctx, t, now)
		}
	}
	d.tracks = out
}

// advance handles the firings of one track in (since, now]: on the first
// call, since is the store's newest record, so this is the catch-up.
func (d *Daemon) advance(ctx context.Context, t *track, now time.Time) {
	name := t.s.Name()
	log := d.log.With("schedule", name, "zone", t.zone)
	catchUp := !t.known
	if !t.known {
		last, ok, err := d.opts.Store.LastFiring(ctx, name, t.zone)
		if err != nil {
			log.Error("read the last firing; retrying", "err", err)
			t.next = now.Add(d.opts.Retry)
			return
		}
		if ok {
			t.since = last
		}
		t.known = true
	}
	lateness := d.opts.MaxLateness
	if lateness == 0 && !catchUp {
		// Catch-up is off, which is about firings missed while no daemon
		// ran: one that came due since this daemon last looked is on time,
		// however late the look (a busy or suspended host).
		lateness = now.Sub(t.since) + time.Nanosecond
	}
	run, skipped := t.s.Missed(t.zone, t.since, now, lateness)
	for _, f := range run {
		inserted, err := d.opts.Store.EnqueueFiring(ctx, jobFiring(f))
		if err != nil {
			log.Error("record firing; retrying", "at", f.At, "err", err)
			t.next = now.Add(d.opts.Retry)
			return
		}
		late := now.Sub(f.At).Round(time.Second)
		switch {
		case !inserted:
			log.Info("firing already recorded (by another node or an earlier start)", "at", f.At, "period", f.Period)
			d.count(name, "duplicate", 1)
		case catchUp && late > time.Minute:
			log.Warn("catching up a firing missed while no daemon ran", "at", f.At, "period", f.Period.String(), "late", late)
			d.count(name, "enqueued", 1)
		default:
			log.Info("firing", "at", f.At, "period", f.Period.String(), "late", late)
			d.count(name, "enqueued", 1)
		}
	}
	if len(skipped) > 0 {
		d.logSkipped(ctx, log, t, run, skipped, now)
	}
	if now.After(t.since) {
		t.since = now
	}
	t.next = t.s.In(t.zone).Next(t.since)
}

// logSkipped says which missed firings will not run and why, and records
// the newest so that the next start does not report them again.
func (d *Daemon) logSkipped(ctx context.Context, log *slog.Logger, t *track, run, skipped []schedule.Firing, now time.Time) {
	why := func(f schedule.Firing) string {
		if len(run) > 0 {
			return "superseded by the newer firing " + run[0].At.Format(time.RFC3339)
		}
		if d.opts.MaxLateness == 0 {
			return fmt.Sprintf("missed by %s while no daemon ran, and catch-up is off (daemon.max_lateness 0)", now.Sub(f.At).Round(time.Second))
		}
		return fmt.Sprintf("missed by %s, more than daemon.max_lateness %s", now.Sub(f.At).Round(time.Second), d.opts.MaxLateness)
	}
	const listed = 10
	for i, f := range skipped {
		if i == listed {
			log.Warn("more missed firings skipped", "count", len(skipped)-listed,
				"from", skipped[listed].At, "to", skipped[len(skipped)-1].At)
			break
		}
		log.Warn("missed firing skipped", "at", f.At, "period", f.Period.String(), "reason", why(f))
	}
	d.count(t.s.Name(), "skipped", len(skipped))
	if len(run) > 0 {
		return // the run's record is newer and already stands for them
	}
	newest := skipped[len(skipped)-1]
	if _, err := d.opts.Store.RecordSkipped(ctx, jobFiring(newest), why(newest)); err != nil {
		log.Error("record skipped firing", "at", newest.At, "err", err)
	}
}

func (d *Daemon) count(schedule, outcome string, n int) {
	if outcome == "enqueued" {
		d.mu.Lock()
		d.enqueued += n
		d.mu.Unlock()
	}
	if d.opts.Metrics != nil {
		d.opts.Metrics.firing(schedule, outcome, n)
	}
}

// publish updates the next firing, overall and per schedule.
func (d *Daemon) publish() {
	var next NextFiring
	per := map[string]time.Time{}
	for _, t := range d.tracks {
		at := t.s.In(t.zone).Next(t.since)
		if at.IsZero() {
			continue
		}
		if cur, ok := per[t.s.Name()]; !ok || at.Before(cur) {
			per[t.s.Name()] = at
		}
		if next.At.IsZero() || at.Before(next.At) {
			next = NextFiring{Schedule: t.s.Name(), Zone: t.zone, At: at}
		}
	}
	d.mu.Lock()
	d.next = next
	d.mu.Unlock()
	if m := d.opts.Metrics; m != nil {
		for _, s := range d.opts.Schedules {
			m.setNext(s.Name(), per[s.Name()])
		}
	}
}

// progress is the periodic line that says the daemon is alive and what
// it has done.
func (d *Daemon) progress() {
	n := d.Next()
	d.mu.Lock()
	enq := d.enqueued
	d.mu.Unlock()
	attrs := []any{"firings_enqueued", enq, "next_schedule", n.Schedule, "next_zone", n.Zone, "next_at", n.At}
	if m := d.opts.Metrics; m != nil {
		attrs = append(attrs, "deliveries_sent", m.sent.Load(), "deliveries_failed", m.failed.Load())
	}
	d.log.Info("progress", attrs...)
}

func jobFiring(f schedule.Firing) jobs.Firing {
	return jobs.Firing{Schedule: f.Schedule, Zone: f.Zone, At: f.At, Period: f.Period}
}
