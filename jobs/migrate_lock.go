package jobs

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// lockMigrations takes a PostgreSQL session advisory lock for the schema
// before anything is created or migrated in it, and returns its release.
// Without it, two nodes starting together on a fresh schema both run
// River's migrations, and the second fails half-way (version 006 drops an
// index the first has already dropped). The lock lives on its own
// connection, so a process that dies while holding it releases it with
// its connection; the others wait for it in turn and find the schema
// migrated. The key is derived from the schema, so tests with a schema
// each do not wait on one another.
func lockMigrations(ctx context.Context, storeURL, schema string) (release func(), err error) {
	// Parsed as the pools parse it, so that pool settings in the URL
	// (pool_max_conns) are not sent to the server as parameters.
	pcfg, err := pgxpool.ParseConfig(storeURL)
	if err != nil {
		return nil, fmt.Errorf("parse store url: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, pcfg.ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("connect store: %w", err)
	}
	key := migrationLockKey(schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	return func() {
		ctx := context.WithoutCancel(ctx)
		_, _ = conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key)
		_ = conn.Close(ctx)
	}, nil
}

// migrationLockKey is the advisory lock's key for a schema ("" is the
// connection's default search path).
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("crmdigest migrations\x00" + schema))
	return int64(h.Sum64())
}
