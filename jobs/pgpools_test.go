package jobs

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestPgPools: on PostgreSQL the store's own statements and River's run on
// two pools, River's with asynchronous commits and ours with the server's
// synchronous ones (the sending mark depends on it); ours has a connection
// per worker and two more, River's at least 6, unless the URL sets
// pool_max_conns, which then applies to both (and does not reach the
// server as a parameter).
func TestPgPools(t *testing.T) {
	u := os.Getenv("CRMDIGEST_TEST_POSTGRES")
	if u == "" {
		t.Skip("CRMDIGEST_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	pools := func(s *Store) (ours, rivers *pgxpool.Pool) {
		b := s.b.(*riverBackend[pgx.Tx])
		return b.one.(pgPool).pool, s.riverPool
	}
	setting := func(p *pgxpool.Pool) string {
		var v string
		if err := p.QueryRow(ctx, "SHOW synchronous_commit").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	s, err := Open(ctx, u, Options{Deliverer: nopDeliverer{}, Workers: 9, Schema: pgSchema(t, u)})
	if err != nil {
		t.Fatal(err)
	}
	ours, rivers := pools(s)
	if got := ours.Config().MaxConns; got != 11 {
		t.Errorf("our pool: %d connections, want 11 (9 workers + 2)", got)
	}
	if got := rivers.Config().MaxConns; got < 6 {
		t.Errorf("River's pool: %d connections, want at least 6", got)
	}
	if got := setting(rivers); got != "off" {
		t.Errorf("River's pool: synchronous_commit %s, want off", got)
	}
	if got, want := setting(ours), serverSetting(t, u); got != want {
		t.Errorf("our pool: synchronous_commit %s, want the server's %s", got, want)
	}
	_ = s.Close()

	s, err = Open(ctx, u+"&pool_max_conns=3", Options{Deliverer: nopDeliverer{}, Workers: 9, Schema: pgSchema(t, u)})
	if err != nil {
		t.Fatalf("open with pool_max_conns: %v", err)
	}
	defer s.Close()
	ours, rivers = pools(s)
	if a, b := ours.Config().MaxConns, rivers.Config().MaxConns; a != 3 || b != 3 {
		t.Errorf("with pool_max_conns=3: %d and %d connections, want 3 and 3", a, b)
	}
}

func serverSetting(t *testing.T, u string) string {
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v string
	if err := conn.QueryRow(context.Background(), "SHOW synchronous_commit").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
