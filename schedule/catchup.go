package schedule

import "time"

// MaxSkippedListed caps the skipped firings Missed returns after a long
// outage of a frequent schedule (a year of an every-minute schedule is half
// a million firings): only the newest ones are listed.
const MaxSkippedListed = 1000

// Missed plans the catch-up of one (schedule, zone) when the daemon starts
// or becomes leader at now. zone is a name from Zones (ignored by a
// schedule with its own zone; an unknown name is the organisation's zone).
//
// lastRecorded is the instant of the newest firing recorded for this
// schedule and zone, or the zero time when there is none. The firings
// considered are those in (lastRecorded, now]; with no record, those in
// (now-maxLateness, now], since nothing says older ones were ever due (a
// new schedule, a new zone, a fresh store).
//
// Of those, run holds at most one: the newest, when it is younger than
// maxLateness (now - At < maxLateness). Every other one is skipped, either
// because it is older than maxLateness or because a newer firing
// supersedes it: running each missed weekly digest of a long outage would
// only send the same people stale copies. skipped is ordered by instant
// and holds at most MaxSkippedListed firings, the newest.
func (s *Schedule) Missed(zone string, lastRecorded, now time.Time, maxLateness time.Duration) (run, skipped []Firing) {
	from := lastRecorded
	if from.IsZero() {
		from = now.Add(-maxLateness)
	}
	if !now.After(from) {
		return nil, nil
	}
	z := s.In(zone)
	// Keep instants only, trimmed as they come, so that a long outage of a
	// frequent schedule costs little memory; the newest is the last.
	var ats []time.Time
	for at := range z.Cron.after(from, z.Loc) {
		if at.After(now) {
			break
		}
		ats = append(ats, at)
		if len(ats) > 2*MaxSkippedListed+1 {
			ats = append(ats[:0], ats[len(ats)-MaxSkippedListed-1:]...)
		}
	}
	if len(ats) == 0 {
		return nil, nil
	}
	newest := ats[len(ats)-1]
	if now.Sub(newest) < maxLateness {
		run = []Firing{s.firing(z.Loc, newest)}
		ats = ats[:len(ats)-1]
	}
	if len(ats) > MaxSkippedListed {
		ats = ats[len(ats)-MaxSkippedListed:]
	}
	for _, at := range ats {
		skipped = append(skipped, s.firing(z.Loc, at))
	}
	return run, skipped
}
