package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RunSummary is one run of the history: what it covered and how its
// deliveries ended.
type RunSummary struct {
	ID         int64
	Schedule   string
	Zone       string
	Period     string
	At         time.Time // firing time; zero for a command-line run
	DataFiles  []string
	Force      bool
	DryRun     bool
	RedirectTo string
	Error      string // the run failed as a whole (e.g. stale data)
	// Refused says the data gate refused the run (Error says why, and
	// RefusedReasons lists each broken rule); Override says who accepted a
	// breach the run went ahead past.
	Refused        bool
	RefusedReasons []string
	Override       string
	Started        time.Time
	Finished       time.Time // zero while recipients are pending

	Sent, Failed, Skipped, Pending, InDoubt, Preview int

	// Recipients is filled by Run, not by Status.
	Recipients []RecipientState
}

// Done tells whether every recipient has a final state.
func (r RunSummary) Done() bool { return !r.Finished.IsZero() }

// NeedsAttention tells whether the administrator should hear about the
// run: it failed as a whole, or some deliveries failed or are in doubt.
func (r RunSummary) NeedsAttention() bool {
	return r.Error != "" || r.Failed > 0 || r.InDoubt > 0
}

// RecipientState is one recipient's outcome in a run.
type RecipientState struct {
	Recipient string
	State     string
	Attempts  int
	LastError string
	MessageID string
	Updated   time.Time
}

// LedgerEntry is the ledger's memory of one (schedule, recipient, period).
type LedgerEntry struct {
	Schedule, Recipient, Period string
	State                       string
	Attempts                    int
	Doubts                      int  // attempts interrupted after DATA: a duplicate may exist
	Resends                     int  // forced resends
	Forced                      bool // the last send was forced
	LastError                   string
	MessageID                   string
	RunID                       int64
	Updated, Sent               time.Time
}

// StatusReport is what `crmdigest status` shows.
type StatusReport struct {
	Runs []RunSummary // most recent first, without Recipients
	// Attention lists every ledger row that is failed, pending, sending or
	// in doubt, and every sent row that was ever in doubt (it may have
	// arrived twice), most recently changed first.
	Attention []LedgerEntry
}

const runCols = `id, schedule, zone, period, firing_at, data_files, forced, dry_run, redirect_to, error, started_at, finished_at`

func scanRun(r row) (RunSummary, error) {
	var s RunSummary
	var at, started, finished, forced, dry int64
	var files string
	if err := r.Scan(&s.ID, &s.Schedule, &s.Zone, &s.Period, &at, &files, &forced, &dry,
		&s.RedirectTo, &s.Error, &started, &finished); err != nil {
		return s, err
	}
	s.At, s.Started, s.Finished = microTime(at), microTime(started), microTime(finished)
	s.Force, s.DryRun = forced == 1, dry == 1
	if files != "" {
		s.DataFiles = strings.Split(files, "\n")
	}
	return s, nil
}

func microTime(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func countRun(ctx context.Context, tx dbtx, s *RunSummary) error {
	rs, err := tx.query(ctx, `SELECT state, COUNT(*) FROM crmdigest_run_recipient WHERE run_id = ? GROUP BY state`, s.ID)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var st string
		var n int64
		if err := rs.Scan(&st, &n); err != nil {
			return err
		}
		switch st {
		case StateSent:
			s.Sent += int(n)
		case StateFailed:
			s.Failed += int(n)
		case StateSkipped:
			s.Skipped += int(n)
		case StateInDoubt:
			s.InDoubt += int(n)
		case StatePreview:
			s.Preview += int(n)
		default:
			s.Pending += int(n)
		}
	}
	return rs.Err()
}

// ErrNoRun is returned by Run for an unknown id.
var ErrNoRun = errors.New("no such run")

// Run returns one run with its counts and every recipient's state.
func (s *Store) Run(ctx context.Context, id int64) (RunSummary, error) {
	var sum RunSummary
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		sum, err = scanRun(tx.queryRow(ctx, `SELECT `+runCols+` FROM crmdigest_run WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoRun
		}
		if err != nil {
			return err
		}
		if err := countRun(ctx, tx, &sum); err != nil {
			return err
		}
		if err := readGate(ctx, tx, &sum); err != nil {
			return err
		}
		rs, err := tx.query(ctx, `SELECT recipient, state, attempts, last_error, message_id, updated_at
			FROM crmdigest_run_recipient WHERE run_id = ? ORDER BY recipient`, id)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r RecipientState
			var attempts, updated int64
			if err := rs.Scan(&r.Recipient, &r.State, &attempts, &r.LastError, &r.MessageID, &updated); err != nil {
				return err
			}
			r.Attempts, r.Updated = int(attempts), microTime(updated)
			sum.Recipients = append(sum.Recipients, r)
		}
		return rs.Err()
	})
	if err != nil {
		return sum, fmt.Errorf("read run %d: %w", id, err)
	}
	return sum, nil
}

// Status reports the latest runs (at most recent of them, 10 if 0) and
// every delivery that needs attention.
func (s *Store) Status(ctx context.Context, recent int) (StatusReport, error) {
	if recent <= 0 {
		recent = 10
	}
	var rep StatusReport
	err := s.b.inTx(ctx, func(tx dbtx) error {
		rs, err := tx.query(ctx, `SELECT `+runCols+` FROM crmdigest_run ORDER BY id DESC LIMIT ?`, recent)
		if err != nil {
			return err
		}
		for rs.Next() {
			r, err := scanRun(rs)
			if err != nil {
				rs.Close()
				return err
			}
			rep.Runs = append(rep.Runs, r)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		for i := range rep.Runs {
			if err := countRun(ctx, tx, &rep.Runs[i]); err != nil {
				return err
			}
			if err := readGate(ctx, tx, &rep.Runs[i]); err != nil {
				return err
			}
		}
		rep.Attention, err = ledgerEntries(ctx, tx, `WHERE state <> ? OR doubts > 0 ORDER BY updated_at DESC`, StateSent)
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("status: %w", err)
	}
	return rep, nil
}

// Ledger returns the ledger's row for (schedule, recipient, period).
func (s *Store) Ledger(ctx context.Context, schedule, recipient, period string) (LedgerEntry, bool, error) {
	var es []LedgerEntry
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		es, err = ledgerEntries(ctx, tx, `WHERE schedule = ? AND recipient = ? AND period = ?`, schedule, recipient, period)
		return err
	})
	if err != nil || len(es) == 0 {
		return LedgerEntry{}, false, err
	}
	return es[0], true, nil
}

func ledgerEntries(ctx context.Context, tx dbtx, where string, args ...any) ([]LedgerEntry, error) {
	rs, err := tx.query(ctx, `SELECT schedule, recipient, period, state, attempts, doubts, resends, forced,
		last_error, message_id, run_id, updated_at, sent_at FROM crmdigest_ledger `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	defer rs.Close()
	var out []LedgerEntry
	for rs.Next() {
		var e LedgerEntry
		var attempts, doubts, resends, forced, updated, sent int64
		if err := rs.Scan(&e.Schedule, &e.Recipient, &e.Period, &e.State, &attempts, &doubts, &resends, &forced,
			&e.LastError, &e.MessageID, &e.RunID, &updated, &sent); err != nil {
			return nil, fmt.Errorf("read ledger: %w", err)
		}
		e.Attempts, e.Doubts, e.Resends, e.Forced = int(attempts), int(doubts), int(resends), forced == 1
		e.Updated, e.Sent = microTime(updated), microTime(sent)
		out = append(out, e)
	}
	return out, rs.Err()
}
