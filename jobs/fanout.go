package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The fan-out of a run writes a few statements per chunk of recipients
// rather than four per recipient (run.go, fanOut).

// rowChunk is how many recipients one multi-row statement carries: 500
// rows of 6 values stay far below SQLite's limit of 32,766 parameters
// and PostgreSQL's 65,535. jobChunk is how many delivery jobs one River
// InsertManyTx inserts.
const (
	rowChunk = 500
	jobChunk = 1000
)

// runRecipient is a recipient's first row in the run history.
type runRecipient struct {
	recipient, state, note, messageID string
}

// pausesOf reads the pauses that concern a schedule at once: the schedule's
// own, and every person's. The answer says why a recipient is paused ("" if
// not), a person matched by address whatever its case, without a query
// per recipient.
func pausesOf(ctx context.Context, tx dbtx, schedule string) (func(string) string, error) {
	rs, err := tx.query(ctx, `SELECT scope, name, who FROM crmdigest_pause
		WHERE (scope = ? AND name = ?) OR scope = ?`, PauseSchedule, schedule, PausePerson)
	if err != nil {
		return nil, fmt.Errorf("read pauses: %w", err)
	}
	defer rs.Close()
	whole := ""
	people := map[string]string{}
	for rs.Next() {
		var scope, name, who string
		if err := rs.Scan(&scope, &name, &who); err != nil {
			return nil, fmt.Errorf("read pauses: %w", err)
		}
		why := fmt.Sprintf("%s paused by %s", scope, who)
		if scope == PauseSchedule {
			whole = why
		} else {
			people[strings.ToLower(name)] = why
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("read pauses: %w", err)
	}
	return func(recipient string) string {
		if whole != "" {
			return whole
		}
		if len(people) == 0 {
			return ""
		}
		return people[strings.ToLower(recipient)]
	}, nil
}

// ledgerRows reads the ledger rows of some recipients for one schedule and
// period, a chunk of recipients per query (the primary key finds each).
func ledgerRows(ctx context.Context, tx dbtx, schedule, period string, recipients []string) (map[string]ledgerRow, error) {
	out := make(map[string]ledgerRow)
	for c := range slices.Chunk(recipients, rowChunk) {
		q := `SELECT recipient, ` + ledgerCols + ` FROM crmdigest_ledger WHERE schedule = ? AND period = ? AND recipient IN (` +
			placeholders(len(c), 1) + `)`
		args := make([]any, 0, 2+len(c))
		args = append(args, schedule, period)
		for _, r := range c {
			args = append(args, r)
		}
		rs, err := tx.query(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("read ledger: %w", err)
		}
		for rs.Next() {
			var r string
			var l ledgerRow
			if err := rs.Scan(&r, &l.state, &l.attempts, &l.doubts, &l.resends, &l.forced,
				&l.runID, &l.jobID, &l.jobAttempt, &l.version, &l.lastError, &l.messageID); err != nil {
				rs.Close()
				return nil, fmt.Errorf("read ledger: %w", err)
			}
			out[r] = l
		}
		err = rs.Err()
		rs.Close()
		if err != nil {
			return nil, fmt.Errorf("read ledger: %w", err)
		}
	}
	return out, nil
}

// insertLedgers writes pending ledger rows for recipients that have none
// (ON CONFLICT keeps a row another node wrote meanwhile).
func insertLedgers(ctx context.Context, tx dbtx, now int64, schedule, period string, recipients []string) error {
	for c := range slices.Chunk(recipients, rowChunk) {
		args := make([]any, 0, 6*len(c))
		for _, r := range c {
			args = append(args, schedule, r, period, StatePending, now, now)
		}
		_, err := tx.exec(ctx, `INSERT INTO crmdigest_ledger (schedule, recipient, period, state, created_at, updated_at)
			VALUES `+placeholders(len(c), 6)+` ON CONFLICT (schedule, recipient, period) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("insert ledger rows: %w", err)
		}
	}
	return nil
}

// insertRunRecipients writes a run's recipients, a chunk per statement.
func insertRunRecipients(ctx context.Context, tx dbtx, now, runID int64, rs []runRecipient) error {
	for c := range slices.Chunk(rs, rowChunk) {
		args := make([]any, 0, 6*len(c))
		for _, r := range c {
			args = append(args, runID, r.recipient, r.state, r.note, r.messageID, now)
		}
		_, err := tx.exec(ctx, `INSERT INTO crmdigest_run_recipient (run_id, recipient, state, last_error, message_id, updated_at)
			VALUES `+placeholders(len(c), 6), args...)
		if err != nil {
			return fmt.Errorf("insert run recipients: %w", err)
		}
	}
	return nil
}

// placeholders is n groups of width question marks: "(?, ?), (?, ?)"
// for n = 2 and width 2, or "?, ?, ?" for width 1 (an IN list).
func placeholders(n, width int) string {
	one := strings.Repeat("?, ", width)
	one = one[:len(one)-2]
	if width == 1 {
		return strings.Repeat("?, ", n)[:3*n-2]
	}
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + one + ")")
	}
	return b.String()
}
