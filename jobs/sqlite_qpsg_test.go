package jobs

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"path/filepath"
	"testing"
)

// TestSQLiteQPSG: the store's SQLite connection has the query planner
// stability guarantee on, so that River's fetch is not planned again at
// every call (sqlite_qpsg.go). It fails if a new modernc.org/sqlite no
// longer lets enableQPSG reach the connection's handle.
func TestSQLiteQPSG(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "jobs.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.b.(*riverBackend[*sql.Tx]).one.(sqlDB).db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stmtCacheConn)
		if !ok {
			return errors.New("not a statement cache connection")
		}
		on, err := qpsgEnabled(sc.sqliteConn)
		if err != nil {
			return err
		}
		if !on {
			return errors.New("QPSG is off")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Something that is not modernc's connection is refused, not read.
	var notConn driver.Conn = &stmtCacheConn{}
	if enableQPSG(notConn) == nil {
		t.Error("enableQPSG accepted a connection without a SQLite handle")
	}
}
