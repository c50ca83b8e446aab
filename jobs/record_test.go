package jobs

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

func groupTestRows(t *testing.T, s *Store) []int {
	t.Helper()
	ctx := context.Background()
	var got []int
	err := s.b.inTx(ctx, func(tx dbtx) error {
		rs, err := tx.query(ctx, `SELECT k FROM group_test ORDER BY k`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var k int
			if err := rs.Scan(&k); err != nil {
				return err
			}
			got = append(got, k)
		}
		return rs.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestCommitGroupFailsAlone: when one outcome of a group fails, the group's
// transaction rolls back, and the other outcomes are still committed, each
// on its own, with no error; the failed outcome leaves nothing behind,
// not even its statements that succeeded.
func TestCommitGroupFailsAlone(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		s := openStore(t, bc, testOptions(bc, nopDeliverer{}))
		if _, err := s.b.exec(ctx, `CREATE TABLE group_test (k INTEGER PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		insert := func(k int) stmt { return stmt{q: `INSERT INTO group_test (k) VALUES (?)`, args: []any{k}} }
		group := []*outcome{
			{runID: 1, stmts: []stmt{insert(1)}},
			{runID: 1, stmts: []stmt{insert(2), {q: `INSERT INTO no_such_table (k) VALUES (?)`, args: []any{2}}}},
			{runID: 1, stmts: []stmt{insert(3)}},
		}
		s.commitGroup(ctx, group)
		if group[0].err != nil || group[1].err == nil || group[2].err != nil {
			t.Fatalf("errors %v, %v, %v: want nil, an error, nil", group[0].err, group[1].err, group[2].err)
		}
		if got := groupTestRows(t, s); fmt.Sprint(got) != "[1 3]" {
			t.Errorf("rows %v, want [1 3]", got)
		}
	})
}

// TestRecordConcurrent: outcomes recorded from many goroutines at once are
// all committed before record returns; on SQLite, outcomes that arrive
// while a commit is under way share the next one, and on PostgreSQL each
// outcome is committed with its own run-over check.
func TestRecordConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		s := openStore(t, bc, testOptions(bc, nopDeliverer{}))
		if _, err := s.b.exec(ctx, `CREATE TABLE group_test (k INTEGER PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		const n = 200
		var wg sync.WaitGroup
		for k := range n {
			wg.Go(func() {
				if err := s.record(ctx, 1, stmt{q: `INSERT INTO group_test (k) VALUES (?)`, args: []any{k}}); err != nil {
					t.Error(err)
					return
				}
				// Committed: visible outside any transaction.
				var one int
				if err := s.b.queryRow(ctx, `SELECT 1 FROM group_test WHERE k = ?`, k).Scan(&one); err != nil {
					t.Errorf("row %d not committed when record returned: %v", k, err)
				}
			})
		}
		wg.Wait()
		if got := groupTestRows(t, s); len(got) != n {
			t.Errorf("%d rows, want %d", len(got), n)
		}
		if s.postgres {
			// Each outcome commits on its own, its check in its round trip.
			checks := s.rec.checks.Load()
			if checks != n {
				t.Errorf("%d outcomes made %d run-over checks, want %d", n, checks, n)
			}
			t.Logf("%d outcomes, %d run-over checks", n, checks)
			return
		}
		groups := s.rec.groups.Load()
		if groups >= n {
			t.Errorf("%d outcomes in %d groups: none shared a commit", n, groups)
		}
		t.Logf("%d outcomes in %d groups", n, groups)
	})
}
