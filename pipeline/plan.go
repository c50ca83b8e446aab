package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/schedule"
)

var _ jobs.Planner = (*Pipeline)(nil)

// Plan is the job engine's call when a firing runs: it re-reads the sources
// (new exports may have been dropped since the last firing), has the data
// gate judge them, refuses stale data, and lists the recipients of the firing's zone.
// The firings of one instant (every zone's and every schedule's, or a
// daemon's catch-up on start) share one reading that started at or after
// their firing time (readingFor), read outside the firing job.
func (p *Pipeline) Plan(ctx context.Context, f jobs.Firing) (jobs.Plan, error) {
	s, ok := p.schedules[f.Schedule]
	if !ok {
		return jobs.Plan{}, fmt.Errorf("schedule %q is no longer in the configuration", f.Schedule)
	}
	r := p.readingFor(ctx, f.At)
	if err := p.await(ctx, r.done, "the sources"); err != nil {
		return jobs.Plan{}, err // jobs.NotReady: the firing job is put back
	}
	if r.err != nil {
		return jobs.Plan{}, fmt.Errorf("read sources: %w", r.err)
	}
	ds := r.ds
	// The data gate judges before any job exists: a refusal records the
	// run as refused, with no recipient.
	override, err := p.Judge(ctx, ds, false)
	if err != nil {
		return jobs.Plan{}, err
	}
	if err := p.CheckFresh(f.At); err != nil {
		return jobs.Plan{}, err
	}
	people, _ := p.Recipients(ds, s)
	var keys []string
	for _, person := range people {
		if s.PerRecipientZone() && f.Zone != "" && s.RecipientZone(person) != f.Zone {
			continue
		}
		keys = append(keys, person.Key())
	}
	// Every recipient planned will need the figures (Expect lets them go
	// after the last); those the fan-out finds served already never ask,
	// and keep them until the run finishes, as before.
	p.Expect(f.Schedule, f.Period, f.At, len(keys))
	return jobs.Plan{Recipients: keys, DataFiles: p.DataFiles(), Override: override}, nil
}

// Recipients selects a schedule's recipients from the directory, less the
// ones paused or opted out in config, which come back as the second value
// so that a run can say who was left out and why.
func (p *Pipeline) Recipients(ds *crm.Dataset, s *schedule.Schedule) (send []crm.Person, held []string) {
	off := map[string]string{}
	for _, a := range p.cfg.Delivery.Paused {
		off[strings.ToLower(a)] = "paused"
	}
	for _, a := range p.cfg.Delivery.OptOut {
		off[strings.ToLower(a)] = "opted out"
	}
	spec := s.Spec()
	for _, person := range schedule.Select(ds.People, spec.Recipients, spec.Report) {
		if why, ok := off[strings.ToLower(person.Email)]; ok {
			held = append(held, person.Key()+" ("+why+")")
			continue
		}
		send = append(send, person)
	}
	return send, held
}

// Firing resolves what a schedule covers when fired at t, as `run --at`
// does: the period is cut in the organisation's zone.
func (p *Pipeline) Firing(name string, t time.Time) (jobs.Firing, error) {
	s, ok := p.schedules[name]
	if !ok {
		return jobs.Firing{}, fmt.Errorf("no schedule named %q (have %s)", name, strings.Join(p.names, ", "))
	}
	period, err := schedule.ResolvePeriod(s.Spec().Period, t, p.cfg.Organisation.Location)
	if err != nil {
		return jobs.Firing{}, err
	}
	return jobs.Firing{Schedule: name, At: t, Period: period}, nil
}

// reading is one reading of the sources (Reload), made on its own
// goroutine and shared by the firings it is fresh enough for.
type reading struct {
	started time.Time // the pipeline's clock when it was asked for
	done    chan struct{}
	ds      *crm.Dataset
	err     error
}

// readingFor returns a reading of the sources fresh enough for a firing at
// at: one asked for at or after at (it sees every export dropped before the
// firing), done or in flight, else a new one, started once the reading in
// flight, if any, is over (two readings at once would hold two models).
// A failed reading is not reused. Before, every firing read every source
// again inside its job: a daemon catching up nine firings read them nine
// times, and at 20,000 reps one reading (16.7 M rows) outlasted the job's
// timeout.
func (p *Pipeline) readingFor(ctx context.Context, at time.Time) *reading {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.reading
	if r != nil && !r.started.Before(at) {
		select {
		case <-r.done:
			if r.err == nil {
				return r
			}
		default:
			return r
		}
	}
	prev := r
	r = &reading{started: p.now(), done: make(chan struct{})}
	p.reading = r
	p.readings++
	bg := context.WithoutCancel(ctx)
	go func() {
		defer close(r.done)
		if prev != nil {
			<-prev.done
		}
		r.ds, r.err = p.Reload(bg)
	}()
	return r
}
