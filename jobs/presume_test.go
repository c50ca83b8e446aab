package jobs

import (
	"context"
	"testing"
)

// TestPresumedClaimFallsBack: a fresh job's first attempt presumes its
// ledger row as the fan-out wrote it (pending, version 0) instead of
// reading it. When the row changed before the job ran (here: another
// job sent that person's digest meanwhile), the mark's version check
// refuses, the message is not ended, and the row as it now is decides:
// nothing is sent and the run records the recipient as already sent.
// Another recipient of the same run is delivered on its presumed claim.
func TestPresumedClaimFallsBack(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		f := newFake(nil)
		s := openStore(t, bc, testOptions(bc, f))
		rs := recipients(2)
		id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period("2026-W47"), Recipients: rs})
		if err != nil {
			t.Fatal(err)
		}
		// The store is not started yet: the jobs wait. rs[0]'s row is
		// sent by "another job" (a version the fan-out did not write).
		n, err := s.b.exec(ctx, `UPDATE crmdigest_ledger SET state = ?, message_id = ?, version = version + 2
			WHERE schedule = ? AND recipient = ? AND period = ?`, StateSent, "<other@test>", "reps", rs[0], "2026-W47")
		if err != nil || n != 1 {
			t.Fatalf("update ledger: %d rows, %v", n, err)
		}
		startStore(t, s)
		sum := waitRun(t, s, id)
		if sum.Sent != 1 || sum.Skipped != 1 {
			t.Fatalf("run: %+v, want 1 sent and 1 skipped", sum)
		}
		if c, d := f.count(f.calls, rs[0]), f.count(f.delivered, rs[0]); c != 1 || d != 0 {
			t.Errorf("%s: %d calls, %d delivered; want 1 call refused at the mark and none delivered", rs[0], c, d)
		}
		if c, d := f.count(f.calls, rs[1]), f.count(f.delivered, rs[1]); c != 1 || d != 1 {
			t.Errorf("%s: %d calls, %d delivered; want 1 and 1", rs[1], c, d)
		}
		e, ok, err := s.Ledger(ctx, "reps", rs[0], "2026-W47")
		if err != nil || !ok || e.State != StateSent || e.MessageID != "<other@test>" || e.Attempts != 0 {
			t.Errorf("ledger of %s: %+v %v %v; want the other job's sent row untouched", rs[0], e, ok, err)
		}
		var note string
		if err := s.b.queryRow(ctx, `SELECT last_error FROM crmdigest_run_recipient WHERE run_id = ? AND recipient = ?`, id, rs[0]).Scan(&note); err != nil || note != "already sent" {
			t.Errorf("run history of %s: %q %v, want \"already sent\"", rs[0], note, err)
		}
	})
}
