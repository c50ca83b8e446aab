package jobs

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A run's fan-out decides each recipient's first state from the pauses and
// the ledger read in batches: past the chunk sizes (500 rows a statement,
// 1,000 jobs an insert), every recipient still gets the state it would
// get alone, one ledger row, one run row, and a job only when pending.
func TestFanOutInChunks(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		s := openStore(t, bc, testOptions(bc, newFake(nil))) // not started: the jobs stay queued
		const n = 2*jobChunk + 3
		rs := make([]string, n)
		for i := range rs {
			rs[i] = fmt.Sprintf("rep%05d@example.com", i)
		}
		w := period("2026-W10")
		// Every 7th already has the digest, every 11th is in doubt, and
		// one person is paused (under another case of the address).
		sent, doubt := map[string]bool{}, map[string]bool{}
		now := time.Now().UnixMicro()
		for i, r := range rs {
			state := ""
			switch {
			case i%7 == 3:
				state, sent[r] = StateSent, true
			case i%11 == 5:
				state, doubt[r] = StateInDoubt, true
			default:
				continue
			}
			if _, err := s.b.exec(ctx, `INSERT INTO crmdigest_ledger (schedule, recipient, period, state, message_id, last_error, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, "weekly", r, w.Key(), state, "<"+r+">", "cut off", now, now); err != nil {
				t.Fatal(err)
			}
		}
		pausedOne := rs[rowChunk+1]
		if err := s.SetPause(ctx, PausePerson, strings.ToUpper(pausedOne), "admin@example.com", true); err != nil {
			t.Fatal(err)
		}
		// Duplicates and an empty key are dropped, as one by one.
		in := append(append([]string{}, rs...), rs[0], rs[n-1], "")
		id, err := s.StartRun(ctx, RunSpec{Schedule: "weekly", Period: w, Recipients: in})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := s.Run(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Recipients) != n {
			t.Fatalf("%d run recipients, want %d", len(sum.Recipients), n)
		}
		pending := 0
		for _, rc := range sum.Recipients {
			r := rc.Recipient
			switch {
			case r == pausedOne:
				if rc.State != StateSkipped || !strings.Contains(rc.LastError, "person paused by admin@example.com") {
					t.Errorf("%s (paused): %s %q", r, rc.State, rc.LastError)
				}
			case sent[r]:
				if rc.State != StateSkipped || rc.LastError != "already sent" || rc.MessageID != "<"+r+">" {
					t.Errorf("%s (sent before): %s %q %q", r, rc.State, rc.LastError, rc.MessageID)
				}
			case doubt[r]:
				if rc.State != StateInDoubt || rc.LastError != "held in doubt: cut off" {
					t.Errorf("%s (in doubt): %s %q", r, rc.State, rc.LastError)
				}
			default:
				pending++
				if rc.State != StatePending {
					t.Errorf("%s: %s %q, want pending", r, rc.State, rc.LastError)
				}
			}
		}
		if pending != n-len(sent)-len(doubt)-1 {
			t.Fatalf("%d pending", pending)
		}
		var jobs, ledger int
		if err := s.b.queryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = ?`, deliveryArgs{}.Kind()).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if err := s.b.queryRow(ctx, `SELECT COUNT(*) FROM crmdigest_ledger WHERE schedule = ? AND period = ?`, "weekly", w.Key()).Scan(&ledger); err != nil {
			t.Fatal(err)
		}
		if jobs != pending || ledger != n-1 {
			t.Errorf("%d delivery jobs (want %d, one per pending recipient), %d ledger rows (want %d: all but the paused one)", jobs, pending, ledger, n-1)
		}
		// A paused schedule skips everyone.
		if err := s.SetPause(ctx, PauseSchedule, "weekly", "admin@example.com", true); err != nil {
			t.Fatal(err)
		}
		id, err = s.StartRun(ctx, RunSpec{Schedule: "weekly", Period: period("2026-W11"), Recipients: rs[:3]})
		if err != nil {
			t.Fatal(err)
		}
		if sum, err = s.Run(ctx, id); err != nil {
			t.Fatal(err)
		}
		for _, rc := range sum.Recipients {
			if rc.State != StateSkipped || !strings.Contains(rc.LastError, "schedule paused by") {
				t.Errorf("%s under a paused schedule: %s %q", rc.Recipient, rc.State, rc.LastError)
			}
		}
	})
}

// BenchmarkFanOut is StartRun of one run of 24,004 recipients (the
// 20,000-rep organisation) on a fresh store: the ledger rows, the run's
// recipients and the River jobs, in one transaction.
func BenchmarkFanOut(b *testing.B) {
	const n = 24004
	rs := make([]string, n)
	for i := range rs {
		rs[i] = fmt.Sprintf("rep%05d@example.com", i)
	}
	b.Run("sqlite", func(b *testing.B) {
		ctx := context.Background()
		s, err := Open(ctx, b.TempDir()+"/jobs.db", Options{Deliverer: nopDeliverer{}})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		cpu0 := cpuTime()
		for i := 0; b.Loop(); i++ {
			if _, err := s.StartRun(ctx, RunSpec{Schedule: "weekly", Period: period(fmt.Sprintf("20%02d-W10", 10+i)), Recipients: rs}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "µs/recipient")
		// CPU of the whole process (River's client is not started, so it
		// is the fan-out's), which a loaded machine inflates less than wall.
		b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	})
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
