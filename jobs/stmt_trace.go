package jobs

import (
	"context"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
)

// statementHook, when set (by tests, before Open), is told of every round
// trip the store's connections make, River's and ours (on SQLite, each
// call into the database): the SQL of a statement, "BEGIN" and "COMMIT" of
// a SQLite transaction, "-- batch" for a PostgreSQL batch, one round trip,
// and then each of its statements with batched true. It lets a test count the statements a delivery costs
// (TestStatementsPerDelivery); nil in production.
var statementHook func(q string, batched bool)

// pgTrace reports pgx's queries and batches to statementHook.
type pgTrace struct{ hook func(string, bool) }

func (t pgTrace) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	t.hook(d.SQL, false)
	return ctx
}
func (pgTrace) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (t pgTrace) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	t.hook("-- batch", false)
	return ctx
}
func (t pgTrace) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	t.hook(d.SQL, true)
}
func (pgTrace) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// tracedTx reports a SQLite transaction's commit to statementHook.
type tracedTx struct {
	driver.Tx
	hook func(string, bool)
}

func (t tracedTx) Commit() error {
	t.hook("COMMIT", false)
	return t.Tx.Commit()
}
