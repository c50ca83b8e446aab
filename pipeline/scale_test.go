package pipeline

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/report"
)

// kept is a transport that keeps who it sent to, passing the ledger's
// mark before the end as a server's DATA would.
type kept struct {
	mu sync.Mutex
	to []string
}

func (k *kept) Send(_ context.Context, m *delivery.Message) error {
	if m.BeforeEnd != nil {
		if err := m.BeforeEnd(); err != nil {
			return err
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.to = append(k.to, m.To.Address)
	return nil
}

// Figures that take longer to compute than a job may run fail no
// delivery: the set is computed outside the jobs, the deliveries that need
// it wait (part of their time) and are put back in the queue without an
// attempt counted, and every recipient is sent at the first attempt. On
// the code that computed the set inside the first job (and had the others
// wait for it inside theirs), the jobs ran past their timeout and their
// first attempts failed.
func TestSlowFiguresFailNoDelivery(t *testing.T) {
	cfg, err := config.Load("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Organisation.Admin = ""
	ctx := context.Background()
	tr := &kept{}
	p, err := New(cfg, Options{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	const slow = 4 * time.Second
	var computed atomic.Int32
	p.newSet = func(ds *crm.Dataset, k report.Kind, per kpi.Period, d crm.Day, o report.Options) (*report.Set, error) {
		computed.Add(1)
		time.Sleep(slow) // an organisation twenty times larger, on a loaded machine
		return report.NewSet(ds, k, per, d, o)
	}
	p.notReadyAfter = 100 * time.Millisecond
	s, err := jobs.Open(ctx, filepath.Join(t.TempDir(), "jobs.db"), jobs.Options{
		Deliverer: p, OnRunFinished: p.RunFinished,
		JobTimeout: 2 * time.Second, RescueAfter: 3 * time.Second, // both shorter than the computation
		MaxAttempts: 5, RetryBase: 50 * time.Millisecond, RetryMax: 100 * time.Millisecond,
		PollInterval: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ds, err := p.Reload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	week, err := kpi.ParsePeriod("2026-W48", time.January)
	if err != nil {
		t.Fatal(err)
	}
	send, _ := p.Recipients(ds, p.schedules["reps-weekly"])
	var keys []string
	for _, r := range send[:6] {
		keys = append(keys, r.Key())
	}
	at := p.Now()
	id, err := s.StartRun(ctx, jobs.RunSpec{Schedule: "reps-weekly", Period: week, At: at, Recipients: keys})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = s.Stop(sctx)
	}()
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	sum, err := s.WaitRun(wctx, id, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("%v (%+v)", err, sum)
	}
	if sum.Sent != len(keys) {
		t.Errorf("%d of %d sent (%d failed, %d in doubt)", sum.Sent, len(keys), sum.Failed, sum.InDoubt)
	}
	for _, r := range sum.Recipients {
		if r.Attempts != 1 || r.LastError != "" {
			t.Errorf("%s: %s after %d attempts, last error %q: want sent at the first attempt", r.Recipient, r.State, r.Attempts, r.LastError)
		}
	}
	if n := computed.Load(); n != 1 {
		t.Errorf("the set was computed %d times, want once", n)
	}
}

// The figures of a firing are let go as soon as the last delivery
// announced for them (Expect) has ended, before the run is recorded
// finished; a transient failure keeps them for its retry; figures nobody
// announced stay until their run finishes (RunFinished).
func TestFiguresLetGoAfterLastDelivery(t *testing.T) {
	cfg, err := config.Load("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ft := &flakyTransport{}
	p, err := New(cfg, Options{Transport: ft})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := p.Reload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	week, err := kpi.ParsePeriod("2026-W48", time.January)
	if err != nil {
		t.Fatal(err)
	}
	at := p.Now()
	reps, _ := p.Recipients(ds, p.schedules["reps-weekly"])
	deliver := func(schedule, who string) error {
		t.Helper()
		_, err := p.Deliver(ctx, jobs.Delivery{Schedule: schedule, Recipient: who, Period: week, At: at}, jobs.Hooks{})
		return err
	}
	p.Expect("reps-weekly", week, at, 3)
	p.Expect("reps-weekly", week, at, -1) // one of them was served already
	if err := deliver("reps-weekly", reps[0].Key()); err != nil {
		t.Fatal(err)
	}
	if got := p.heldSets(); got != 1 {
		t.Fatalf("%d sets held after one delivery of two, want 1", got)
	}
	ft.mu.Lock()
	ft.failures = 1
	ft.mu.Unlock()
	if err := deliver("reps-weekly", reps[1].Key()); err == nil {
		t.Fatal("the failing send did not fail")
	}
	if got := p.heldSets(); got != 1 {
		t.Fatalf("%d sets held after a transient failure of the last delivery, want 1 (its retry needs it)", got)
	}
	if err := deliver("reps-weekly", reps[1].Key()); err != nil {
		t.Fatal(err)
	}
	if got := p.heldSets(); got != 0 {
		t.Fatalf("%d sets held after the last announced delivery, want 0", got)
	}
	// Not announced: held until the run finishes.
	managers, _ := p.Recipients(ds, p.schedules["managers-weekly"])
	if err := deliver("managers-weekly", managers[0].Key()); err != nil {
		t.Fatal(err)
	}
	if got := p.heldSets(); got != 1 {
		t.Fatalf("%d sets held after an unannounced delivery, want 1", got)
	}
	p.RunFinished(ctx, jobs.RunSummary{ID: 2, Schedule: "managers-weekly", Period: week.Key(), Sent: 1})
	if got := p.heldSets(); got != 0 {
		t.Fatalf("%d sets held after the managers' run finished, want 0", got)
	}
}

// The firings of one instant share one reading of the sources, made at or
// after their firing time; a later firing reads again (new exports may
// have been dropped since). Before, each firing read every source again:
// a daemon catching up nine firings read them nine times.
func TestFiringsShareAReading(t *testing.T) {
	cfg, err := config.Load("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Daemon.MaxDataAge = 1000 * time.Hour
	ctx := context.Background()
	now := cfg.Organisation.Now
	clk := now
	p, err := New(cfg, Options{Transport: &kept{}, Now: func() time.Time { return clk }})
	if err != nil {
		t.Fatal(err)
	}
	week, err := kpi.ParsePeriod("2026-W48", time.January)
	if err != nil {
		t.Fatal(err)
	}
	plan := func(schedule string, at time.Time) jobs.Plan {
		t.Helper()
		pl, err := p.Plan(ctx, jobs.Firing{Schedule: schedule, At: at, Period: week})
		if err != nil {
			t.Fatal(err)
		}
		if len(pl.Recipients) == 0 {
			t.Fatalf("%s: no recipients", schedule)
		}
		return pl
	}
	plan("reps-weekly", now.Add(-time.Hour))
	plan("managers-weekly", now.Add(-time.Hour))
	plan("reps-weekly", now) // the catch-up's firings, and the one due now
	if p.readings != 1 {
		t.Fatalf("%d readings for three firings at or before the first reading, want 1", p.readings)
	}
	clk = now.Add(time.Hour)
	plan("reps-weekly", now.Add(30*time.Minute))
	if p.readings != 2 {
		t.Fatalf("%d readings after a firing later than the first reading, want 2", p.readings)
	}
}
