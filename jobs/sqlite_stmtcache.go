package jobs

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"sync"

	"modernc.org/sqlite"
)

// modernc.org/sqlite prepares (parses and plans) every query given to
// Exec or Query again, and neither database/sql nor River's riversqlite
// driver prepares statements. For the job engine that parsing was about
// 40 % of the CPU of a delivery (docs/PERFORMANCE.md, jobs): the same
// dozen statements (River's fetch and completion, the ledger's updates)
// run thousands of times. stmtCacheConn keeps each connection's prepared
// statements by their text, so that every query after the first only
// binds and steps. The store has one connection, so the cache is per
// store.

// stmtCacheSize bounds the statements kept per connection. River builds
// some statements with a varying number of placeholders, and migrations
// run once: the least recently used are closed.
const stmtCacheSize = 128

// stmtCacheConnector opens modernc connections (the driver registered as
// "sqlite") wrapped in a statement cache; hand it to sql.OpenDB.
type stmtCacheConnector struct{ driver.Connector }

func newStmtCacheConnector(dsn string) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return stmtCacheConnector{c}, nil
}

func (c stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newStmtCacheConn(conn)
}

// sqliteConn is what the cache needs of a modernc connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type stmtCacheConn struct {
	sqliteConn
	mu      sync.Mutex // database/sql uses a conn from one goroutine at a time; rows may close from another
	byQuery map[string]*list.Element
	lru     *list.List         // of *cachedStmt, most recent first
	hook    func(string, bool) // statementHook when the connection opened
}

type cachedStmt struct {
	query string
	stmt  interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy    bool // rows from it are open: a second use would reset them
	evicted bool // close it when its rows close
}

func newStmtCacheConn(c driver.Conn) (driver.Conn, error) {
	sc, ok := c.(sqliteConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("sqlite connection lacks a context method")
	}
	// Without it River's fetch is planned again at every call; the store
	// still works (sqlite_qpsg.go).
	_ = enableQPSG(c)
	return &stmtCacheConn{sqliteConn: sc, byQuery: map[string]*list.Element{}, lru: list.New(), hook: statementHook}, nil
}

// take returns the cached statement of query, preparing it if needed, and
// marks it busy; nil when it is busy already (a query run again while its
// rows are open), and the caller goes the uncached way.
func (c *stmtCacheConn) take(ctx context.Context, query string) (*cachedStmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byQuery[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		cs.busy = true
		return cs, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	full, ok := st.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		_ = st.Close()
		return nil, nil
	}
	cs := &cachedStmt{query: query, stmt: full, busy: true}
	c.byQuery[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		old := c.lru.Back()
		c.lru.Remove(old)
		o := old.Value.(*cachedStmt)
		delete(c.byQuery, o.query)
		if o.busy {
			o.evicted = true
		} else {
			_ = o.stmt.Close()
		}
	}
	return cs, nil
}

func (c *stmtCacheConn) release(cs *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.busy = false
	if cs.evicted {
		_ = cs.stmt.Close()
	}
}

func (c *stmtCacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.sqliteConn.BeginTx(ctx, opts)
	if h := c.hook; h != nil && err == nil {
		h("BEGIN", false)
		return tracedTx{Tx: tx, hook: h}, nil
	}
	return tx, err
}

func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.hook != nil {
		c.hook(query, false)
	}
	cs, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	defer c.release(cs)
	return cs.stmt.ExecContext(ctx, args)
}

func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.hook != nil {
		c.hook(query, false)
	}
	cs, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	r, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		c.release(cs)
		return nil, err
	}
	rel := func() { c.release(cs) }
	if fr, ok := r.(fullRows); ok {
		return &cachedFullRows{fullRows: fr, release: rel}, nil
	}
	return &cachedRows{Rows: r, release: rel}, nil
}

// Unwrap is the modernc connection, for sqlite.Limit and the like.
func (c *stmtCacheConn) Unwrap() driver.Conn { return c.sqliteConn }

// Close closes the cached statements, then the connection.
func (c *stmtCacheConn) Close() error {
	c.mu.Lock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	clear(c.byQuery)
	c.mu.Unlock()
	return c.sqliteConn.Close()
}

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	once    sync.Once
	release func()
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.release)
	return err
}

// fullRows is modernc's rows with its column type methods, which a plain
// driver.Rows wrapper would hide from sql.Rows.ColumnTypes.
type fullRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

type cachedFullRows struct {
	fullRows
	once    sync.Once
	release func()
}

func (r *cachedFullRows) Close() error {
	err := r.fullRows.Close()
	r.once.Do(r.release)
	return err
}
