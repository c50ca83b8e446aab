package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The store runs one code path over two River drivers. River's client is
// generic over the driver's transaction type (*sql.Tx for SQLite, pgx.Tx for
// PostgreSQL); the ledger and run history need their SQL in the same
// transaction as River's inserts, so both are hidden behind these two small
// interfaces and everything above them is written once.

// backend is the River client and its database, whatever the driver.
type backend interface {
	inTx(ctx context.Context, fn func(tx dbtx) error) error
	// exec and queryRow run one statement on its own (autocommit): a
	// statement that is a transaction by itself spares BEGIN and COMMIT,
	// three round trips to PostgreSQL instead of one.
	exec(ctx context.Context, query string, args ...any) (int64, error)
	queryRow(ctx context.Context, query string, args ...any) row
	// execAll runs statements in one transaction; on PostgreSQL they go
	// in one round trip (a pipeline with one Sync is one implicit
	// transaction), instead of BEGIN, each statement, and COMMIT.
	execAll(ctx context.Context, stmts []stmt) error
	// execAllThen runs stmts in one transaction and, once it is
	// committed, then on its own, and returns the rows then changed; on
	// PostgreSQL in one round trip (BEGIN, stmts, COMMIT, then, in one
	// pipeline): then sees the commit, as a statement sent after it would.
	// It is for outcomes (record): on PostgreSQL the commit does not wait
	// for the WAL flush (see pgPool.execAllThen).
	execAllThen(ctx context.Context, stmts []stmt, then stmt) (int64, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	jobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	close()
}

// dbtx is one transaction: our own SQL (written with ? placeholders) and
// River inserts that commit or roll back together.
type dbtx interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rows, error)
	queryRow(ctx context.Context, query string, args ...any) row
	insertJobs(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	// insertJobsFast inserts without reading the rows back (River's
	// InsertManyFastTx): the fan-out needs no job ids.
	insertJobsFast(ctx context.Context, params []river.InsertManyParams) (int, error)
}

type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

type row interface {
	Scan(dest ...any) error
}

// riverBackend implements backend for one driver.
type riverBackend[TTx any] struct {
	client *river.Client[TTx]
	begin  func(ctx context.Context) (TTx, error)
	commit func(ctx context.Context, tx TTx) error
	undo   func(ctx context.Context, tx TTx) error
	wrap   func(tx TTx, client *river.Client[TTx]) dbtx
	one    oneStatement
	all    func(ctx context.Context, stmts []stmt) error
	then   func(ctx context.Context, stmts []stmt, then stmt) (int64, error)
	closer func()
}

// oneStatement runs statements outside any transaction.
type oneStatement interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	queryRow(ctx context.Context, query string, args ...any) row
}

func (b *riverBackend[TTx]) inTx(ctx context.Context, fn func(tx dbtx) error) error {
	tx, err := b.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(b.wrap(tx, b.client)); err != nil {
		// A rollback error adds nothing to the error that caused it.
		_ = b.undo(context.WithoutCancel(ctx), tx)
		return err
	}
	if err := b.commit(ctx, tx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (b *riverBackend[TTx]) exec(ctx context.Context, q string, args ...any) (int64, error) {
	return b.one.exec(ctx, q, args...)
}

func (b *riverBackend[TTx]) queryRow(ctx context.Context, q string, args ...any) row {
	return b.one.queryRow(ctx, q, args...)
}

func (b *riverBackend[TTx]) execAll(ctx context.Context, stmts []stmt) error {
	if b.all != nil {
		return b.all(ctx, stmts)
	}
	return b.inTx(ctx, func(tx dbtx) error {
		for _, st := range stmts {
			if _, err := tx.exec(ctx, st.q, st.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *riverBackend[TTx]) execAllThen(ctx context.Context, stmts []stmt, then stmt) (int64, error) {
	if b.then != nil {
		return b.then(ctx, stmts, then)
	}
	if err := b.execAll(ctx, stmts); err != nil {
		return 0, err
	}
	return b.exec(ctx, then.q, then.args...)
}

func (b *riverBackend[TTx]) start(ctx context.Context) error { return b.client.Start(ctx) }
func (b *riverBackend[TTx]) stop(ctx context.Context) error  { return b.client.Stop(ctx) }
func (b *riverBackend[TTx]) stopAndCancel(ctx context.Context) error {
	return b.client.StopAndCancel(ctx)
}
func (b *riverBackend[TTx]) jobGet(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return b.client.JobGet(ctx, id)
}
func (b *riverBackend[TTx]) close() { b.closer() }

// sqlTx is a database/sql transaction (SQLite).
type sqlTx struct {
	tx     *sql.Tx
	client *river.Client[*sql.Tx]
}

func (t sqlTx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqlTx) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (t sqlTx) queryRow(ctx context.Context, q string, args ...any) row {
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t sqlTx) insertJobs(ctx context.Context, p []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return t.client.InsertManyTx(ctx, t.tx, p)
}

func (t sqlTx) insertJobsFast(ctx context.Context, p []river.InsertManyParams) (int, error) {
	return t.client.InsertManyFastTx(ctx, t.tx, p)
}

// sqlDB runs single statements on the SQLite database.
type sqlDB struct{ db *sql.DB }

func (d sqlDB) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := d.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d sqlDB) queryRow(ctx context.Context, q string, args ...any) row {
	return d.db.QueryRowContext(ctx, q, args...)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// pgTx is a pgx transaction (PostgreSQL). Queries are written with ?
// placeholders and numbered here.
type pgTx struct {
	tx     pgx.Tx
	client *river.Client[pgx.Tx]
}

func (t pgTx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, numbered(q), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (t pgTx) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := t.tx.Query(ctx, numbered(q), args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (t pgTx) queryRow(ctx context.Context, q string, args ...any) row {
	return pgRow{t.tx.QueryRow(ctx, numbered(q), args...)}
}

func (t pgTx) insertJobs(ctx context.Context, p []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return t.client.InsertManyTx(ctx, t.tx, p)
}

func (t pgTx) insertJobsFast(ctx context.Context, p []river.InsertManyParams) (int, error) {
	return t.client.InsertManyFastTx(ctx, t.tx, p)
}

// pgPool runs single statements on the PostgreSQL pool.
type pgPool struct{ pool *pgxpool.Pool }

func (p pgPool) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := p.pool.Exec(ctx, numbered(q), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (p pgPool) queryRow(ctx context.Context, q string, args ...any) row {
	return pgRow{p.pool.QueryRow(ctx, numbered(q), args...)}
}

// execAll sends stmts as one batch: pgx queues them behind a single Sync,
// which PostgreSQL runs as one implicit transaction, all or nothing.
func (p pgPool) execAll(ctx context.Context, stmts []stmt) error {
	var b pgx.Batch
	for _, st := range stmts {
		b.Queue(numbered(st.q), st.args...)
	}
	br := p.pool.SendBatch(ctx, &b)
	for range stmts {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return err
		}
	}
	return br.Close()
}

// execAllThen sends BEGIN, stmts, COMMIT and then as one batch (one
// round trip, one Sync): stmts commit together in the explicit
// transaction, and then runs after the commit in a transaction of its own,
// seeing it. An error anywhere makes the server skip the rest; a
// transaction left open by it is rolled back before the connection goes
// back to the pool.
//
// The transaction commits with synchronous_commit off: visible to every
// session at once, made durable by the server's WAL writer within
// wal_writer_delay (200 ms by default) or by the next synchronous commit,
// whichever comes first, instead of each outcome waiting for its own WAL
// flush. A crash of this process loses nothing (the commit is the
// server's); a crash of the server can lose the outcomes of the last
// moments, and with them everything committed after them, River's
// completion of those jobs included (the WAL is replayed in order): the
// jobs run again and find their rows as the synchronous `sending` mark
// left them, in doubt, never sent twice unseen. The mark itself is never
// relaxed (markSending).
func (p pgPool) execAllThen(ctx context.Context, stmts []stmt, then stmt) (int64, error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	var b pgx.Batch
	b.Queue("BEGIN")
	b.Queue("SET LOCAL synchronous_commit TO off")
	for _, st := range stmts {
		b.Queue(numbered(st.q), st.args...)
	}
	b.Queue("COMMIT")
	b.Queue(numbered(then.q), then.args...)
	br := conn.SendBatch(ctx, &b)
	var n int64
	for i := range b.Len() {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			if conn.Conn().PgConn().TxStatus() != 'I' {
				_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
			}
			return 0, err
		}
		if i == b.Len()-1 {
			n = tag.RowsAffected()
		}
	}
	return n, br.Close()
}

// pgRow maps pgx's "no rows" onto database/sql's so callers test one error.
type pgRow struct{ pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

// numbered rewrites ? placeholders as $1, $2, ... Our queries hold no
// literal question marks.
func numbered(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func newSQLiteBackend(db *sql.DB, client *river.Client[*sql.Tx]) *riverBackend[*sql.Tx] {
	return &riverBackend[*sql.Tx]{
		client: client,
		begin:  func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
		commit: func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
		undo:   func(_ context.Context, tx *sql.Tx) error { return tx.Rollback() },
		wrap: func(tx *sql.Tx, c *river.Client[*sql.Tx]) dbtx {
			return sqlTx{tx: tx, client: c}
		},
		one:    sqlDB{db},
		closer: func() { _ = db.Close() },
	}
}

func newPgBackend(pool *pgxpool.Pool, client *river.Client[pgx.Tx], closer func()) *riverBackend[pgx.Tx] {
	return &riverBackend[pgx.Tx]{
		client: client,
		begin:  func(ctx context.Context) (pgx.Tx, error) { return pool.Begin(ctx) },
		commit: func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
		undo:   func(ctx context.Context, tx pgx.Tx) error { return tx.Rollback(ctx) },
		wrap: func(tx pgx.Tx, c *river.Client[pgx.Tx]) dbtx {
			return pgTx{tx: tx, client: c}
		},
		one:    pgPool{pool},
		all:    pgPool{pool}.execAll,
		then:   pgPool{pool}.execAllThen,
		closer: closer,
	}
}
