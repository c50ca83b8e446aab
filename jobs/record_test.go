package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestCommitGroupFailsAlone: when one outcome of a group fails, the group's
// transaction rolls back, and the other outcomes are still committed, each
// on its own, with no error.
func TestCommitGroupFailsAlone(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		s := openStore(t, bc, testOptions(bc, nopDeliverer{}))
		if _, err := s.b.exec(ctx, `CREATE TABLE group_test (k INTEGER PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		bad := errors.New("bad outcome")
		insert := func(k int) func(tx dbtx) error {
			return func(tx dbtx) error {
				_, err := tx.exec(ctx, `INSERT INTO group_test (k) VALUES (?)`, k)
				return err
			}
		}
		group := []*outcome{
			{runID: 1, fn: insert(1)},
			{runID: 1, fn: func(dbtx) error { return bad }},
			{runID: 1, fn: insert(3)},
		}
		s.commitGroup(ctx, group)
		if group[0].err != nil || group[2].err != nil || !errors.Is(group[1].err, bad) {
			t.Fatalf("errors %v, %v, %v: want nil, %v, nil", group[0].err, group[1].err, group[2].err, bad)
		}
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
		if fmt.Sprint(got) != "[1 3]" {
			t.Errorf("rows %v, want [1 3]", got)
		}
	})
}

// TestRecordTxConcurrent: outcomes recorded from many goroutines at once
// are all committed before recordTx returns, and the ones that arrive
// while a commit is under way share the next one.
func TestRecordTxConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		s := openStore(t, bc, testOptions(bc, nopDeliverer{}))
		if _, err := s.b.exec(ctx, `CREATE TABLE group_test (k INTEGER PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		const n = 200
		var wg sync.WaitGroup
		var mu sync.Mutex
		txs := map[any]bool{} // the transactions the outcomes were written in
		for k := range n {
			wg.Go(func() {
				err := s.recordTx(ctx, 1, func(tx dbtx) error {
					mu.Lock()
					switch v := tx.(type) {
					case sqlTx:
						txs[v.tx] = true
					case pgTx:
						txs[v.tx] = true
					}
					mu.Unlock()
					_, err := tx.exec(ctx, `INSERT INTO group_test (k) VALUES (?)`, k)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				// Committed: visible outside any transaction.
				var one int
				if err := s.b.queryRow(ctx, `SELECT 1 FROM group_test WHERE k = ?`, k).Scan(&one); err != nil {
					t.Errorf("row %d not committed when recordTx returned: %v", k, err)
				}
			})
		}
		wg.Wait()
		if len(txs) >= n {
			t.Errorf("%d outcomes in %d transactions: none shared a commit", n, len(txs))
		}
		t.Logf("%d outcomes in %d transactions", n, len(txs))
		var count int
		if err := s.b.queryRow(ctx, `SELECT COUNT(*) FROM group_test`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != n {
			t.Errorf("%d rows, want %d", count, n)
		}
	})
}
