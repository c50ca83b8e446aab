// Package schedule decides when digests are sent and what they cover: it
// parses the schedules' cron expressions (with robfig/cron), lists their
// firings in a time window with a daylight-saving rule that fires every
// local wall time exactly once, resolves the period a firing covers in the
// organisation's reporting zone, plans the catch-up of firings missed while
// the daemon was down, and selects the recipients.
//
// It is pure logic: no clock is read (every function takes the times it
// needs), nothing is stored. The job engine records firings and runs them.
package schedule

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// RecipientZoneMode is the Spec.TimeZone value that fires a schedule once
// per zone present among its recipients, at that zone's local time.
const RecipientZoneMode = "recipient"

// Spec is one schedule as configured. It mirrors config.Schedule field for
// field, so that this package does not depend on the config package.
type Spec struct {
	Name string
	// Report is the digest kind: rep, manager or director.
	Report     string
	Recipients Recipients
	// Cron is five fields or a descriptor such as @monthly.
	Cron string
	// TimeZone is where Cron is read: "" for the organisation's zone, an
	// IANA zone, or "recipient".
	TimeZone string
	// Period is one of Periods.
	Period string
}

// Recipients selects people from the directory; see Select.
type Recipients struct {
	Role   string
	Teams  []string
	Region string
	// List holds emails or names.
	List []string
}

// Schedule is a validated Spec bound to the organisation's zone.
// It is safe for concurrent use.
type Schedule struct {
	spec Spec
	cron Cron
	org  *time.Location
	// fixed is the zone of a schedule not in recipient mode.
	fixed *time.Location

	mu    sync.Mutex
	zones map[string]*time.Location // loaded recipient zones, nil if unknown
}

// Compile validates spec and binds it to the organisation's reporting
// zone org (which also stands in for an empty schedule zone and for a
// recipient without a known zone).
func Compile(spec Spec, org *time.Location) (*Schedule, error) {
	if org == nil {
		return nil, fmt.Errorf("schedule %q: no organisation time zone", spec.Name)
	}
	if spec.Name == "" {
		return nil, fmt.Errorf("schedule: no name")
	}
	if !validKind(spec.Report) {
		return nil, fmt.Errorf("schedule %q: report %q: expected rep, manager or director", spec.Name, spec.Report)
	}
	if r := spec.Recipients.Role; r != "" && !validKind(r) {
		return nil, fmt.Errorf("schedule %q: recipients role %q: expected rep, manager or director", spec.Name, r)
	}
	if !slices.Contains(Periods, spec.Period) {
		return nil, fmt.Errorf("schedule %q: period %q: expected one of last_week, last_month, last_quarter, last_half, last_year", spec.Name, spec.Period)
	}
	c, err := ParseCron(spec.Cron)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec.Name, err)
	}
	s := &Schedule{spec: spec, cron: c, org: org, zones: make(map[string]*time.Location)}
	switch spec.TimeZone {
	case RecipientZoneMode:
	case "":
		s.fixed = org
	default:
		loc, err := time.LoadLocation(spec.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("schedule %q: timezone: %w", spec.Name, err)
		}
		s.fixed = loc
	}
	return s, nil
}

func validKind(k string) bool { return k == "rep" || k == "manager" || k == "director" }

// Spec returns the schedule as configured.
func (s *Schedule) Spec() Spec { return s.spec }

// Name returns the schedule's name.
func (s *Schedule) Name() string { return s.spec.Name }

// Cron returns the parsed expression.
func (s *Schedule) Cron() Cron { return s.cron }

// PerRecipientZone reports whether the schedule fires once per recipient
// zone.
func (s *Schedule) PerRecipientZone() bool { return s.fixed == nil }

// RecipientZone returns the zone whose firing carries person p's digest:
// the schedule's own zone, or in recipient mode p's zone, falling back to
// the organisation's zone when p has none or an unknown one.
func (s *Schedule) RecipientZone(p crm.Person) string {
	if s.fixed != nil {
		return s.fixed.String()
	}
	return s.location(p.TimeZone).String()
}

// Zones returns the sorted distinct zones the schedule fires in for these
// recipients (normally the output of Select): one zone unless in recipient
// mode, and none in recipient mode without recipients.
func (s *Schedule) Zones(recipients []crm.Person) []string {
	if s.fixed != nil {
		return []string{s.fixed.String()}
	}
	var zones []string
	for _, p := range recipients {
		zones = append(zones, s.RecipientZone(p))
	}
	slices.Sort(zones)
	return slices.Compact(zones)
}

// In returns the expression read in the zone a firing for zone fires in:
// the schedule's own zone (zone is then ignored), or the named recipient
// zone (the organisation's when empty or unknown).
func (s *Schedule) In(zone string) Zoned {
	if s.fixed != nil {
		return s.cron.In(s.fixed)
	}
	return s.cron.In(s.location(zone))
}

// location loads a recipient zone once; "" and unknown names give the
// organisation's zone.
func (s *Schedule) location(name string) *time.Location {
	if name == "" {
		return s.org
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	loc, ok := s.zones[name]
	if !ok {
		loc, _ = time.LoadLocation(name)
		s.zones[name] = loc
	}
	if loc == nil {
		return s.org
	}
	return loc
}

// Firing is one run of a schedule in one zone.
type Firing struct {
	Schedule string
	Report   string
	// Zone is the IANA name of the zone the cron expression was read in.
	Zone string
	// At is the firing instant, in UTC.
	At time.Time
	// Period is the id of the period covered ("2026-W47", "2026-10",
	// "2026-Q3", "2026-H1", "2025"); Start and End are its first and last
	// days, both included, in the organisation's calendar.
	Period     kpi.Period
	Start, End crm.Day
}

// Key identifies a firing: schedule|zone|instant in RFC 3339 UTC. The job
// engine makes its firing jobs unique by it.
func (f Firing) Key() string {
	return f.Schedule + "|" + f.Zone + "|" + f.At.UTC().Format(time.RFC3339)
}

// Firings lists the firings with an instant in (from, to], ordered by
// instant then zone. zones are the recipient zones (from Zones); a schedule
// not in recipient mode ignores them and fires in its own zone.
func (s *Schedule) Firings(from, to time.Time, zones []string) []Firing {
	var out []Firing
	for _, zone := range s.firingZones(zones) {
		out = append(out, s.firingsIn(zone, from, to)...)
	}
	slices.SortFunc(out, func(a, b Firing) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Zone, b.Zone))
	})
	return out
}

// firingZones normalises zone names (unknown ones become the
// organisation's zone) and drops repeats.
func (s *Schedule) firingZones(zones []string) []string {
	if s.fixed != nil {
		return []string{s.fixed.String()}
	}
	var out []string
	for _, z := range zones {
		out = append(out, s.location(z).String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// firingsIn lists the firings of one zone in (from, to].
func (s *Schedule) firingsIn(zone string, from, to time.Time) []Firing {
	z := s.In(zone)
	var out []Firing
	for at := range z.Cron.after(from, z.Loc) {
		if at.After(to) {
			break
		}
		out = append(out, s.firing(z.Loc, at))
	}
	return out
}

// firing builds the Firing at instant at in loc.
//
// The period is cut in the organisation's calendar but counted back from
// the firing's local date in its own zone: a rep in Tokyo whose Monday
// 07:00 is still Sunday evening in a Paris organisation gets the week that
// ends that Sunday, the same week as a rep in Los Angeles, rather than the
// week before. The digest prints as_of, which shows any part of the last
// day not yet over in the organisation's zone.
func (s *Schedule) firing(loc *time.Location, at time.Time) Firing {
	p, _ := PeriodBefore(s.spec.Period, crm.DayOf(at.In(loc)))
	return Firing{
		Schedule: s.spec.Name, Report: s.spec.Report, Zone: loc.String(), At: at.UTC(),
		Period: p, Start: p.Start(), End: p.End(),
	}
}
