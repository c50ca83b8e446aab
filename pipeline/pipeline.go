// Package pipeline turns a firing, or a run started from the command line,
// into delivered digests: it reads the sources, checks they are fresh,
// picks the recipients, and for each one computes the figures, renders the
// PDF and the email, and hands the message to a transport. It is the
// Planner and the Deliverer of the job engine (package jobs), which owns
// retries, the delivery ledger and the run history.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/internal/clock"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/report"
	"github.com/crmdigest/crmdigest/schedule"
	"github.com/crmdigest/crmdigest/sources"
	"github.com/crmdigest/crmdigest/templates"
)

// Pipeline holds the parts every delivery shares. It is safe for
// concurrent use by the job engine's workers.
type Pipeline struct {
	cfg       *config.Config
	log       *slog.Logger
	now       func() time.Time
	transport delivery.Transport
	templates *templates.Set
	schedules map[string]*schedule.Schedule
	names     []string // schedule names in config order

	mu        sync.Mutex
	data      *data
	gateStore GateStore // the data gate's memory; nil in check
	acceptAll bool      // --accept-quality
	sets      map[setKey]*setEntry

	stages      stageTimes
	renderSlots chan struct{} // one per CPU: the messages being built at once

	// newSet computes a set of figures (report.NewSet; tests slow it
	// down). notReadyAfter is how long a delivery whose figures or sources
	// are still being computed is put back in the queue (jobs.NotReady).
	newSet        func(*crm.Dataset, report.Kind, kpi.Period, crm.Day, report.Options) (*report.Set, error)
	notReadyAfter time.Duration
	loading       *loadEntry // the sources being read for a delivery (current)
	reading       *reading   // the last reading for a firing (readingFor)
	readings      int        // readings started for firings, for the tests
}

// Options are the parts a caller may swap.
type Options struct {
	// Now is the clock; nil means the config's pinned clock, else clock.Now.
	Now func() time.Time
	// Transport replaces the one config.yaml describes (tests inject faults).
	Transport delivery.Transport
	// Wrap, when set, wraps the transport (the configured one or
	// Transport) once it is built: the command line's test hook that slows
	// deliveries down goes here.
	Wrap   func(delivery.Transport) delivery.Transport
	Logger *slog.Logger
}

// data is one reading of the sources.
type data struct {
	ds       *crm.Dataset
	loadedAt time.Time
	newest   time.Time // the newest export's age reference
	files    []string
}

type setKey struct {
	kind   report.Kind
	period kpi.Period
	asOf   crm.Day
	// delivery is the firing's instant (Unix seconds, 0 on demand): the
	// rep's to-do list speaks of the reader's week (report.Options.Delivery).
	delivery int64
}

// setEntry is one set of figures: computed once (entry), on its own
// goroutine; done is closed when set or err is there. left counts the
// deliveries announced (Expect) that have not ended yet.
type setEntry struct {
	once sync.Once
	done chan struct{}
	set  *report.Set
	err  error
	left int
}

func newSetEntry() *setEntry { return &setEntry{done: make(chan struct{})} }

// New builds the pipeline from a validated configuration.
func New(cfg *config.Config, opts Options) (*Pipeline, error) {
	p := &Pipeline{cfg: cfg, log: opts.Logger, now: opts.Now, transport: opts.Transport, sets: map[setKey]*setEntry{},
		renderSlots: make(chan struct{}, runtime.GOMAXPROCS(0)), newSet: report.NewSet, notReadyAfter: 10 * time.Second}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = clock.Now
		if !cfg.Organisation.Now.IsZero() {
			pinned := cfg.Organisation.Now
			p.now = func() time.Time { return pinned }
		}
	}
	var err error
	if p.templates, err = templates.Load(cfg.Delivery.Templates); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	p.schedules = map[string]*schedule.Schedule{}
	for _, s := range cfg.Schedules {
		c, err := schedule.Compile(schedule.Spec{
			Name: s.Name, Report: s.Report, Cron: s.Cron, TimeZone: s.TimeZone, Period: s.Period,
			Recipients: schedule.Recipients{Role: s.Recipients.Role, Teams: s.Recipients.Teams, Region: s.Recipients.Region, List: s.Recipients.List},
		}, cfg.Organisation.Location)
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", s.Name, err)
		}
		p.schedules[s.Name] = c
		p.names = append(p.names, s.Name)
	}
	if p.transport == nil {
		if p.transport, err = newTransport(cfg); err != nil {
			return nil, err
		}
	}
	if opts.Wrap != nil {
		p.transport = opts.Wrap(p.transport)
	}
	return p, nil
}

// newTransport builds the transport config.yaml names, behind the rate
// limiter (which also caps SMTP concurrency).
func newTransport(cfg *config.Config) (delivery.Transport, error) {
	d := cfg.Delivery
	var t delivery.Transport
	switch d.Transport {
	case "outbox":
		o, err := delivery.NewOutbox(d.Outbox)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		t = o
	case "smtp":
		s := d.SMTP
		smtp, err := delivery.NewSMTP(delivery.SMTPConfig{
			Host: s.Host, Port: s.Port, TLS: s.TLS, AllowInsecure: s.AllowInsecure,
			Auth: s.Auth, Username: s.Username, Password: delivery.Secret(s.Password),
			PasswordFile: s.PasswordFile, Timeout: s.Timeout,
		})
		if err != nil {
			return nil, fmt.Errorf("smtp: %w", err)
		}
		t = smtp
	default:
		return nil, fmt.Errorf("unknown transport %q", d.Transport)
	}
	return delivery.NewLimiter(t, d.RatePerMinute, d.Concurrency), nil
}

// Schedule returns a compiled schedule by name.
func (p *Pipeline) Schedule(name string) (*schedule.Schedule, bool) {
	s, ok := p.schedules[name]
	return s, ok
}

// ScheduleNames lists the schedules in config order.
func (p *Pipeline) ScheduleNames() []string { return p.names }

// Now is the pipeline's clock.
func (p *Pipeline) Now() time.Time { return p.now() }

// Reload reads every source afresh. A source that cannot be read fails the
// reload: digests are never built from part of the data.
func (p *Pipeline) Reload(ctx context.Context) (*crm.Dataset, error) {
	o := p.cfg.Organisation
	ds, err := sources.Load(ctx, p.cfg.Sources, sources.Options{
		Location: o.Location, Currency: o.Currency, Rates: o.Rates, Now: p.now,
	})
	if err != nil {
		return nil, err
	}
	d := &data{ds: ds, loadedAt: p.now(), newest: NewestExport(ds, o.Location)}
	for _, q := range ds.Quality {
		if q.File != "" {
			d.files = append(d.files, q.File)
		}
	}
	p.mu.Lock()
	p.data = d
	p.sets = map[setKey]*setEntry{}
	p.mu.Unlock()
	return ds, nil
}

// current returns the data read last, reading it first if needed (a node
// that works a firing another node planned has not read it yet). The
// reading runs on its own goroutine, outside the job that asked first
// (16.7 M rows took minutes at 20,000 reps); a delivery under a deadline
// waits for it as for its figures (await).
func (p *Pipeline) current(ctx context.Context) (*data, error) {
	p.mu.Lock()
	d, l := p.data, p.loading
	if d == nil && l == nil {
		l = &loadEntry{done: make(chan struct{})}
		p.loading = l
		bg := context.WithoutCancel(ctx)
		go func() {
			defer close(l.done)
			ds, err := p.Reload(bg)
			if err == nil {
				err = p.recheck(bg, ds)
			}
			p.mu.Lock()
			l.d, l.err = p.data, err
			p.loading = nil
			p.mu.Unlock()
		}()
	}
	p.mu.Unlock()
	if d != nil {
		return d, nil
	}
	if err := p.await(ctx, l.done, "the sources"); err != nil {
		return nil, err
	}
	if l.err != nil {
		return nil, fmt.Errorf("read sources: %w", l.err)
	}
	return l.d, nil
}

// loadEntry is a reading of the sources for current.
type loadEntry struct {
	done chan struct{}
	d    *data
	err  error
}

// NewestExport is the time the newest export's figures stand at (see
// exportTime); the digests' as-of time is the firing time or this, the
// earlier of the two.
func NewestExport(ds *crm.Dataset, loc *time.Location) time.Time {
	var newest time.Time
	for _, q := range ds.Quality {
		if t := exportTime(q, loc); t.After(newest) {
			newest = t
		}
	}
	return newest
}

// exportTime is the time an export's figures stand at: the date in its file
// name, else the newest date inside it (end of that day in the reporting
// zone), else the file's modification time, which a copy or a clone resets.
func exportTime(q crm.SourceReport, loc *time.Location) time.Time {
	endOf := func(d crm.Day) time.Time {
		y, m, dd := d.Date()
		return time.Date(y, m, dd+1, 0, 0, 0, 0, loc).Add(-time.Second)
	}
	switch {
	case q.ExportDate.Valid():
		return endOf(q.ExportDate)
	case q.Last.Valid() && q.Kind != sources.KindProducts && q.Kind != crm.KindPeople && q.Kind != crm.KindTargets:
		return endOf(q.Last)
	}
	return q.ModTime
}

// ErrStaleData says the newest export is older than daemon.max_data_age.
var ErrStaleData = errors.New("stale data")

// CheckFresh refuses data whose newest export is older than max_data_age at
// the given time: recipients must not get last week's numbers again.
func (p *Pipeline) CheckFresh(at time.Time) error {
	p.mu.Lock()
	d := p.data
	p.mu.Unlock()
	if d == nil {
		return errors.New("no data read yet")
	}
	if d.newest.IsZero() {
		return fmt.Errorf("%w: no export carries a date or a modification time", ErrStaleData)
	}
	if age := at.Sub(d.newest); age > p.cfg.Daemon.MaxDataAge {
		return fmt.Errorf("%w: the newest export (%s) is %s old at %s, more than daemon.max_data_age %s; files: %s",
			ErrStaleData, d.newest.Format(time.RFC3339), age.Round(time.Minute), at.Format(time.RFC3339),
			p.cfg.Daemon.MaxDataAge, strings.Join(d.files, ", "))
	}
	return nil
}

// AsOf is the instant a firing's figures stand at: the firing time, or the
// newest export's time when that is earlier.
func (p *Pipeline) AsOf(at time.Time) time.Time {
	p.mu.Lock()
	d := p.data
	p.mu.Unlock()
	if d == nil {
		return at
	}
	return schedule.AsOf(at, d.newest)
}

// DataFiles lists the files the current data was read from.
func (p *Pipeline) DataFiles() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.data == nil {
		return nil
	}
	return append([]string(nil), p.data.files...)
}
