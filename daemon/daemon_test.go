package daemon

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/schedule"
)

// memStore is a hand-written fake of the job store's firing records.
type memStore struct {
	mu       sync.Mutex
	recorded map[string]string // key -> state
	last     map[string]time.Time
	enqueued []jobs.Firing
	fail     error
}

func newMemStore() *memStore {
	return &memStore{recorded: map[string]string{}, last: map[string]time.Time{}}
}

func key(f jobs.Firing) string {
	return f.Schedule + "|" + f.Zone + "|" + f.At.UTC().Format(time.RFC3339)
}

func (m *memStore) record(f jobs.Firing, state string) bool {
	k := key(f)
	if _, ok := m.recorded[k]; ok {
		return false
	}
	m.recorded[k] = state
	sz := f.Schedule + "|" + f.Zone
	if f.At.After(m.last[sz]) {
		m.last[sz] = f.At
	}
	return true
}

func (m *memStore) EnqueueFiring(_ context.Context, f jobs.Firing) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return false, m.fail
	}
	ok := m.record(f, jobs.FiringEnqueued)
	if ok {
		m.enqueued = append(m.enqueued, f)
	}
	return ok, nil
}

func (m *memStore) LastFiring(_ context.Context, schedule, zone string) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.last[schedule+"|"+zone]
	return t, ok, nil
}

func (m *memStore) RecordSkipped(_ context.Context, f jobs.Firing, _ string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.record(f, jobs.FiringSkipped), nil
}

func (m *memStore) Ping(context.Context) error { return nil }

func (m *memStore) firings() []jobs.Firing {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]jobs.Firing(nil), m.enqueued...)
}

var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func compile(t *testing.T, cron, zone string) *schedule.Schedule {
	t.Helper()
	s, err := schedule.Compile(schedule.Spec{Name: "reps", Report: "rep", Cron: cron, TimeZone: zone, Period: "last_week"}, paris)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, paris)
	if err != nil {
		panic(err)
	}
	return t
}

// startOnce runs a daemon whose context is already cancelled: it does its
// start-up catch-up and returns. The log goes to the returned buffer.
func startOnce(t *testing.T, st *memStore, s *schedule.Schedule, zones map[string][]string, now time.Time) string {
	t.Helper()
	return startOnceLate(t, st, s, zones, now, 6*time.Hour)
}

// startOnceLate is startOnce with a chosen max_lateness.
func startOnceLate(t *testing.T, st *memStore, s *schedule.Schedule, zones map[string][]string, now time.Time, lateness time.Duration) string {
	t.Helper()
	var buf bytes.Buffer
	d, err := New(Options{
		Schedules:   []*schedule.Schedule{s},
		Store:       st,
		Zones:       func(context.Context) (map[string][]string, error) { return zones, nil },
		MaxLateness: lateness,
		Clock:       FakeClock(now, 1),
		Logger:      slog.New(slog.NewTextHandler(&buf, nil)),
		Metrics:     NewMetrics(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !d.Loaded() {
		t.Error("daemon not loaded after its start")
	}
	return buf.String()
}

// A firing missed while no daemon ran is caught up once: the next start
// finds it recorded and enqueues nothing.
func TestCatchUpOnce(t *testing.T) {
	s := compile(t, "0 7 * * MON", "Europe/Paris")
	st := newMemStore()
	// The firing of the week before ran.
	st.EnqueueFiring(context.Background(), jobs.Firing{Schedule: "reps", Zone: "Europe/Paris", At: at("2026-11-30 07:00:00").UTC(), Period: kpi.Period{Kind: kpi.Week, Year: 2026, N: 48}})

	log := startOnce(t, st, s, nil, at("2026-12-07 09:00:00"))
	got := st.firings()
	if len(got) != 2 || !got[1].At.Equal(at("2026-12-07 07:00:00")) || got[1].Period.Key() != "2026-W49" {
		t.Fatalf("firings after the first start: %+v", got)
	}
	if !strings.Contains(log, "catching up") {
		t.Errorf("catch-up not logged:\n%s", log)
	}
	startOnce(t, st, s, nil, at("2026-12-07 09:30:00"))
	if n := len(st.firings()); n != 2 {
		t.Errorf("a restart enqueued again: %d firings, want 2", n)
	}
}

// A firing older than max_lateness is skipped and logged once; a weekly
// outage that spans several firings runs the newest only.
func TestSkipTooLate(t *testing.T) {
	s := compile(t, "0 7 * * MON", "Europe/Paris")
	st := newMemStore()
	st.EnqueueFiring(context.Background(), jobs.Firing{Schedule: "reps", Zone: "Europe/Paris", At: at("2026-11-16 07:00:00").UTC(), Period: kpi.Period{Kind: kpi.Week, Year: 2026, N: 46}})

	// Two weeks down; 7 hours after the newest firing: nothing runs.
	log := startOnce(t, st, s, nil, at("2026-12-07 14:00:00"))
	if n := len(st.firings()); n != 1 {
		t.Fatalf("%d firings, want only the one before the outage", n)
	}
	for _, want := range []string{"2026-11-23T06:00:00", "2026-11-30T06:00:00", "2026-12-07T06:00:00", "more than daemon.max_lateness"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	log = startOnce(t, st, s, nil, at("2026-12-07 14:30:00"))
	if strings.Contains(log, "skipped") {
		t.Errorf("the skipped firings were reported again after a restart:\n%s", log)
	}
}

// Without any record, only firings within max_lateness count: a fresh
// store does not send a year of digests.
func TestFreshStore(t *testing.T) {
	s := compile(t, "0 7 * * MON", "Europe/Paris")
	st := newMemStore()
	startOnce(t, st, s, nil, at("2026-12-07 12:59:00"))
	if got := st.firings(); len(got) != 1 || !got[0].At.Equal(at("2026-12-07 07:00:00")) {
		t.Fatalf("firings: %+v", got)
	}
	st2 := newMemStore()
	startOnce(t, st2, s, nil, at("2026-12-07 13:01:00"))
	if got := st2.firings(); len(got) != 0 {
		t.Fatalf("a firing 6h01 old ran on a fresh store: %+v", got)
	}
}

// max_lateness 0 turns catch-up off: a firing missed while no daemon ran
// is skipped even seconds later, but a running daemon still fires on time.
func TestCatchUpOff(t *testing.T) {
	s := compile(t, "0 7 * * MON", "Europe/Paris")
	st := newMemStore()
	st.EnqueueFiring(context.Background(), jobs.Firing{Schedule: "reps", Zone: "Europe/Paris", At: at("2026-11-30 07:00:00").UTC(), Period: kpi.Period{Kind: kpi.Week, Year: 2026, N: 48}})
	log := startOnceLate(t, st, s, nil, at("2026-12-07 07:00:30"), 0)
	if n := len(st.firings()); n != 1 {
		t.Fatalf("%d firings, want only the one recorded before: catch-up is off", n)
	}
	for _, want := range []string{"2026-12-07T06:00:00", "catch-up is off (daemon.max_lateness 0)"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}

	if testing.Short() {
		return
	}
	every := compile(t, "* * * * *", "Europe/Paris")
	st = newMemStore()
	d, err := New(Options{
		Schedules: []*schedule.Schedule{every},
		Store:     st,
		Zones:     func(context.Context) (map[string][]string, error) { return nil, nil },
		Clock:     FakeClock(at("2026-11-30 06:59:30"), 60),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	d.Run(ctx)
	got := st.firings()
	// No catch-up of 06:59 (30 s before the start); 07:00 and 07:01 run
	// on time (two fake minutes in 2.5 real seconds).
	if len(got) < 2 {
		t.Fatalf("%d firings, want at least 07:00 and 07:01: %v", len(got), got)
	}
	for i, f := range got {
		if want := at("2026-11-30 07:00:00").Add(time.Duration(i) * time.Minute); !f.At.Equal(want) {
			t.Errorf("firing %d at %s, want %s", i, f.At, want)
		}
	}
}

// The loop fires each minute of an every-minute schedule once, in each
// recipient zone, on a clock running sixty times faster than real time.
func TestLoopFiresEachZone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sped-up clock for a few seconds")
	}
	s := compile(t, "* * * * *", "recipient")
	st := newMemStore()
	start := at("2026-11-30 06:59:30")
	d, err := New(Options{
		Schedules: []*schedule.Schedule{s},
		Store:     st,
		Zones: func(context.Context) (map[string][]string, error) {
			return map[string][]string{"reps": {"Europe/Paris", "America/New_York"}}, nil
		},
		MaxLateness: time.Hour,
		Clock:       FakeClock(start, 60),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	d.Run(ctx)
	got := st.firings()
	// Start-up catch-up: the 06:59 firing in each zone (30 s old), then
	// 07:00 and 07:01 (two fake minutes in 2.5 real seconds).
	per := map[string][]time.Time{}
	for _, f := range got {
		per[f.Zone] = append(per[f.Zone], f.At)
	}
	for _, zone := range []string{"Europe/Paris", "America/New_York"} {
		ats := per[zone]
		if len(ats) < 3 {
			t.Errorf("%s: %d firings, want at least 3: %v", zone, len(ats), ats)
			continue
		}
		for i, a := range ats {
			if want := at("2026-11-30 06:59:00").Add(time.Duration(i) * time.Minute); !a.Equal(want) {
				t.Errorf("%s: firing %d at %s, want %s", zone, i, a, want)
			}
		}
	}
	if n := d.Next(); n.At.Before(start) {
		t.Errorf("next firing %v is in the past", n)
	}
}

// A store that refuses a firing is retried until it takes it; the firing
// is not lost.
func TestStoreDownRetried(t *testing.T) {
	s := compile(t, "0 7 * * MON", "Europe/Paris")
	st := newMemStore()
	st.fail = errors.New("connection refused")
	d, err := New(Options{
		Schedules:   []*schedule.Schedule{s},
		Store:       st,
		Zones:       func(context.Context) (map[string][]string, error) { return nil, nil },
		MaxLateness: 6 * time.Hour,
		Clock:       FakeClock(at("2026-11-30 07:00:10"), 1),
		Retry:       50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	go func() {
		time.Sleep(150 * time.Millisecond)
		st.mu.Lock()
		st.fail = nil
		st.mu.Unlock()
	}()
	d.Run(ctx)
	if got := st.firings(); len(got) != 1 || !got[0].At.Equal(at("2026-11-30 07:00:00")) {
		t.Fatalf("firings: %+v", got)
	}
}

func TestDeliveryOutcome(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		d    jobs.Delivery
		err  error
		want string
	}{
		{jobs.Delivery{}, nil, OutcomeSent},
		{jobs.Delivery{DryRun: true}, nil, OutcomePreview},
		{jobs.Delivery{RedirectTo: "a@b.c"}, nil, OutcomePreview},
		{jobs.Delivery{}, jobs.Permanent(boom), OutcomeFailed},
		{jobs.Delivery{}, jobs.Transient(boom), OutcomeRetry},
		{jobs.Delivery{}, jobs.InDoubt(boom), OutcomeInDoubt},
		{jobs.Delivery{}, boom, OutcomeRetry},
	}
	for _, c := range cases {
		if got := deliveryOutcome(c.d, c.err); got != c.want {
			t.Errorf("deliveryOutcome(%+v, %v) = %s, want %s", c.d, c.err, got, c.want)
		}
	}
}

func TestClockFromEnv(t *testing.T) {
	env := map[string]string{EnvFakeNow: "2026-11-30T06:59:00+01:00", EnvFakeSpeed: "120"}
	c, err := ClockFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	got := c.Now().Sub(at("2026-11-30 06:59:00"))
	// 50 ms at 120x is 6 s; allow for a slow scheduler.
	if got < 6*time.Second || got > time.Minute {
		t.Errorf("fake clock advanced %s after 50ms at 120x", got)
	}
	env[EnvFakeSpeed] = "-1"
	if _, err := ClockFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Error("a negative speed was accepted")
	}
	c, err = ClockFromEnv(func(string) string { return "" })
	if err != nil || c.Fake() {
		t.Errorf("no environment: fake=%v err=%v", c.Fake(), err)
	}
}
