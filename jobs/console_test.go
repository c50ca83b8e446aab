package jobs

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestConsolePauses: a paused person and a paused schedule are skipped by
// a run (the pause lives in the store, so every node sees it), a resumed
// one is sent, and both actions are in the audit log with who did them.
func TestConsolePauses(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(nil)
		s := openStore(t, bc, testOptions(bc, f))
		startStore(t, s)
		if err := s.SetPause(ctx, PausePerson, "B@Example.com", "alice", true); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPause(ctx, PauseSchedule, "directors", "alice", true); err != nil {
			t.Fatal(err)
		}
		id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W48"), Recipients: []string{"a@example.com", "b@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		sum := waitRun(t, s, id)
		if sum.Sent != 1 || sum.Skipped != 1 || f.count(f.calls, "b@example.com") != 0 {
			t.Fatalf("paused person: %+v, calls %v", sum, f.calls)
		}
		run, _ := s.Run(ctx, id)
		if got := run.Recipients[1]; got.State != StateSkipped || got.LastError != "person paused by alice" {
			t.Errorf("paused recipient: %+v", got)
		}
		id, _ = s.StartRun(ctx, RunSpec{Schedule: "directors", Period: period("2026-W48"), Recipients: []string{"a@example.com"}})
		if sum := waitRun(t, s, id); sum.Skipped != 1 || sum.Sent != 0 {
			t.Errorf("paused schedule: %+v", sum)
		}
		if err := s.SetPause(ctx, PausePerson, "B@Example.com", "bob", false); err != nil {
			t.Fatal(err)
		}
		ps, _ := s.Pauses(ctx)
		if len(ps) != 1 || ps[0].Name != "directors" || ps[0].Who != "alice" {
			t.Errorf("pauses: %+v", ps)
		}
		id, _ = s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W48"), Recipients: []string{"b@example.com"}})
		if sum := waitRun(t, s, id); sum.Sent != 1 {
			t.Errorf("resumed person: %+v", sum)
		}
		acts, err := s.Actions(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 3 || acts[0].Action != "resume" || acts[0].Who != "bob" || acts[2].Action != "pause" || acts[2].Who != "alice" {
			t.Errorf("audit log: %+v", acts)
		}
	})
}

// TestConsoleResolveInDoubt: an in-doubt delivery marked delivered is sent
// in the ledger and the run, and a later run skips it; a resend is a
// forced one-person run that delivers again; both are audited on the run.
func TestConsoleResolveInDoubt(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(func(d Delivery, call int) error {
			if call == 1 {
				return InDoubt(errors.New("read tcp: connection reset by peer"))
			}
			return nil
		})
		s := openStore(t, bc, testOptions(bc, f))
		startStore(t, s)
		id, _ := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W48"), Recipients: []string{"a@example.com", "b@example.com"}})
		if sum := waitRun(t, s, id); sum.InDoubt != 2 {
			t.Fatalf("want two in doubt: %+v", sum)
		}
		if err := s.MarkDelivered(ctx, "reps", "a@example.com", "2026-W48", "alice", id); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDelivered(ctx, "reps", "a@example.com", "2026-W48", "alice", id); !errors.Is(err, ErrNotInDoubt) {
			t.Errorf("second mark: %v, want ErrNotInDoubt", err)
		}
		e, _, _ := s.Ledger(ctx, "reps", "a@example.com", "2026-W48")
		if e.State != StateSent || e.Sent.IsZero() || e.LastError != "marked delivered by alice" {
			t.Errorf("ledger after mark: %+v", e)
		}
		run, _ := s.Run(ctx, id)
		if run.Sent != 1 || run.InDoubt != 1 {
			t.Errorf("run after mark: %+v", run)
		}
		nid, err := s.Resend(ctx, ResendSpec{Schedule: "reps", Recipient: "b@example.com", Period: period("2026-W48"), Who: "bob", Action: "resolve-resend", FromRun: id})
		if err != nil {
			t.Fatal(err)
		}
		if sum := waitRun(t, s, nid); sum.Sent != 1 || !sum.Force {
			t.Errorf("resend run: %+v", sum)
		}
		if n := f.count(f.calls, "b@example.com"); n != 2 {
			t.Errorf("b delivered %d times, want 2", n)
		}
		e, _, _ = s.Ledger(ctx, "reps", "b@example.com", "2026-W48")
		if e.State != StateSent || e.Resends != 1 {
			t.Errorf("ledger after resend: %+v", e)
		}
		acts, _ := s.Actions(ctx, id, 10)
		if len(acts) != 2 || acts[0].Action != "resolve-resend" || acts[0].NewRun != nid || acts[1].Action != "mark-delivered" {
			t.Errorf("run's audit log: %+v", acts)
		}
	})
}

// TestConsoleSessions: a session is found by its token until it expires or
// is deleted; login failures are counted per address inside the window.
func TestConsoleSessions(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		o := testOptions(bc, newFake(nil))
		o.Now = func() time.Time { return now }
		s := openStore(t, bc, o)
		tok, se, err := s.CreateSession(ctx, "alice", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Session(ctx, tok)
		if err != nil || got.Who != "alice" || got.CSRF != se.CSRF || got.CSRF == "" {
			t.Fatalf("session: %+v %v", got, err)
		}
		if _, err := s.Session(ctx, tok+"x"); !errors.Is(err, ErrNoSession) {
			t.Errorf("wrong token: %v", err)
		}
		now = now.Add(time.Hour)
		if _, err := s.Session(ctx, tok); !errors.Is(err, ErrNoSession) {
			t.Errorf("expired session: %v", err)
		}
		tok, _, _ = s.CreateSession(ctx, "bob", time.Hour)
		_ = s.DeleteSession(ctx, tok)
		if _, err := s.Session(ctx, tok); !errors.Is(err, ErrNoSession) {
			t.Errorf("deleted session: %v", err)
		}
		for i := 1; i <= 3; i++ {
			n, err := s.RecordLoginFailure(ctx, "192.0.2.1", 15*time.Minute)
			if err != nil || n != i {
				t.Fatalf("failure %d counted %d (%v)", i, n, err)
			}
			now = now.Add(5 * time.Minute)
		}
		// Failures at +0, +5 and +10 minutes; at +20 the window keeps two.
		now = now.Add(5 * time.Minute)
		if n, _ := s.LoginFailures(ctx, "192.0.2.1", 15*time.Minute); n != 2 {
			t.Errorf("failures in the last 15 minutes: %d, want 2", n)
		}
		if n, _ := s.LoginFailures(ctx, "192.0.2.2", 15*time.Minute); n != 0 {
			t.Errorf("another address: %d failures", n)
		}
	})
}

// TestConsoleNextAttempt: a delivery waiting for its retry reports the
// job's scheduled time; a sent one reports none.
func TestConsoleNextAttempt(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(func(d Delivery, call int) error {
			if d.Recipient == "a@example.com" {
				return Transient(errors.New("421 4.7.0 try again later"))
			}
			return nil
		})
		o := testOptions(bc, f)
		o.RetryBase, o.RetryMax = time.Hour, 2*time.Hour
		s := openStore(t, bc, o)
		startStore(t, s)
		before := time.Now()
		id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W48"), Recipients: []string{"a@example.com", "b@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		// Queued, a's job is due now; once its first attempt failed, it
		// waits for the backoff (an hour here).
		deadline := time.Now().Add(20 * time.Second)
		var at time.Time
		for time.Now().Before(deadline) && !at.After(before.Add(30*time.Minute)) {
			next, err := s.NextAttempts(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			at = next["a@example.com"]
			time.Sleep(50 * time.Millisecond)
		}
		if !at.After(before.Add(30*time.Minute)) || f.count(f.calls, "a@example.com") != 1 {
			t.Errorf("next attempt of the retried delivery: %v after %d calls", at, f.count(f.calls, "a@example.com"))
		}
		for time.Now().Before(deadline) {
			if run, _ := s.Run(ctx, id); run.Sent == 1 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		next, err := s.NextAttempts(ctx, id)
		if _, ok := next["b@example.com"]; ok || err != nil || len(next) != 1 {
			t.Errorf("next attempts once b is sent: %v (%v)", next, err)
		}
	})
}
