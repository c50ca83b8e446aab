package jobs

import (
	"context"
	"errors"
	"fmt"
	"github.com/crmdigest/crmdigest/kpi"
)

// ErrNotInDoubt is returned by MarkDelivered for a delivery that is not in
// doubt: only an in-doubt message can be declared delivered by hand.
var ErrNotInDoubt = errors.New("delivery is not in doubt")

// MarkDelivered resolves an in-doubt delivery as delivered, on the word of
// who (they checked the recipient's mailbox, say): the ledger says sent, so
// no later run sends it again, and run runID (if not 0) shows it sent.
func (s *Store) MarkDelivered(ctx context.Context, schedule, recipient, period, who string, runID int64) error {
	if who == "" {
		return errors.New("mark delivered: who is required")
	}
	now := s.now()
	err := s.b.inTx(ctx, func(tx dbtx) error {
		note := "marked delivered by " + who
		n, err := tx.exec(ctx, `UPDATE crmdigest_ledger SET state = ?, last_error = ?, sent_at = ?, updated_at = ?,
			version = version + 1 WHERE schedule = ? AND recipient = ? AND period = ? AND state = ?`,
			StateSent, note, now, now, schedule, recipient, period, StateInDoubt)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotInDoubt
		}
		if runID != 0 {
			if _, err := tx.exec(ctx, `UPDATE crmdigest_run_recipient SET state = ?, last_error = ?, updated_at = ?
				WHERE run_id = ? AND recipient = ? AND state = ?`, StateSent, note, now, runID, recipient, StateInDoubt); err != nil {
				return err
			}
		}
		return insertAction(ctx, tx, now, Action{Who: who, Action: "mark-delivered",
			Schedule: schedule, Recipient: recipient, Period: period, RunID: runID})
	})
	if err != nil {
		return fmt.Errorf("mark delivered: %w", err)
	}
	return nil
}

// ResendSpec is a console action that sends one person's digest again.
type ResendSpec struct {
	Schedule, Recipient string
	Period              kpi.Period
	Who                 string
	Action              string // recorded in the audit log: "resend" or "resolve-resend"
	FromRun             int64  // the run it was taken from, 0 if none
	DataFiles           []string
}

// Resend starts a one-recipient forced run, as `send --force --only`
// would, and records the action in the same transaction. The delivery
// is a job: it runs on whichever node works jobs, not in the caller.
func (s *Store) Resend(ctx context.Context, r ResendSpec) (int64, error) {
	if r.Who == "" || r.Action == "" || r.Schedule == "" || r.Recipient == "" || r.Period.Kind == 0 {
		return 0, errors.New("resend: schedule, recipient, period, who and action are required")
	}
	var id int64
	var finished bool
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		id, finished, err = s.fanOut(ctx, tx, RunSpec{Schedule: r.Schedule, Period: r.Period,
			Recipients: []string{r.Recipient}, DataFiles: r.DataFiles, Force: true})
		if err != nil {
			return err
		}
		return insertAction(ctx, tx, s.now(), Action{Who: r.Who, Action: r.Action, Schedule: r.Schedule,
			Recipient: r.Recipient, Period: r.Period.Key(), RunID: r.FromRun, NewRun: id})
	})
	if err != nil {
		return 0, fmt.Errorf("resend: %w", err)
	}
	if finished {
		s.notifyFinished(ctx, id)
	}
	return id, nil
}
