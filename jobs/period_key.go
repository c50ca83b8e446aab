package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/crmdigest/crmdigest/kpi"
)

// Older versions stored a period under the text typed on the command line,
// so `send --period 2026-w48` after the scheduled run of 2026-W48 found no
// ledger row and sent everyone a second copy. canonicalisePeriods rewrites
// the period keys of the ledger, the runs and the firings, and the args of
// queued jobs, to kpi.Period.Key. It runs at every Open (under the
// migration lock on PostgreSQL) and changes nothing once the keys are
// canonical. Options.ParsePeriod reads the old text: the store does not
// know the fiscal year, the configuration does.
//
// Two old keys may name one period ("2026-w48" and "2026-W48"): their
// ledger rows merge into one, keeping the most advanced state (sent, then
// sending, in doubt, failed, pending; the newer row on a tie) and adding up
// their attempts and doubts, so that a person who has the digest under
// either spelling is not sent it again.
func (s *Store) canonicalisePeriods(ctx context.Context) error {
	parse := s.opts.ParsePeriod
	if parse == nil {
		return nil
	}
	return s.b.inTx(ctx, func(tx dbtx) error {
		for _, table := range []string{"crmdigest_run", "crmdigest_firing", "crmdigest_ledger"} {
			olds, err := distinctPeriods(ctx, tx, table)
			if err != nil {
				return err
			}
			for _, old := range olds {
				p, err := parse(old)
				if err != nil {
					s.log.Warn("stored period left as it is: it does not read as a period", "table", table, "period", old, "error", err)
					continue
				}
				key := p.Key()
				if key == old {
					continue
				}
				if table == "crmdigest_ledger" {
					err = rekeyLedger(ctx, tx, old, key)
				} else {
					_, err = tx.exec(ctx, `UPDATE `+table+` SET period = ? WHERE period = ?`, key, old)
				}
				if err != nil {
					return fmt.Errorf("canonical period %q -> %q in %s: %w", old, key, table, err)
				}
				s.log.Info("stored period rewritten to its canonical key", "table", table, "from", old, "to", key)
			}
		}
		return s.canonicaliseJobArgs(ctx, tx, parse)
	})
}

func distinctPeriods(ctx context.Context, tx dbtx, table string) ([]string, error) {
	rs, err := tx.query(ctx, `SELECT DISTINCT period FROM `+table)
	if err != nil {
		return nil, fmt.Errorf("read periods of %s: %w", table, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var p string
		if err := rs.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rs.Err()
}

// stateRank orders ledger states by how far a delivery got: a merge keeps
// the row that got furthest.
func stateRank(state string) int {
	switch state {
	case StateSent:
		return 5
	case StateSending:
		return 4
	case StateInDoubt:
		return 3
	case StateFailed:
		return 2
	case StatePending:
		return 1
	}
	return 0
}

// rekeyLedger moves the ledger rows of period old to key, merging each
// with a row already under key.
func rekeyLedger(ctx context.Context, tx dbtx, old, key string) error {
	type row struct {
		schedule, recipient, state string
		attempts, doubts, resends  int64
		updated                    int64
	}
	read := func(where string, args ...any) ([]row, error) {
		rs, err := tx.query(ctx, `SELECT schedule, recipient, state, attempts, doubts, resends, updated_at
			FROM crmdigest_ledger WHERE `+where, args...)
		if err != nil {
			return nil, err
		}
		defer rs.Close()
		var out []row
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.schedule, &r.recipient, &r.state, &r.attempts, &r.doubts, &r.resends, &r.updated); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rs.Err()
	}
	olds, err := read(`period = ?`, old)
	if err != nil {
		return err
	}
	for _, o := range olds {
		cur, err := read(`schedule = ? AND recipient = ? AND period = ?`, o.schedule, o.recipient, key)
		if err != nil {
			return err
		}
		if len(cur) == 0 {
			if _, err := tx.exec(ctx, `UPDATE crmdigest_ledger SET period = ? WHERE schedule = ? AND recipient = ? AND period = ?`,
				key, o.schedule, o.recipient, old); err != nil {
				return err
			}
			continue
		}
		c := cur[0]
		keepOld := stateRank(o.state) > stateRank(c.state) || (stateRank(o.state) == stateRank(c.state) && o.updated > c.updated)
		win, lose, winKey, loseKey := c, o, key, old
		if keepOld {
			win, lose, winKey, loseKey = o, c, old, key
		}
		if _, err := tx.exec(ctx, `UPDATE crmdigest_ledger SET attempts = attempts + ?, doubts = doubts + ?,
			resends = CASE WHEN resends < ? THEN ? ELSE resends END, version = version + 1
			WHERE schedule = ? AND recipient = ? AND period = ?`,
			lose.attempts, lose.doubts, lose.resends, lose.resends, win.schedule, win.recipient, winKey); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM crmdigest_ledger WHERE schedule = ? AND recipient = ? AND period = ?`,
			lose.schedule, lose.recipient, loseKey); err != nil {
			return err
		}
		if keepOld {
			if _, err := tx.exec(ctx, `UPDATE crmdigest_ledger SET period = ? WHERE schedule = ? AND recipient = ? AND period = ?`,
				key, o.schedule, o.recipient, old); err != nil {
				return err
			}
		}
	}
	return nil
}

// canonicaliseJobArgs gives queued delivery and firing jobs their period
// value and canonical key: a job queued by an older version carries only
// the text.
func (s *Store) canonicaliseJobArgs(ctx context.Context, tx dbtx, parse func(string) (kpi.Period, error)) error {
	read, write := `json(args)`, `jsonb(?)`
	if s.postgres {
		read, write = `args::text`, `CAST(? AS jsonb)`
	}
	rs, err := tx.query(ctx, `SELECT id, `+read+` FROM river_job
		WHERE kind IN ('crmdigest_delivery', 'crmdigest_firing') AND state NOT IN ('completed', 'cancelled', 'discarded')`)
	if err != nil {
		return fmt.Errorf("read queued jobs: %w", err)
	}
	type job struct {
		id   int64
		args string
	}
	var jobs []job
	for rs.Next() {
		var j job
		if err := rs.Scan(&j.id, &j.args); err != nil {
			rs.Close()
			return err
		}
		jobs = append(jobs, j)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return err
	}
	for _, j := range jobs {
		var args map[string]json.RawMessage
		if err := json.Unmarshal([]byte(j.args), &args); err != nil {
			return fmt.Errorf("job %d args: %w", j.id, err)
		}
		if _, ok := args["period_value"]; ok {
			continue
		}
		var old string
		if err := json.Unmarshal(args["period"], &old); err != nil {
			return fmt.Errorf("job %d period: %w", j.id, err)
		}
		p, err := parse(old)
		if err != nil {
			s.log.Warn("queued job left as it is: its period does not read as one", "job", j.id, "period", old, "error", err)
			continue
		}
		args["period"], _ = json.Marshal(p.Key())
		args["period_value"], _ = json.Marshal(p)
		b, err := json.Marshal(args)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE river_job SET args = `+write+` WHERE id = ?`, string(b), j.id); err != nil {
			return fmt.Errorf("rewrite job %d: %w", j.id, err)
		}
	}
	return nil
}
