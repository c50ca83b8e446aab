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
func (p *Pipeline) Plan(ctx context.Context, f jobs.Firing) (jobs.Plan, error) {
	s, ok := p.schedules[f.Schedule]
	if !ok {
		return jobs.Plan{}, fmt.Errorf("schedule %q is no longer in the configuration", f.Schedule)
	}
	ds, err := p.Reload(ctx)
	if err != nil {
		return jobs.Plan{}, fmt.Errorf("read sources: %w", err)
	}
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
