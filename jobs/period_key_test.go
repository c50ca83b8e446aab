package jobs

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmdigest/crmdigest/kpi"
)

// legacyDeliveryArgs is a delivery job as an older crmdigest queued it:
// the period as typed, no value.
type legacyDeliveryArgs struct {
	Schedule  string `json:"schedule"`
	Recipient string `json:"recipient"`
	Period    string `json:"period"`
	RunID     int64  `json:"run_id"`
}

func (legacyDeliveryArgs) Kind() string { return "crmdigest_delivery" }

// TestCanonicalisePeriods stores keys as older versions wrote them (the
// text as typed), reopens the store with a period parser, and checks that
// every key is canonical, that two spellings of one period merged into one
// ledger row keeping "sent", and that a later run of the period sends
// nothing to those who have it.
func TestCanonicalisePeriods(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		o := testOptions(bc, newFake(nil))
		old := openStore(t, bc, o)
		now := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC).UnixMicro()
		type lrow struct {
			recipient, period, state string
			attempts, updated        int64
		}
		rows := []lrow{
			{"a@example.com", "2026-w48", StateSent, 1, now},        // sent under the typed spelling...
			{"a@example.com", "2026-W48", StatePending, 2, now + 1}, // ...pending under the canonical one
			{"b@example.com", "2026-w48", StateFailed, 3, now + 1},
			{"b@example.com", " 2026-W48 ", StateSent, 1, now},
			{"b@example.com", "2026-W48", StatePending, 0, now + 2},
			{"c@example.com", "2026-W1", StateInDoubt, 1, now},
			{"d@example.com", "fy2027-q1", StateSent, 1, now},
			{"e@example.com", "not a period", StateSent, 1, now},
		}
		err := old.b.inTx(ctx, func(tx dbtx) error {
			for _, r := range rows {
				if _, err := tx.exec(ctx, `INSERT INTO crmdigest_ledger (schedule, recipient, period, state, attempts, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?)`, "reps", r.recipient, r.period, r.state, r.attempts, now, r.updated); err != nil {
					return err
				}
			}
			if _, err := tx.exec(ctx, `INSERT INTO crmdigest_run (schedule, period, started_at) VALUES (?, ?, ?)`, "reps", "2026-w48", now); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO crmdigest_firing (schedule, zone, at, period, state, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				"reps", "", now, "2026-W1", FiringFannedOut, now); err != nil {
				return err
			}
			_, err := tx.insertJobs(ctx, []river.InsertManyParams{{Args: legacyDeliveryArgs{Schedule: "reps", Recipient: "f@example.com", Period: "2026-w48", RunID: 1}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = old.Close()

		o.ParsePeriod = func(id string) (kpi.Period, error) { return kpi.ParsePeriod(id, time.April) }
		s := openStore(t, bc, o)
		want := map[string]struct {
			period, state string
			attempts      int
		}{
			"a@example.com": {"2026-W48", StateSent, 3},
			"b@example.com": {"2026-W48", StateSent, 4},
			"c@example.com": {"2026-W01", StateInDoubt, 1},
			"d@example.com": {"2026-Q2", StateSent, 1}, // FY2027-Q1 with an April fiscal year
			"e@example.com": {"not a period", StateSent, 1},
		}
		var n int
		err = s.b.inTx(ctx, func(tx dbtx) error {
			es, err := ledgerEntries(ctx, tx, `WHERE schedule = ?`, "reps")
			if err != nil {
				return err
			}
			n = len(es)
			for _, e := range es {
				w := want[e.Recipient]
				if e.Period != w.period || e.State != w.state || e.Attempts != w.attempts {
					t.Errorf("%s: ledger %s %s, %d attempts; want %s %s, %d", e.Recipient, e.Period, e.State, e.Attempts, w.period, w.state, w.attempts)
				}
			}
			var run, firing string
			if err := tx.queryRow(ctx, `SELECT period FROM crmdigest_run`).Scan(&run); err != nil {
				return err
			}
			if err := tx.queryRow(ctx, `SELECT period FROM crmdigest_firing`).Scan(&firing); err != nil {
				return err
			}
			if run != "2026-W48" || firing != "2026-W01" {
				t.Errorf("run period %q, firing period %q; want 2026-W48 and 2026-W01", run, firing)
			}
			read := `json(args)`
			if s.postgres {
				read = `args::text`
			}
			var args string
			if err := tx.queryRow(ctx, `SELECT `+read+` FROM river_job WHERE kind = 'crmdigest_delivery'`).Scan(&args); err != nil {
				return err
			}
			var a deliveryArgs
			if err := json.Unmarshal([]byte(args), &a); err != nil {
				return err
			}
			if a.Period != "2026-W48" || a.PeriodValue.Key() != "2026-W48" || a.Recipient != "f@example.com" {
				t.Errorf("queued job args %s: want period 2026-W48 and its value", args)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(want) {
			t.Errorf("%d ledger rows, want %d (two spellings of one period merge)", n, len(want))
		}

		// A run of the period under any spelling finds the merged rows.
		id, err := s.StartRun(ctx, RunSpec{Schedule: "reps", Period: period(" 2026-w48"), Recipients: []string{"a@example.com", "b@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := s.Run(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Skipped != 2 || sum.Pending != 0 || sum.Period != "2026-W48" {
			t.Errorf("run after the migration: %+v; want both skipped as already sent, under 2026-W48", sum)
		}
	})
}
