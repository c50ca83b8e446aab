package jobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/kpi"
)

func TestOnceOnlyAndRerun(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(nil)
		s := openStore(t, bc, testOptions(bc, f))
		startStore(t, s)
		rs := recipients(6)
		spec := RunSpec{Schedule: "reps", Period: period("2026-W47"), Recipients: append(rs, rs[0]), DataFiles: []string{"deals.csv", "people.csv"}}

		id, err := s.StartRun(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		sum := waitRun(t, s, id)
		if sum.Sent != len(rs) || sum.Failed+sum.Skipped+sum.Pending+sum.InDoubt != 0 {
			t.Fatalf("first run: %+v", sum)
		}
		if strings.Join(sum.DataFiles, ",") != "deals.csv,people.csv" {
			t.Errorf("data files %q", sum.DataFiles)
		}
		for _, r := range rs {
			if n := f.count(f.delivered, r); n != 1 {
				t.Errorf("%s delivered %d times, want 1", r, n)
			}
			e, ok, err := s.Ledger(ctx, "reps", r, "2026-W47")
			if err != nil || !ok || e.State != StateSent || e.MessageID == "" || e.Sent.IsZero() {
				t.Errorf("ledger %s: %+v %v %v", r, e, ok, err)
			}
		}

		// The same period again: nothing new.
		id2, err := s.StartRun(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		sum2 := waitRun(t, s, id2)
		if sum2.Skipped != len(rs) || sum2.Sent != 0 {
			t.Fatalf("re-run: %+v", sum2)
		}
		// Another period is another digest.
		id3, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W48"), Recipients: rs[:2]})
		if err != nil {
			t.Fatal(err)
		}
		if sum3 := waitRun(t, s, id3); sum3.Sent != 2 {
			t.Fatalf("next period: %+v", sum3)
		}
		for _, r := range rs[2:] {
			if n := f.count(f.calls, r); n != 1 {
				t.Errorf("%s: %d calls to the deliverer, want 1", r, n)
			}
		}
	})
}

func TestForceResendIsRecorded(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(nil)
		s := openStore(t, bc, testOptions(bc, f))
		startStore(t, s)
		rs := recipients(3)
		spec := RunSpec{Schedule: "managers", Period: period("2026-11"), Recipients: rs}
		id, err := s.StartRun(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		waitRun(t, s, id)
		first, _, _ := s.Ledger(ctx, "managers", rs[0], "2026-11")

		spec.Force = true
		id2, err := s.StartRun(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		sum := waitRun(t, s, id2)
		if sum.Sent != len(rs) || !sum.Force {
			t.Fatalf("forced run: %+v", sum)
		}
		for _, r := range rs {
			if n := f.count(f.delivered, r); n != 2 {
				t.Errorf("%s delivered %d times, want 2", r, n)
			}
			e, _, _ := s.Ledger(ctx, "managers", r, "2026-11")
			if e.Resends != 1 || !e.Forced || e.RunID != id2 || e.State != StateSent {
				t.Errorf("ledger after force: %+v", e)
			}
		}
		second, _, _ := s.Ledger(ctx, "managers", rs[0], "2026-11")
		if second.MessageID == first.MessageID {
			t.Errorf("forced resend kept Message-ID %s", first.MessageID)
		}
		var forced int
		for _, d := range f.deliveries {
			if d.Forced {
				forced++
				if d.Resend != 1 {
					t.Errorf("forced delivery with Resend %d", d.Resend)
				}
			}
		}
		if forced != len(rs) {
			t.Errorf("%d deliveries marked forced, want %d", forced, len(rs))
		}
	})
}

func TestTransientRetriedWithBackoff(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		const failures = 2
		f := newFake(func(d Delivery, call int) error {
			if call <= failures {
				return Transient(errors.New("421 4.7.0 try again later"))
			}
			return nil
		})
		o := testOptions(bc, f)
		s := openStore(t, bc, o)
		startStore(t, s)
		id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W01"), Recipients: []string{"a@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		sum := waitRun(t, s, id)
		if sum.Sent != 1 || sum.Recipients[0].Attempts != failures+1 {
			t.Fatalf("summary %+v", sum)
		}
		if f.count(f.delivered, "a@example.com") != 1 {
			t.Errorf("delivered %d times", f.count(f.delivered, "a@example.com"))
		}
		// Each retry waited at least half its exponential step.
		f.mu.Lock()
		ts := f.times["a@example.com"]
		f.mu.Unlock()
		for i := 1; i < len(ts); i++ {
			step := o.RetryBase << (i - 1)
			if gap := ts[i].Sub(ts[i-1]); gap < step/2 {
				t.Errorf("retry %d after %s, want at least %s", i, gap, step/2)
			}
		}
		e, _, _ := s.Ledger(ctx, "reps", "a@example.com", "2026-W01")
		if e.Attempts != failures+1 || e.State != StateSent || e.LastError != "" {
			t.Errorf("ledger %+v", e)
		}
	})
}

func TestTransientExhaustedFails(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(func(Delivery, int) error { return Transient(errors.New("dial tcp: connection refused")) })
		o := testOptions(bc, f)
		o.MaxAttempts = 3
		s := openStore(t, bc, o)
		startStore(t, s)
		id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W01"), Recipients: []string{"a@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		sum := waitRun(t, s, id)
		if sum.Failed != 1 || f.count(f.calls, "a@example.com") != o.MaxAttempts {
			t.Fatalf("summary %+v, calls %d", sum, f.count(f.calls, "a@example.com"))
		}
	})
}

func TestPermanentRecordedNotRetried(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		const reply = "550 5.1.1 <bad@example.com>: Recipient address rejected"
		f := newFake(func(d Delivery, _ int) error {
			if d.Recipient == "bad@example.com" {
				return Permanent(errors.New(reply))
			}
			return nil
		})
		o := testOptions(bc, f)
		var mu sync.Mutex
		var finished []RunSummary
		o.OnRunFinished = func(_ context.Context, s RunSummary) {
			mu.Lock()
			finished = append(finished, s)
			mu.Unlock()
		}
		s := openStore(t, bc, o)
		startStore(t, s)
		id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W01"), Recipients: []string{"bad@example.com", "good@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		sum := waitRun(t, s, id)
		if sum.Failed != 1 || sum.Sent != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if n := f.count(f.calls, "bad@example.com"); n != 1 {
			t.Errorf("permanent failure tried %d times", n)
		}
		e, _, _ := s.Ledger(ctx, "reps", "bad@example.com", "2026-W01")
		if e.State != StateFailed || e.LastError != reply {
			t.Errorf("ledger %+v", e)
		}
		// Wait for the hook, which runs after the run is marked finished.
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			n := len(finished)
			mu.Unlock()
			if n > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(finished) != 1 || finished[0].ID != id || !finished[0].NeedsAttention() || finished[0].Failed != 1 {
			t.Errorf("OnRunFinished got %+v", finished)
		}
	})
}

func TestInDoubtReplyPolicies(t *testing.T) {
	for _, policy := range []InDoubtPolicy{InDoubtHold, InDoubtResend} {
		t.Run(string(policy), func(t *testing.T) {
			eachBackend(t, func(t *testing.T, bc backendCase) {
				ctx := context.Background()
				// The connection drops after DATA on the first call.
				f := newFake(func(d Delivery, call int) error {
					if call == 1 {
						return InDoubt(errors.New("read tcp: connection reset by peer"))
					}
					return nil
				})
				o := testOptions(bc, f)
				o.InDoubt = policy
				s := openStore(t, bc, o)
				startStore(t, s)
				id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W01"), Recipients: []string{"a@example.com"}})
				if err != nil {
					t.Fatal(err)
				}
				sum := waitRun(t, s, id)
				e, _, _ := s.Ledger(ctx, "reps", "a@example.com", "2026-W01")
				rep, err := s.Status(ctx, 5)
				if err != nil {
					t.Fatal(err)
				}
				listed := len(rep.Attention) == 1 && rep.Attention[0].Recipient == "a@example.com"
				switch policy {
				case InDoubtHold:
					if sum.InDoubt != 1 || f.count(f.calls, "a@example.com") != 1 || e.State != StateInDoubt {
						t.Errorf("hold: summary %+v, ledger %+v", sum, e)
					}
				case InDoubtResend:
					if sum.Sent != 1 || f.count(f.delivered, "a@example.com") != 2 || e.State != StateSent || e.Doubts != 1 {
						t.Errorf("resend: summary %+v, ledger %+v", sum, e)
					}
				}
				if !listed {
					t.Errorf("status does not list the in-doubt message: %+v", rep.Attention)
				}
			})
		})
	}
}

func TestPreviewLeavesLedgerAlone(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(nil)
		s := openStore(t, bc, testOptions(bc, f))
		startStore(t, s)
		rs := recipients(3)
		for _, spec := range []RunSpec{
			{Schedule: "reps", Period: period("2026-W01"), Recipients: rs, DryRun: true},
			{Schedule: "reps", Period: period("2026-W01"), Recipients: rs, RedirectTo: "admin@example.com"},
		} {
			id, err := s.StartRun(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			if sum := waitRun(t, s, id); sum.Preview != len(rs) || sum.Sent != 0 {
				t.Fatalf("preview run: %+v", sum)
			}
		}
		if _, ok, _ := s.Ledger(ctx, "reps", rs[0], "2026-W01"); ok {
			t.Error("a preview wrote the ledger")
		}
		id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W01"), Recipients: rs})
		if err != nil {
			t.Fatal(err)
		}
		if sum := waitRun(t, s, id); sum.Sent != len(rs) {
			t.Fatalf("real run after previews: %+v", sum)
		}
	})
}

// Two runs of the same period at once, with slow sends: the ledger's claim
// lets one message through per person.
func TestConcurrentRunsSendOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(nil)
		f.slow = 30 * time.Millisecond
		s := openStore(t, bc, testOptions(bc, f))
		rs := recipients(8)
		spec := RunSpec{Schedule: "reps", Period: period("2026-W01"), Recipients: rs}
		id1, err := s.StartRun(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		id2, err := s.StartRun(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		startStore(t, s)
		a, b := waitRun(t, s, id1), waitRun(t, s, id2)
		if a.Sent+b.Sent != len(rs) || a.Skipped+b.Skipped != len(rs) {
			t.Errorf("runs: %+v / %+v", a, b)
		}
		for _, r := range rs {
			if n := f.count(f.delivered, r); n != 1 {
				t.Errorf("%s delivered %d times", r, n)
			}
		}
	})
}

func TestStatusReport(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(func(d Delivery, _ int) error {
			if d.Recipient == "bad@example.com" {
				return Permanent(errors.New("550 no such user"))
			}
			return nil
		})
		s := openStore(t, bc, testOptions(bc, f))
		startStore(t, s)
		var ids []int64
		for _, p := range []kpi.Period{period("2026-W01"), period("2026-W02"), period("2026-W03")} {
			id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: p, Recipients: []string{"a@example.com", "bad@example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			waitRun(t, s, id)
			ids = append(ids, id)
		}
		rep, err := s.Status(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Runs) != 2 || rep.Runs[0].ID != ids[2] || rep.Runs[1].ID != ids[1] {
			t.Fatalf("runs %+v", rep.Runs)
		}
		for _, r := range rep.Runs {
			if r.Sent != 1 || r.Failed != 1 || !r.Done() || !r.NeedsAttention() {
				t.Errorf("run %+v", r)
			}
		}
		if len(rep.Attention) != 3 {
			t.Fatalf("attention %+v", rep.Attention)
		}
		for _, e := range rep.Attention {
			if e.Recipient != "bad@example.com" || e.State != StateFailed || e.LastError != "550 no such user" {
				t.Errorf("attention entry %+v", e)
			}
		}
	})
}

func TestSQLiteFileIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "jobs.db")
	s, err := Open(context.Background(), "sqlite://"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
	}
}

func TestOpenPostgresUnreachableFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there.
	_, err := Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", Options{})
	if err == nil {
		t.Fatal("open of an unreachable PostgreSQL succeeded")
	}
}

func TestBackoffDelays(t *testing.T) {
	b := &backoff{base: time.Second, max: 16 * time.Second, now: time.Now}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second, 9: 16 * time.Second} {
		for range 50 {
			d := b.delay(attempt)
			if d < want/2 || d > want {
				t.Fatalf("attempt %d: delay %s outside [%s, %s]", attempt, d, want/2, want)
			}
		}
	}
}

func TestClassify(t *testing.T) {
	base := errors.New("x")
	for _, tc := range []struct {
		err  error
		want class
	}{
		{base, classTransient},
		{Transient(base), classTransient},
		{Permanent(base), classPermanent},
		{InDoubt(base), classInDoubt},
		{errors.Join(errors.New("wrapped"), Permanent(base)), classPermanent},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// Stop waits for deliveries in flight until its deadline, then cancels
// them; a cancelled one is retried by the next start and sent once.
func TestStopWithDeadline(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(nil)
		f.slow = 30 * time.Second
		o := testOptions(bc, f)
		o.JobTimeout = time.Minute
		o.RescueAfter = 2 * time.Minute
		s, err := Open(ctx, bc.url, o)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W01"), Recipients: []string{"a@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		for f.count(f.calls, "a@example.com") == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		start := time.Now()
		err = s.Stop(sctx)
		cancel()
		if err != nil {
			t.Fatalf("stop: %v", err)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("stop took %s with a 200ms deadline", took)
		}
		_ = s.Close()
		if n := f.count(f.delivered, "a@example.com"); n != 0 {
			t.Fatalf("delivered %d before the restart", n)
		}

		f.slow = 0
		s2 := openStore(t, bc, o)
		startStore(t, s2)
		if sum := waitRun(t, s2, id); sum.Sent != 1 {
			t.Fatalf("after restart: %+v", sum)
		}
		if n := f.count(f.delivered, "a@example.com"); n != 1 {
			t.Errorf("delivered %d times", n)
		}
	})
}
