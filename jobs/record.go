package jobs

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// recorder commits the outcomes of deliveries (the ledger row going
// `sent`, `failed` or in doubt, and the run history) in groups on SQLite,
// whose one connection makes every commit wait for the others anyway
// (PostgreSQL: see record): whichever
// worker arrives while no commit is under way commits its own outcome and
// every outcome queued behind it in one transaction, and the others wait
// for that commit. A worker still returns to River only once its outcome
// is committed, so a crash never leaves a job completed whose ledger row
// says otherwise; what the group saves is the commits (one fsync for
// several deliveries) and the "is the run over" check, made once per run
// and group instead of once per delivery.
//
// The mark made before the end of DATA (markSending) is not grouped: it
// must be committed before the message can be accepted, one per message.
type recorder struct {
	mu      sync.Mutex
	queue   []*outcome
	doneCh  chan struct{} // closed when the queued group is committed
	leading bool          // a worker is committing groups
	groups  atomic.Int64  // groups committed, for tests

	checks atomic.Int64 // run-over checks made with an outcome (PostgreSQL), for tests
}

// wait returns the channel closed when the group now queued is
// committed. Call it with mu held.
func (r *recorder) wait() chan struct{} {
	if r.doneCh == nil {
		r.doneCh = make(chan struct{})
	}
	return r.doneCh
}

type outcome struct {
	runID int64
	stmts []stmt
	err   error
}

// stmt is one SQL statement (? placeholders) and its arguments.
type stmt struct {
	q    string
	args []any
}

// record runs stmts, which record a recipient's state in run runID, in one
// transaction (on SQLite shared with other workers' outcomes), and then
// finishes the run if no recipient is left open. It returns once they are
// committed. An outcome is a list of statements, not a function, so that
// PostgreSQL gets it in one round trip (backend.execAll).
func (s *Store) record(ctx context.Context, runID int64, stmts ...stmt) error {
	if s.postgres {
		// PostgreSQL commits concurrent transactions together by itself
		// (its WAL flush serves every commit waiting on it): queueing
		// outcomes behind one another here only added latency (measured:
		// docs/PERFORMANCE.md, delivery end to end). Each outcome and the
		// run-over check after its commit are one round trip.
		s.rec.checks.Add(1)
		n, err := s.b.execAllThen(ctx, stmts, finishStmt(s.now(), runID))
		if err != nil {
			return err
		}
		if n == 1 {
			s.notifyFinished(ctx, runID)
		}
		return nil
	}
	r := &s.rec
	o := &outcome{runID: runID, stmts: stmts}
	r.mu.Lock()
	r.queue = append(r.queue, o)
	if r.leading {
		// Wait for the leader's commit of our group: done is closed by it.
		done := r.wait()
		r.mu.Unlock()
		<-done
		return o.err
	}
	r.leading = true
	for len(r.queue) > 0 {
		group := r.queue
		r.queue = nil
		done := r.doneCh
		r.doneCh = nil
		r.mu.Unlock()
		finished := s.commitGroup(ctx, group)
		if done != nil {
			close(done)
		}
		for _, id := range finished {
			s.notifyFinished(ctx, id)
		}
		r.mu.Lock()
	}
	r.leading = false
	r.mu.Unlock()
	return o.err
}

// commitGroup writes a group of outcomes, sets each one's err, and returns
// the runs it finished.
func (s *Store) commitGroup(ctx context.Context, group []*outcome) []int64 {
	s.rec.groups.Add(1)
	finished, err := s.commitOutcomes(ctx, group)
	if err == nil || len(group) == 1 {
		for _, o := range group {
			o.err = err
		}
		return finished
	}
	// One outcome's error must not fail the others': each alone.
	finished = nil
	for _, o := range group {
		var f []int64
		f, o.err = s.commitOutcomes(ctx, []*outcome{o})
		for _, id := range f {
			if !slices.Contains(finished, id) {
				finished = append(finished, id)
			}
		}
	}
	return finished
}

// commitOutcomes runs the statements of a group of outcomes and then the
// run-over check of each of their runs, in one transaction (SQLite only),
// and returns the runs it finished. The check may go in the transaction
// here because SQLite's writers take turns: the transaction's first
// statement writes, so it holds the database's write lock from its start
// and reads what every writer, of this process or another, committed
// before; no outcome can be committing beside it unseen. On PostgreSQL two
// transactions committing at once would each still see the other's
// recipient open, and neither would finish the run: its check runs after
// the commit (record).
func (s *Store) commitOutcomes(ctx context.Context, group []*outcome) ([]int64, error) {
	var finished []int64
	now := s.now()
	err := s.b.inTx(ctx, func(tx dbtx) error {
		finished = finished[:0]
		var runs []int64
		for _, o := range group {
			for _, st := range o.stmts {
				if _, err := tx.exec(ctx, st.q, st.args...); err != nil {
					return err
				}
			}
			if !slices.Contains(runs, o.runID) {
				runs = append(runs, o.runID)
			}
		}
		for _, id := range runs {
			f := finishStmt(now, id)
			n, err := tx.exec(ctx, f.q, f.args...)
			if err != nil {
				return fmt.Errorf("finish run: %w", err)
			}
			if n == 1 {
				finished = append(finished, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return finished, nil
}
