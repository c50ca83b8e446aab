package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

func openCached(t *testing.T) (*sql.DB, *sql.Conn) {
	t.Helper()
	c, err := newStmtCacheConnector("file:" + filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { _ = db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return db, conn
}

func cacheOf(t *testing.T, conn *sql.Conn) *stmtCacheConn {
	t.Helper()
	var c *stmtCacheConn
	if err := conn.Raw(func(dc any) error {
		c = dc.(*stmtCacheConn)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStmtCacheReuse: a statement run many times is prepared once, and
// still sees each call's arguments.
func TestStmtCacheReuse(t *testing.T) {
	ctx := context.Background()
	_, conn := openCached(t)
	if _, err := conn.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := conn.ExecContext(ctx, `INSERT INTO t (k, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	c := cacheOf(t, conn)
	first := c.byQuery[`INSERT INTO t (k, v) VALUES (?, ?)`]
	for i := range 20 {
		var v string
		if err := conn.QueryRowContext(ctx, `SELECT v FROM t WHERE k = ?`, i).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint("v", i); v != want {
			t.Fatalf("k=%d: got %q, want %q", i, v, want)
		}
	}
	if got := c.lru.Len(); got != 3 { // CREATE, INSERT, SELECT
		t.Errorf("cached %d statements, want 3", got)
	}
	if c.byQuery[`INSERT INTO t (k, v) VALUES (?, ?)`] != first || first == nil {
		t.Error("the INSERT was prepared again")
	}
}

// TestStmtCacheNested runs a query again while the rows of its first run
// are open: the second run must not reset the first one's statement.
func TestStmtCacheNested(t *testing.T) {
	ctx := context.Background()
	_, conn := openCached(t)
	if _, err := conn.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := conn.ExecContext(ctx, `INSERT INTO t (k) VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT k FROM t WHERE k >= ? ORDER BY k`
	rs, err := conn.QueryContext(ctx, q, 0)
	if err != nil {
		t.Fatal(err)
	}
	var outer []int
	for rs.Next() {
		var k int
		if err := rs.Scan(&k); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, k)
		var n int
		inner, err := conn.QueryContext(ctx, q, k)
		if err != nil {
			t.Fatal(err)
		}
		for inner.Next() {
			n++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		if n != 5-k {
			t.Errorf("inner query from %d: %d rows, want %d", k, n, 5-k)
		}
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(outer) != "[0 1 2 3 4]" {
		t.Errorf("outer rows %v, want [0 1 2 3 4]", outer)
	}
}

// TestStmtCacheEvicts: more distinct statements than the cache holds keep
// it at its bound, and the evicted ones still work when run again.
func TestStmtCacheEvicts(t *testing.T) {
	ctx := context.Background()
	_, conn := openCached(t)
	n := stmtCacheSize + 20
	for i := range n {
		var got int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + ?`, i), 1).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != i+1 {
			t.Fatalf("SELECT %d + 1 = %d", i, got)
		}
	}
	c := cacheOf(t, conn)
	if c.lru.Len() != stmtCacheSize || len(c.byQuery) != stmtCacheSize {
		t.Errorf("cache holds %d (%d in the map), want %d", c.lru.Len(), len(c.byQuery), stmtCacheSize)
	}
	if _, ok := c.byQuery[`SELECT 0 + ?`]; ok {
		t.Error("the least recently used statement is still cached")
	}
	var got int
	if err := conn.QueryRowContext(ctx, `SELECT 0 + ?`, 7).Scan(&got); err != nil || got != 7 {
		t.Errorf("evicted statement again: %d, %v", got, err)
	}
}
