package jobs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash tests run a real worker process (this test binary, in the mode
// of TestCrashChild), let it reach the SMTP DATA command of one recipient,
// kill it with SIGKILL, and start again in this process: the message is in
// doubt and its job is stuck `running` until River rescues it.

const (
	envChild  = "CRMDIGEST_JOBS_CRASH_CHILD"
	envURL    = "CRMDIGEST_JOBS_CRASH_URL"
	envSchema = "CRMDIGEST_JOBS_CRASH_SCHEMA"
	envHang   = "CRMDIGEST_JOBS_CRASH_HANG"
	// envBefore makes the child hang before the BeforeEnd mark instead of
	// after it: the message cannot have arrived.
	envBefore = "CRMDIGEST_JOBS_CRASH_BEFORE_MARK"
)

// TestCrashChild is not a test: it is the worker process of the crash
// tests, and returns at once in a normal run.
func TestCrashChild(t *testing.T) {
	if os.Getenv(envChild) != "1" {
		return
	}
	hang := os.Getenv(envHang)
	before := os.Getenv(envBefore) == "1"
	d := deliverFunc(func(ctx context.Context, d Delivery, h Hooks) (Receipt, error) {
		if before && d.Recipient == hang {
			fmt.Println("IN-DATA", d.Recipient)
			select {} // killed here, with the body written but not marked
		}
		if err := h.BeforeEnd(ctx); err != nil {
			return Receipt{}, err
		}
		if d.Recipient == hang {
			fmt.Println("IN-DATA", d.Recipient)
			select {} // killed here
		}
		return Receipt{MessageID: "<" + d.Recipient + ">"}, nil
	})
	o := Options{Deliverer: d, Workers: 1, PollInterval: 50 * time.Millisecond, Schema: os.Getenv(envSchema)}
	s, err := Open(context.Background(), os.Getenv(envURL), o)
	if err != nil {
		fmt.Println("OPEN-ERROR", err)
		os.Exit(2)
	}
	if err := s.Start(context.Background()); err != nil {
		fmt.Println("START-ERROR", err)
		os.Exit(2)
	}
	select {}
}

type deliverFunc func(ctx context.Context, d Delivery, h Hooks) (Receipt, error)

func (f deliverFunc) Deliver(ctx context.Context, d Delivery, h Hooks) (Receipt, error) {
	return f(ctx, d, h)
}

// crashInData enqueues a run, has a child process work it until it is in
// DATA for hang, and kills the child.
func crashInData(t *testing.T, bc backendCase, rs []string, hang string, beforeMark bool) int64 {
	t.Helper()
	ctx := context.Background()
	o := Options{}
	bc.opt(&o)
	s, err := Open(ctx, bc.url, o)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W01"), Recipients: rs})
	_ = s.Close()
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"=1", envURL+"="+bc.url, envSchema+"="+o.Schema, envHang+"="+hang, envBefore+"="+map[bool]string{true: "1"}[beforeMark])
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(30 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("child exited before DATA")
			}
			if strings.HasPrefix(l, "IN-DATA ") {
				break wait
			}
			if strings.Contains(l, "ERROR") {
				t.Fatalf("child: %s", l)
			}
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatal("child never reached DATA")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	go func() {
		for range lines {
		}
	}()
	return id
}

// forgetLeader removes the dead child's leadership, which would otherwise
// keep this process from leading (and so from rescuing) for River's leader
// TTL of 15 s: a real restart waits that long, a test need not.
func forgetLeader(t *testing.T, s *Store) {
	t.Helper()
	err := s.b.inTx(context.Background(), func(tx dbtx) error {
		_, err := tx.exec(context.Background(), `DELETE FROM river_leader`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCrashInDataThenRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for _, policy := range []InDoubtPolicy{InDoubtHold, InDoubtResend} {
		t.Run(string(policy), func(t *testing.T) {
			eachBackend(t, func(t *testing.T, bc backendCase) {
				ctx := context.Background()
				rs := recipients(5)
				hang := rs[2]
				id := crashInData(t, bc, rs, hang, false)

				f := newFake(nil)
				o := testOptions(bc, f)
				o.InDoubt = policy
				// Short enough for a test, long enough that a loaded machine
				// does not rescue a job that is still working.
				o.JobTimeout = time.Second
				o.RescueAfter = 2 * time.Second
				s := openStore(t, bc, o)
				e, _, err := s.Ledger(ctx, "reps", hang, "2026-W01")
				if err != nil || e.State != StateSending {
					t.Fatalf("after the kill the ledger says %+v (%v), want sending", e, err)
				}
				// SQLite: Open found the store alone and freed the job at
				// once; River's way would take its leader TTL (15 s) plus
				// RescueAfter. The margin is for a loaded machine.
				limit := 10 * time.Second
				if bc.name == "postgres" {
					// River's rescuer frees it once this node leads and
					// the job has run longer than RescueAfter.
					forgetLeader(t, s)
					time.Sleep(o.RescueAfter + 100*time.Millisecond)
					limit = 40 * time.Second
				}
				start := time.Now()
				startStore(t, s)
				sum := waitRun(t, s, id)
				if took := time.Since(start); took > limit {
					t.Errorf("stuck job took %s to recover, want at most %s", took, limit)
				}
				e, _, _ = s.Ledger(ctx, "reps", hang, "2026-W01")
				rep, err := s.Status(ctx, 1)
				if err != nil {
					t.Fatal(err)
				}
				listed := false
				for _, a := range rep.Attention {
					listed = listed || (a.Recipient == hang && a.Doubts == 1)
				}
				if !listed {
					t.Errorf("status does not list %s: %+v", hang, rep.Attention)
				}
				switch policy {
				case InDoubtHold:
					if e.State != StateInDoubt || sum.InDoubt != 1 || sum.Sent != len(rs)-1 || f.count(f.calls, hang) != 0 {
						t.Errorf("hold: ledger %+v, run %+v, calls %d", e, sum, f.count(f.calls, hang))
					}
				case InDoubtResend:
					if e.State != StateSent || e.Doubts != 1 || sum.Sent != len(rs) || f.count(f.delivered, hang) != 1 {
						t.Errorf("resend: ledger %+v, run %+v", e, sum)
					}
					for _, d := range f.deliveries {
						if d.Recipient == hang && !d.AfterDoubt {
							t.Errorf("resend not marked AfterDoubt: %+v", d)
						}
					}
				}
				// Everyone else has exactly one message, from one process
				// or the other.
				for _, r := range rs {
					if r == hang {
						continue
					}
					e, _, _ := s.Ledger(ctx, "reps", r, "2026-W01")
					mine := f.count(f.delivered, r)
					byChild := e.MessageID == "<"+r+">"
					if e.State != StateSent || (byChild && mine != 0) || (!byChild && mine != 1) {
						t.Errorf("%s: ledger %+v, delivered %d times by this process", r, e, mine)
					}
				}
			})
		})
	}
}

// TestCrashBeforeMarkIsPlainRetry kills the worker while it is in DATA
// for one recipient but before the BeforeEnd mark (the body written, the
// final dot not sent): the server cannot have the message, so the next
// process sends it as a plain retry, even under the hold policy, and the
// ledger records no doubt.
func TestCrashBeforeMarkIsPlainRetry(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		rs := recipients(5)
		hang := rs[2]
		id := crashInData(t, bc, rs, hang, true)

		f := newFake(nil)
		o := testOptions(bc, f)
		o.InDoubt = InDoubtHold
		o.JobTimeout = time.Second
		o.RescueAfter = 2 * time.Second
		s := openStore(t, bc, o)
		e, _, err := s.Ledger(ctx, "reps", hang, "2026-W01")
		if err != nil || e.State != StatePending {
			t.Fatalf("after the kill the ledger says %+v (%v), want pending: nothing was marked", e, err)
		}
		if bc.name == "postgres" {
			forgetLeader(t, s)
			time.Sleep(o.RescueAfter + 100*time.Millisecond)
		}
		startStore(t, s)
		sum := waitRun(t, s, id)
		e, _, _ = s.Ledger(ctx, "reps", hang, "2026-W01")
		if e.State != StateSent || e.Doubts != 0 || sum.Sent != len(rs) || sum.InDoubt != 0 || f.count(f.delivered, hang) != 1 {
			t.Errorf("ledger %+v, run %+v, delivered %d times: want sent once, no doubt", e, sum, f.count(f.delivered, hang))
		}
		for _, d := range f.deliveries {
			if d.Recipient == hang && d.AfterDoubt {
				t.Errorf("the retry is marked AfterDoubt: %+v", d)
			}
		}
	})
}
