package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// consoleSchemaSQL holds the web console's tables: pauses (honoured by
// every node, since they live in the store), the audit log of actions,
// sessions and login failures. Same conventions as schemaSQL.
const consoleSchemaSQL = `
CREATE TABLE IF NOT EXISTS crmdigest_pause (
	scope     TEXT   NOT NULL,
	name      TEXT   NOT NULL,
	who       TEXT   NOT NULL,
	at        BIGINT NOT NULL,
	PRIMARY KEY (scope, name)
);
CREATE TABLE IF NOT EXISTS crmdigest_action (
	id        {{ID}},
	at        BIGINT NOT NULL,
	who       TEXT   NOT NULL,
	action    TEXT   NOT NULL,
	schedule  TEXT   NOT NULL DEFAULT '',
	recipient TEXT   NOT NULL DEFAULT '',
	period    TEXT   NOT NULL DEFAULT '',
	run_id    BIGINT NOT NULL DEFAULT 0,
	new_run   BIGINT NOT NULL DEFAULT 0,
	detail    TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS crmdigest_action_run ON crmdigest_action (run_id);
CREATE TABLE IF NOT EXISTS crmdigest_session (
	token_hash TEXT   NOT NULL PRIMARY KEY,
	who        TEXT   NOT NULL,
	csrf       TEXT   NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS crmdigest_login_failure (
	addr TEXT   NOT NULL,
	at   BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS crmdigest_login_failure_addr ON crmdigest_login_failure (addr, at)`

// Pause scopes: a whole schedule, or one person (their recipient key) in
// every schedule.
const (
	PauseSchedule = "schedule"
	PausePerson   = "person"
)

// Pause is one pause recorded from the console.
type Pause struct {
	Scope, Name, Who string
	At               time.Time
}

// Action is one entry of the console's audit log.
type Action struct {
	ID        int64
	At        time.Time
	Who       string
	Action    string // e.g. "resend", "mark-delivered", "pause"
	Schedule  string
	Recipient string
	Period    string
	RunID     int64 // the run the action was taken from, 0 if none
	NewRun    int64 // the run the action started, 0 if none
	Detail    string
}

func insertAction(ctx context.Context, tx dbtx, now int64, a Action) error {
	_, err := tx.exec(ctx, `INSERT INTO crmdigest_action (at, who, action, schedule, recipient, period, run_id, new_run, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, now, a.Who, a.Action, a.Schedule, a.Recipient, a.Period, a.RunID, a.NewRun, a.Detail)
	if err != nil {
		return fmt.Errorf("record action: %w", err)
	}
	return nil
}

// RecordAction adds an entry to the audit log; At is the store's clock.
func (s *Store) RecordAction(ctx context.Context, a Action) error {
	if a.Who == "" || a.Action == "" {
		return errors.New("record action: who and action are required")
	}
	return s.b.inTx(ctx, func(tx dbtx) error { return insertAction(ctx, tx, s.now(), a) })
}

// Actions lists the audit log, newest first: the actions taken from or
// on run runID (started by them), or the latest limit of all when runID is 0.
func (s *Store) Actions(ctx context.Context, runID int64, limit int) ([]Action, error) {
	q := `SELECT id, at, who, action, schedule, recipient, period, run_id, new_run, detail FROM crmdigest_action`
	var args []any
	if runID != 0 {
		q += ` WHERE run_id = ? OR new_run = ?`
		args = append(args, runID, runID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, max(limit, 1))
	var out []Action
	err := s.b.inTx(ctx, func(tx dbtx) error {
		rs, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var a Action
			var at int64
			if err := rs.Scan(&a.ID, &at, &a.Who, &a.Action, &a.Schedule, &a.Recipient, &a.Period, &a.RunID, &a.NewRun, &a.Detail); err != nil {
				return err
			}
			a.At = microTime(at)
			out = append(out, a)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	return out, nil
}

// SetPause pauses (paused) or resumes delivery for a schedule or a person
// and records who did it. A paused recipient is recorded as skipped by
// every run that would send to them, on whichever node plans it.
func (s *Store) SetPause(ctx context.Context, scope, name, who string, paused bool) error {
	if scope != PauseSchedule && scope != PausePerson {
		return fmt.Errorf("pause: scope %q: want %q or %q", scope, PauseSchedule, PausePerson)
	}
	if name == "" || who == "" {
		return errors.New("pause: name and who are required")
	}
	now := s.now()
	return s.b.inTx(ctx, func(tx dbtx) error {
		a := Action{Who: who, Action: "resume", Detail: scope + " " + name}
		var err error
		if paused {
			a.Action = "pause"
			_, err = tx.exec(ctx, `INSERT INTO crmdigest_pause (scope, name, who, at) VALUES (?, ?, ?, ?)
				ON CONFLICT (scope, name) DO NOTHING`, scope, name, who, now)
		} else {
			_, err = tx.exec(ctx, `DELETE FROM crmdigest_pause WHERE scope = ? AND name = ?`, scope, name)
		}
		if err != nil {
			return fmt.Errorf("pause: %w", err)
		}
		if scope == PauseSchedule {
			a.Schedule = name
		} else {
			a.Recipient = name
		}
		return insertAction(ctx, tx, now, a)
	})
}

// Pauses lists the pauses in force, by scope and name.
func (s *Store) Pauses(ctx context.Context) ([]Pause, error) {
	var out []Pause
	err := s.b.inTx(ctx, func(tx dbtx) error {
		rs, err := tx.query(ctx, `SELECT scope, name, who, at FROM crmdigest_pause ORDER BY scope, name`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var p Pause
			var at int64
			if err := rs.Scan(&p.Scope, &p.Name, &p.Who, &at); err != nil {
				return err
			}
			p.At = microTime(at)
			out = append(out, p)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list pauses: %w", err)
	}
	return out, nil
}

// NextAttempts says when the job engine will next try each delivery of
// run runID that waits for a retry (or is queued), by recipient: the
// scheduled time of its River job.
func (s *Store) NextAttempts(ctx context.Context, runID int64) (map[string]time.Time, error) {
	// SQLite keeps River's args as binary JSON: json() gives them as text.
	args := "args"
	if !s.postgres {
		args = "json(args)"
	}
	var ids []int64
	err := s.b.inTx(ctx, func(tx dbtx) error {
		rs, err := tx.query(ctx, `SELECT id, `+args+` FROM river_job WHERE kind = ? AND state IN (?, ?, ?)`,
			deliveryArgs{}.Kind(), string(rivertype.JobStateAvailable), string(rivertype.JobStateRetryable), string(rivertype.JobStateScheduled))
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id int64
			var raw []byte
			if err := rs.Scan(&id, &raw); err != nil {
				return err
			}
			var a deliveryArgs
			if json.Unmarshal(raw, &a) == nil && a.RunID == runID {
				ids = append(ids, id)
			}
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("next attempts: %w", err)
	}
	out := map[string]time.Time{}
	for _, id := range ids {
		job, err := s.b.jobGet(ctx, id)
		if err != nil {
			continue // worked and cleaned up meanwhile
		}
		var a deliveryArgs
		if err := json.Unmarshal(job.EncodedArgs, &a); err == nil {
			out[a.Recipient] = job.ScheduledAt.UTC()
		}
	}
	return out, nil
}
