package jobs

import (
	"context"
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

	// checking holds the runs whose run-over check is under way, and
	// whether another outcome was committed since it started (PostgreSQL).
	checking map[int64]bool
	checks   atomic.Int64 // run-over checks made by finish, for tests
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
		// docs/PERFORMANCE.md, delivery end to end). Each outcome is one
		// round trip, and the run-over checks are merged.
		if err := s.b.execAll(ctx, stmts); err != nil {
			return err
		}
		return s.finish(ctx, runID)
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
	var all []stmt
	for _, o := range group {
		all = append(all, o.stmts...)
	}
	err := s.b.execAll(ctx, all)
	if err != nil && len(group) > 1 {
		// One outcome's error must not fail the others': each alone.
		for _, o := range group {
			o.err = s.b.execAll(ctx, o.stmts)
		}
	} else {
		for _, o := range group {
			o.err = err
		}
	}
	// Is the run over? After the commit, on its own: inside the group's
	// transaction, two nodes (or a claim) committing at once on
	// PostgreSQL would each still see the other's recipient open, and
	// neither would finish the run.
	var runs, finished []int64
	for _, o := range group {
		if o.err == nil && !slices.Contains(runs, o.runID) {
			runs = append(runs, o.runID)
		}
	}
	for _, id := range runs {
		done, err := finishIfDone(ctx, s.b, s.now(), id)
		if err != nil {
			// The job is retried, finds its row recorded and checks again.
			for _, o := range group {
				if o.runID == id && o.err == nil {
					o.err = err
				}
			}
			continue
		}
		if done {
			finished = append(finished, id)
		}
	}
	return finished
}

// finish checks whether run id is over, once for every outcome committed
// while a check of the same run was already under way: the worker running
// that check runs it again before it returns, so the last commit is always
// seen, and its job, not completed until then, is retried by River if
// this process dies first. An outcome that leaves the check to another
// worker returns at once.
func (s *Store) finish(ctx context.Context, id int64) error {
	r := &s.rec
	r.mu.Lock()
	if again, ok := r.checking[id]; ok {
		if !again {
			r.checking[id] = true
		}
		r.mu.Unlock()
		return nil
	}
	if r.checking == nil {
		r.checking = map[int64]bool{}
	}
	r.checking[id] = false
	r.mu.Unlock()
	for {
		r.checks.Add(1)
		done, err := finishIfDone(ctx, s.b, s.now(), id)
		if done {
			s.notifyFinished(ctx, id)
		}
		r.mu.Lock()
		if err != nil || !r.checking[id] {
			delete(r.checking, id)
			r.mu.Unlock()
			return err
		}
		r.checking[id] = false
		r.mu.Unlock()
	}
}
