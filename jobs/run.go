package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmdigest/crmdigest/kpi"
)

// StartRun records a run and enqueues one delivery job per recipient, in
// one transaction. Recipients whose ledger row says they already have the
// period's digest are recorded as skipped (in doubt, under the hold
// policy) and get no job, unless spec.Force. Dry runs and redirected runs
// never read or write the ledger. Start the store (or have a daemon
// running) to work the jobs; WaitRun waits for the run to end.
func (s *Store) StartRun(ctx context.Context, spec RunSpec) (int64, error) {
	if spec.Schedule == "" || spec.Period.Kind == 0 {
		return 0, errors.New("start run: schedule and period are required")
	}
	var id int64
	var finished bool
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		id, finished, err = s.fanOut(ctx, tx, spec)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	if finished {
		s.notifyFinished(ctx, id)
	}
	return id, nil
}

func (s *Store) fanOut(ctx context.Context, tx dbtx, spec RunSpec) (int64, bool, error) {
	now := s.now()
	key := spec.Period.Key()
	var at int64
	if !spec.At.IsZero() {
		at = spec.At.UnixMicro()
	}
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO crmdigest_run (schedule, zone, period, firing_at, data_files, forced, dry_run, redirect_to, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		spec.Schedule, spec.Zone, key, at, strings.Join(spec.DataFiles, "\n"),
		b2i(spec.Force), b2i(spec.DryRun), spec.RedirectTo, now).Scan(&id)
	if err != nil {
		return 0, false, fmt.Errorf("insert run: %w", err)
	}
	if err := recordOverride(ctx, tx, id, spec.Override); err != nil {
		return 0, false, fmt.Errorf("record override: %w", err)
	}
	preview := spec.DryRun || spec.RedirectTo != ""
	seen := make(map[string]bool, len(spec.Recipients))
	var keys []string
	for _, r := range spec.Recipients {
		if r != "" && !seen[r] {
			seen[r] = true
			keys = append(keys, r)
		}
	}
	// Batched: the pauses and the ledger rows are read in a few queries,
	// the new rows written a chunk at a time, not four statements per
	// recipient. At 24,000 recipients the statements one by one held
	// SQLite's only connection for tens of seconds, and River's own
	// queries timed out behind them (docs/PERFORMANCE.md, scale).
	var paused func(string) string
	var ledger map[string]ledgerRow
	if !preview {
		var err error
		if paused, err = pausesOf(ctx, tx, spec.Schedule); err != nil {
			return 0, false, err
		}
		if ledger, err = ledgerRows(ctx, tx, spec.Schedule, key, keys); err != nil {
			return 0, false, err
		}
	}
	var newLedger []string
	recips := make([]runRecipient, 0, len(keys))
	var params []river.InsertManyParams
	for _, r := range keys {
		state, note, msgID, fresh := StatePending, "", "", false
		if !preview {
			if why := paused(r); why != "" {
				state, note = StateSkipped, why
			}
		}
		if !preview && state == StatePending {
			l, ok := ledger[r]
			switch {
			case !ok:
				newLedger, fresh = append(newLedger, r), true
			case spec.Force:
			case l.state == StateSent:
				state, note, msgID = StateSkipped, "already sent", l.messageID
			case l.state == StateInDoubt && s.opts.InDoubt == InDoubtHold:
				state, note = StateInDoubt, "held in doubt: "+l.lastError
			}
		}
		recips = append(recips, runRecipient{r, state, note, msgID})
		if state != StatePending {
			continue
		}
		params = append(params, river.InsertManyParams{Args: deliveryArgs{
			Schedule: spec.Schedule, Recipient: r, Period: key, PeriodValue: spec.Period, Zone: spec.Zone, At: spec.At,
			RunID: id, Force: spec.Force, DryRun: spec.DryRun, RedirectTo: spec.RedirectTo, Fresh: fresh,
		}})
	}
	if err := insertLedgers(ctx, tx, now, spec.Schedule, key, newLedger); err != nil {
		return 0, false, err
	}
	if err := insertRunRecipients(ctx, tx, now, id, recips); err != nil {
		return 0, false, err
	}
	for c := range slices.Chunk(params, jobChunk) {
		if _, err := tx.insertJobsFast(ctx, c); err != nil {
			return 0, false, fmt.Errorf("insert delivery jobs: %w", err)
		}
	}
	finished, err := finishIfDone(ctx, tx, now, id)
	return id, finished, err
}

// finishIfDone marks the run finished when no recipient is left pending or
// sending. It is one statement, so that it can run on its own after the
// commit that recorded the last outcome (recorder.finish) as well as inside
// the fan-out's transaction. The conditional update makes exactly one
// caller see finished == true; the index on (run_id, state) finds an open
// recipient at once.
func finishIfDone(ctx context.Context, db oneStatement, now, id int64) (bool, error) {
	f := finishStmt(now, id)
	n, err := db.exec(ctx, f.q, f.args...)
	if err != nil {
		return false, fmt.Errorf("finish run: %w", err)
	}
	return n == 1, nil
}

// finishStmt is finishIfDone's statement.
func finishStmt(now, id int64) stmt {
	return stmt{q: `UPDATE crmdigest_run SET finished_at = ? WHERE id = ? AND finished_at = 0
		AND NOT EXISTS (SELECT 1 FROM crmdigest_run_recipient WHERE run_id = ? AND state IN (?, ?))`,
		args: []any{now, id, id, StatePending, StateSending}}
}

func (s *Store) notifyFinished(ctx context.Context, id int64) {
	if s.opts.OnRunFinished == nil {
		return
	}
	sum, err := s.Run(ctx, id)
	if err != nil {
		s.log.Error("run finished", "run", id, "error", err)
		return
	}
	s.opts.OnRunFinished(ctx, sum)
}

// WaitRun polls until run id has finished or ctx is done.
func (s *Store) WaitRun(ctx context.Context, id int64, every time.Duration) (RunSummary, error) {
	every = max(every, 10*time.Millisecond)
	for {
		// Poll the one column; read the whole run once it is over.
		var finished int64
		err := s.b.inTx(ctx, func(tx dbtx) error {
			return tx.queryRow(ctx, `SELECT finished_at FROM crmdigest_run WHERE id = ?`, id).Scan(&finished)
		})
		if errors.Is(err, sql.ErrNoRows) {
			return RunSummary{}, fmt.Errorf("wait for run %d: %w", id, ErrNoRun)
		}
		if err != nil {
			return RunSummary{}, fmt.Errorf("wait for run %d: %w", id, err)
		}
		if finished != 0 {
			return s.Run(ctx, id)
		}
		select {
		case <-ctx.Done():
			sum, _ := s.Run(context.WithoutCancel(ctx), id)
			return sum, fmt.Errorf("wait for run %d: %w", id, ctx.Err())
		case <-time.After(every):
		}
	}
}

// firingArgs is the job of one firing. River's uniqueness keeps a second
// insert out while the job exists; the firings table keeps it out for good.
type firingArgs struct {
	Schedule string    `json:"schedule" river:"unique"`
	Zone     string    `json:"zone" river:"unique"`
	At       time.Time `json:"at" river:"unique"`
	Period   string    `json:"period"` // the period's key, as in the firings table
	// PeriodValue is the period itself (see deliveryArgs.PeriodValue).
	PeriodValue kpi.Period `json:"period_value"`
}

func (firingArgs) Kind() string { return "crmdigest_firing" }

func (firingArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Firing states in the firings table.
const (
	FiringEnqueued  = "enqueued"   // recorded; its job has not fanned out yet
	FiringFannedOut = "fanned_out" // its run exists
	FiringFailed    = "failed"     // the planner refused (e.g. stale data)
)

// EnqueueFiring records a firing and enqueues its job, once: a firing with
// the same (schedule, zone, at) already recorded, by this node or another,
// returns false and enqueues nothing. The job asks the Planner for the
// recipients and fans out their delivery jobs. Safe to call for every
// missed firing on start: those already recorded are left alone.
func (s *Store) EnqueueFiring(ctx context.Context, f Firing) (bool, error) {
	if f.Schedule == "" || f.Period.Kind == 0 || f.At.IsZero() {
		return false, errors.New("enqueue firing: schedule, period and time are required")
	}
	f.At = f.At.UTC().Truncate(time.Microsecond)
	var inserted bool
	err := s.b.inTx(ctx, func(tx dbtx) error {
		n, err := tx.exec(ctx, `INSERT INTO crmdigest_firing (schedule, zone, at, period, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (schedule, zone, at) DO NOTHING`,
			f.Schedule, f.Zone, f.At.UnixMicro(), f.Period.Key(), FiringEnqueued, s.now())
		if err != nil {
			return fmt.Errorf("record firing: %w", err)
		}
		if n == 0 {
			return nil
		}
		inserted = true
		_, err = tx.insertJobs(ctx, []river.InsertManyParams{{Args: firingArgs{
			Schedule: f.Schedule, Zone: f.Zone, At: f.At, Period: f.Period.Key(), PeriodValue: f.Period,
		}}})
		if err != nil {
			return fmt.Errorf("insert firing job: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("enqueue firing: %w", err)
	}
	return inserted, nil
}

// FiringRecord is a row of the firings table. The store keeps the
// period's key (kpi.Period.Key), not the value.
type FiringRecord struct {
	Schedule  string
	Zone      string
	At        time.Time
	PeriodKey string
	State     string
	RunID     int64
	Error     string
}

// Firings lists the recorded firings of a schedule in a zone at or after
// since, oldest first. The daemon's catch-up compares them with the
// schedule's firing times.
func (s *Store) Firings(ctx context.Context, schedule, zone string, since time.Time) ([]FiringRecord, error) {
	var out []FiringRecord
	err := s.b.inTx(ctx, func(tx dbtx) error {
		rs, err := tx.query(ctx, `SELECT schedule, zone, at, period, state, run_id, error FROM crmdigest_firing
			WHERE schedule = ? AND zone = ? AND at >= ? ORDER BY at`, schedule, zone, since.UnixMicro())
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var f FiringRecord
			var at int64
			if err := rs.Scan(&f.Schedule, &f.Zone, &at, &f.PeriodKey, &f.State, &f.RunID, &f.Error); err != nil {
				return err
			}
			f.At = time.UnixMicro(at).UTC()
			out = append(out, f)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list firings: %w", err)
	}
	return out, nil
}

// LastFiring is the latest recorded firing time of a schedule in a zone.
func (s *Store) LastFiring(ctx context.Context, schedule, zone string) (time.Time, bool, error) {
	var at sql.NullInt64
	err := s.b.inTx(ctx, func(tx dbtx) error {
		return tx.queryRow(ctx, `SELECT MAX(at) FROM crmdigest_firing WHERE schedule = ? AND zone = ?`,
			schedule, zone).Scan(&at)
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("last firing: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMicro(at.Int64).UTC(), true, nil
}

type firingWorker struct {
	river.WorkerDefaults[firingArgs]
	s *Store
}

func (w *firingWorker) Work(ctx context.Context, job *river.Job[firingArgs]) error {
	s := w.s
	a := job.Args
	if a.PeriodValue.Kind == 0 {
		return river.JobCancel(fmt.Errorf("firing job of %s at %s carries no period value: queued by an older crmdigest and not migrated", a.Schedule, a.At))
	}
	f := Firing{Schedule: a.Schedule, Zone: a.Zone, At: a.At.UTC(), Period: a.PeriodValue}
	var state string
	err := s.b.inTx(ctx, func(tx dbtx) error {
		return tx.queryRow(ctx, `SELECT state FROM crmdigest_firing WHERE schedule = ? AND zone = ? AND at = ?`,
			f.Schedule, f.Zone, f.At.UnixMicro()).Scan(&state)
	})
	if err != nil {
		return fmt.Errorf("read firing: %w", err)
	}
	if state != FiringEnqueued {
		return nil // fanned out by an earlier attempt
	}
	if s.opts.Planner == nil {
		return errors.New("no planner")
	}
	plan, perr := s.opts.Planner.Plan(ctx, f)
	if after, ok := notReadyAfter(perr); ok {
		return river.JobSnooze(after) // the sources are still being read (notready.go)
	}
	var t temporary
	if perr != nil && errors.As(perr, &t) && t.Temporary() && job.Attempt < job.MaxAttempts {
		return perr
	}
	spec := RunSpec{Schedule: f.Schedule, Period: f.Period, Zone: f.Zone, At: f.At,
		Recipients: slices.Clone(plan.Recipients), DataFiles: plan.DataFiles, Override: plan.Override}
	var id int64
	var finished bool
	err = s.b.inTx(ctx, func(tx dbtx) error {
		var cur string
		if err := tx.queryRow(ctx, `SELECT state FROM crmdigest_firing WHERE schedule = ? AND zone = ? AND at = ?`,
			f.Schedule, f.Zone, f.At.UnixMicro()).Scan(&cur); err != nil {
			return err
		}
		if cur != FiringEnqueued {
			return nil
		}
		newState, msg := FiringFannedOut, ""
		if perr != nil {
			// Record the failed run so that status and the administrator
			// see it, with no recipients.
			newState, msg = FiringFailed, perr.Error()
			spec.Recipients = nil
		}
		var err error
		id, finished, err = s.fanOut(ctx, tx, spec)
		if err != nil {
			return err
		}
		var refusal RunRefusal
		switch {
		case errors.As(perr, &refusal):
			if err := markRefused(ctx, tx, id, refusal.RefusedReasons()); err != nil {
				return err
			}
		case msg != "":
			if _, err := tx.exec(ctx, `UPDATE crmdigest_run SET error = ? WHERE id = ?`, msg, id); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `UPDATE crmdigest_firing SET state = ?, run_id = ?, error = ? WHERE schedule = ? AND zone = ? AND at = ?`,
			newState, id, msg, f.Schedule, f.Zone, f.At.UnixMicro())
		return err
	})
	if err != nil {
		return fmt.Errorf("fan out firing: %w", err)
	}
	if finished {
		s.notifyFinished(ctx, id)
	}
	if perr != nil {
		return river.JobCancel(fmt.Errorf("plan firing: %w", perr))
	}
	return nil
}
