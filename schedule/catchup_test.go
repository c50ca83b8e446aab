package schedule

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func walls(fs []Firing) []string {
	var out []string
	for _, f := range fs {
		loc, _ := time.LoadLocation(f.Zone)
		out = append(out, f.At.In(loc).Format(wallLayout))
	}
	return out
}

func TestMissed(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	weekly := Spec{Name: "w", Report: "rep", Cron: "0 7 * * MON", Period: LastWeek}
	nightly := Spec{Name: "n", Report: "rep", Cron: "30 2 * * *", Period: LastWeek}
	// at reads a wall time in Paris; one with an offset picks which of two
	// repeated wall times is meant.
	at := func(s string) time.Time {
		if v, err := time.Parse(wallLayout, s); err == nil {
			return v
		}
		return local(t, paris, s)
	}
	const lateness = 6 * time.Hour
	for _, tc := range []struct {
		name         string
		spec         Spec
		last, now    string // last "" means no record
		lateness     time.Duration
		run, skipped []string
	}{
		{"caught up", weekly, "2026-11-16T07:00", "2026-11-23T09:00", lateness,
			[]string{"2026-11-23T07:00+01:00"}, nil},
		{"on time", weekly, "2026-11-16T07:00", "2026-11-23T07:00", lateness,
			[]string{"2026-11-23T07:00+01:00"}, nil},
		{"too late", weekly, "2026-11-16T07:00", "2026-11-23T14:00", lateness,
			nil, []string{"2026-11-23T07:00+01:00"}},
		{"exactly max_lateness is too late", weekly, "2026-11-16T07:00", "2026-11-23T13:00", lateness,
			nil, []string{"2026-11-23T07:00+01:00"}},
		{"long outage runs the newest only", weekly, "2026-11-02T07:00", "2026-11-23T08:00", lateness,
			[]string{"2026-11-23T07:00+01:00"}, []string{"2026-11-09T07:00+01:00", "2026-11-16T07:00+01:00"}},
		{"long outage, newest too late", weekly, "2026-11-02T07:00", "2026-11-23T20:00", lateness,
			nil, []string{"2026-11-09T07:00+01:00", "2026-11-16T07:00+01:00", "2026-11-23T07:00+01:00"}},
		{"already ran", weekly, "2026-11-23T07:00", "2026-11-23T09:00", lateness, nil, nil},
		{"nothing due yet", weekly, "2026-11-16T07:00", "2026-11-23T06:59", lateness, nil, nil},
		{"no record, within max_lateness", weekly, "", "2026-11-23T09:00", lateness,
			[]string{"2026-11-23T07:00+01:00"}, nil},
		{"no record, older than max_lateness", weekly, "", "2026-11-23T14:00", lateness, nil, nil},
		{"zero max_lateness", weekly, "2026-11-16T07:00", "2026-11-23T09:00", 0,
			nil, []string{"2026-11-23T07:00+01:00"}},
		{"spring night", nightly, "2026-03-28T02:30", "2026-03-29T03:10", lateness,
			[]string{"2026-03-29T03:00+02:00"}, nil},
		// 02:45 the second time round: 02:30 has come again but must not
		// fire again.
		{"autumn night, first 02:30 already ran", nightly, "2026-10-25T02:30+02:00", "2026-10-25T02:45+01:00", lateness, nil, nil},
		{"autumn night, down over both 02:30s", nightly, "2026-10-24T02:30", "2026-10-25T02:45+01:00", lateness,
			[]string{"2026-10-25T02:30+02:00"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustCompile(t, tc.spec, paris)
			var last time.Time
			if tc.last != "" {
				last = at(tc.last)
			}
			now := at(tc.now)
			run, skipped := s.Missed("", last, now, tc.lateness)
			if g := walls(run); !slices.Equal(g, tc.run) {
				t.Errorf("run = %q, want %q", g, tc.run)
			}
			if g := walls(skipped); !slices.Equal(g, tc.skipped) {
				t.Errorf("skipped = %q, want %q", g, tc.skipped)
			}
		})
	}
}

func TestMissedRecipientZoneAndCap(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	s := mustCompile(t, repsWeekly, paris)
	ny := mustLoad(t, "America/New_York")
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, ny)
	run, _ := s.Missed("America/New_York", now.Add(-7*24*time.Hour), now, 6*time.Hour)
	if len(run) != 1 || run[0].Zone != "America/New_York" || !run[0].At.Equal(time.Date(2026, 11, 23, 7, 0, 0, 0, ny)) || run[0].Period.ID() != "2026-W47" {
		t.Errorf("run = %+v", run)
	}

	// Two days of an every-minute schedule: the newest runs, the skipped
	// list is capped and keeps the newest.
	every := mustCompile(t, Spec{Name: "m", Report: "rep", Cron: "* * * * *", Period: LastWeek}, paris)
	now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	run, skipped := every.Missed("", now.Add(-48*time.Hour), now, time.Hour)
	if len(run) != 1 || !run[0].At.Equal(now) {
		t.Errorf("run = %+v, want the firing at now", run)
	}
	if len(skipped) != MaxSkippedListed {
		t.Fatalf("%d skipped listed, want %d", len(skipped), MaxSkippedListed)
	}
	if first, last := skipped[0].At, skipped[len(skipped)-1].At; !last.Equal(now.Add(-time.Minute)) || !first.Equal(now.Add(-MaxSkippedListed*time.Minute)) {
		t.Errorf("skipped from %s to %s", first, last)
	}
}

// TestMissedNeverTwice simulates a daemon that is up and down at random
// for a year: while up it records each firing as it comes, on each start
// it records what Missed says to run. No firing may be recorded twice, and
// a caught-up firing is younger than max_lateness.
func TestMissedNeverTwice(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	s := mustCompile(t, Spec{Name: "d", Report: "rep", Cron: "30 2 * * *", Period: LastWeek}, paris)
	r := rand.New(rand.NewPCG(3, 4))
	const lateness = 6 * time.Hour
	recorded := map[string]bool{}
	var last time.Time
	record := func(f Firing) {
		if recorded[f.Key()] {
			t.Fatalf("%s recorded twice", f.Key())
		}
		recorded[f.Key()] = true
		last = f.At
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	caught := 0
	for now.Before(end) {
		// Start: catch up.
		run, _ := s.Missed("", last, now, lateness)
		for _, f := range run {
			if now.Sub(f.At) >= lateness {
				t.Fatalf("caught up %s at %s, older than max_lateness", f.Key(), now)
			}
			record(f)
			caught++
		}
		// Up for a while: every firing on time.
		up := now.Add(time.Duration(r.IntN(5*24*60)) * time.Minute)
		for _, f := range s.Firings(now, up, nil) {
			record(f)
		}
		// Down for a while.
		now = up.Add(time.Duration(r.IntN(3*24*60)) * time.Minute)
	}
	if caught == 0 || len(recorded) < 200 {
		t.Errorf("weak simulation: %d caught up, %d recorded", caught, len(recorded))
	}
}
