package jobs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakePlanner struct {
	calls atomic.Int32
	plan  Plan
	err   error
}

func (p *fakePlanner) Plan(context.Context, Firing) (Plan, error) {
	p.calls.Add(1)
	return p.plan, p.err
}

func waitFiring(t *testing.T, s *Store, f Firing) FiringRecord {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		fs, err := s.Firings(context.Background(), f.Schedule, f.Zone, f.At)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) == 1 && fs[0].State != FiringEnqueued {
			return fs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("firing not fanned out: %+v", fs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFiringOnceAcrossNodes(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		rs := recipients(5)
		pl := &fakePlanner{plan: Plan{Recipients: rs, DataFiles: []string{"export-2026-11-23.csv"}}}
		f := newFake(nil)
		o := testOptions(bc, f)
		o.Planner = pl
		a := openStore(t, bc, o)
		b := openStore(t, bc, o) // a second node on the same store
		fir := Firing{Schedule: "reps", Zone: "America/Los_Angeles", At: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), Period: period("2026-W47")}

		ok1, err := a.EnqueueFiring(ctx, fir)
		if err != nil {
			t.Fatal(err)
		}
		ok2, err := b.EnqueueFiring(ctx, fir)
		if err != nil {
			t.Fatal(err)
		}
		// The same instant in another zone's clock is the same firing.
		ny, _ := time.LoadLocation("America/New_York")
		same := fir
		same.At = fir.At.In(ny)
		ok3, err := a.EnqueueFiring(ctx, same)
		if err != nil {
			t.Fatal(err)
		}
		if !ok1 || ok2 || ok3 {
			t.Fatalf("enqueue results %v %v %v, want true false false", ok1, ok2, ok3)
		}
		startStore(t, a)
		startStore(t, b)
		rec := waitFiring(t, a, fir)
		if rec.State != FiringFannedOut || rec.RunID == 0 {
			t.Fatalf("firing record %+v", rec)
		}
		sum := waitRun(t, a, rec.RunID)
		if sum.Sent != len(rs) || sum.Zone != fir.Zone || !sum.At.Equal(fir.At) || len(sum.DataFiles) != 1 {
			t.Fatalf("run %+v", sum)
		}
		if n := pl.calls.Load(); n != 1 {
			t.Errorf("planner called %d times", n)
		}
		for _, r := range rs {
			if n := f.count(f.delivered, r); n != 1 {
				t.Errorf("%s delivered %d times", r, n)
			}
		}
		last, ok, err := b.LastFiring(ctx, fir.Schedule, fir.Zone)
		if err != nil || !ok || !last.Equal(fir.At) {
			t.Errorf("last firing %v %v %v", last, ok, err)
		}
		// A restart's catch-up enqueues the firing again: nothing happens.
		again, err := b.EnqueueFiring(ctx, fir)
		if err != nil || again {
			t.Errorf("catch-up re-enqueue: %v %v", again, err)
		}
	})
}

func TestFiringPlanFailureIsReported(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		pl := &fakePlanner{err: errors.New("newest export is 9 days old, max_data_age is 3 days")}
		o := testOptions(bc, newFake(nil))
		o.Planner = pl
		var mu sync.Mutex
		var got []RunSummary
		o.OnRunFinished = func(_ context.Context, s RunSummary) {
			mu.Lock()
			got = append(got, s)
			mu.Unlock()
		}
		s := openStore(t, bc, o)
		startStore(t, s)
		fir := Firing{Schedule: "directors", At: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), Period: period("2026-11")}
		if _, err := s.EnqueueFiring(ctx, fir); err != nil {
			t.Fatal(err)
		}
		rec := waitFiring(t, s, fir)
		if rec.State != FiringFailed || rec.Error != pl.err.Error() {
			t.Fatalf("firing %+v", rec)
		}
		sum := waitRun(t, s, rec.RunID)
		if sum.Error != pl.err.Error() || !sum.NeedsAttention() {
			t.Errorf("run %+v", sum)
		}
		if n := pl.calls.Load(); n != 1 {
			t.Errorf("a permanent planner error was tried %d times", n)
		}
		// The hook runs after the commit that finished the run.
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0].ID != rec.RunID {
			t.Errorf("OnRunFinished %+v", got)
		}
	})
}
