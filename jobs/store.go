// Package jobs is crmdigest's job engine and its memory: River jobs that
// deliver one digest per recipient, a delivery ledger that decides whether a
// person already has their digest for a period, the firings of schedules,
// and the run history that `crmdigest status` shows.
//
// The store is a SQLite file by default (River's riversqlite driver on
// modernc.org/sqlite, WAL, one open connection) or a PostgreSQL database for
// several nodes (riverpgxv5). Both go through the same code.
//
// The package does not render or send anything itself: a Deliverer and a
// Planner, declared here and implemented by the caller, do that.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/crmdigest/crmdigest/internal/clock"
	"github.com/crmdigest/crmdigest/kpi"
)

// InDoubtPolicy says what to do with a message whose sending was interrupted
// between the SMTP DATA command and the server's reply: it may or may not
// have been delivered.
type InDoubtPolicy string

const (
	// InDoubtHold leaves the message in doubt and lists it in Status; an
	// administrator decides (a forced run resends it).
	InDoubtHold InDoubtPolicy = "hold"
	// InDoubtResend sends it again, accepting a possible duplicate, which
	// Status still lists.
	InDoubtResend InDoubtPolicy = "resend"
)

// Options configure a Store. The zero value is usable for a store that only
// enqueues and reports; working jobs needs a Deliverer (and a Planner for
// firings).
type Options struct {
	Logger *slog.Logger

	// Deliverer sends one digest; Planner lists a firing's recipients.
	Deliverer Deliverer
	Planner   Planner

	// Workers is River's MaxWorkers for the delivery queue (default 4).
	// SMTP concurrency and rate limits belong to the Deliverer.
	Workers int

	// InDoubt is the policy for interrupted sends (default InDoubtHold).
	InDoubt InDoubtPolicy

	// MaxAttempts bounds the attempts at one delivery (default 10).
	// RetryBase and RetryMax shape the exponential backoff with jitter
	// between them (defaults 30s and 30m).
	MaxAttempts int
	RetryBase   time.Duration
	RetryMax    time.Duration

	// JobTimeout bounds one delivery attempt (default 2m). RescueAfter is
	// how long a job may stay running before it is taken for stuck, as after
	// a crash (default 5m, River's default is an hour). It must be at least
	// JobTimeout.
	JobTimeout  time.Duration
	RescueAfter time.Duration

	// PollInterval is how often idle workers look for jobs (default 1s).
	// SQLite has no LISTEN/NOTIFY, so it is also the latency of a new job
	// inserted by another process.
	PollInterval time.Duration

	// DisableLeaderElection makes this client a pure worker: it never runs
	// River's maintenance (retry scheduling, stuck-job rescue, cleanup).
	// Only set it when a daemon that elects shares the store; a lone `send`
	// must elect, or its retries would never be scheduled. The store never
	// registers River periodic jobs, so no client fires schedules by itself.
	DisableLeaderElection bool

	// MustExist makes Open fail with ErrNoStore instead of creating a
	// SQLite store that is not there, for read-only commands (status). A
	// PostgreSQL store's tables are created as usual: its server exists.
	MustExist bool

	// Schema is a PostgreSQL schema for all tables (created if missing);
	// tests use one per test. Ignored for SQLite.
	Schema string

	// OnRunFinished is called once when every recipient of a run has a final
	// state. RunSummary.NeedsAttention tells whether the administrator should
	// hear about it. It runs on a worker goroutine: keep it short.
	OnRunFinished func(context.Context, RunSummary)

	// ParsePeriod reads a period id stored by an older crmdigest, so that
	// Open can rewrite it to its canonical key (period_key.go). The
	// command line passes kpi.ParsePeriod with the configured fiscal year;
	// nil leaves stored keys as they are.
	ParsePeriod func(id string) (kpi.Period, error)

	// Now is the clock (default clock.Now).
	Now func() time.Time
}

func (o *Options) setDefaults() {
	o.Logger = cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	o.Workers = cmp.Or(o.Workers, 4)
	o.InDoubt = cmp.Or(o.InDoubt, InDoubtHold)
	o.MaxAttempts = cmp.Or(o.MaxAttempts, 10)
	o.RetryBase = cmp.Or(o.RetryBase, 30*time.Second)
	o.RetryMax = cmp.Or(o.RetryMax, 30*time.Minute)
	o.JobTimeout = cmp.Or(o.JobTimeout, 2*time.Minute)
	o.RescueAfter = cmp.Or(o.RescueAfter, 5*time.Minute)
	o.PollInterval = cmp.Or(o.PollInterval, time.Second)
	if o.Now == nil {
		o.Now = clock.Now
	}
}

func (o *Options) validate() error {
	switch o.InDoubt {
	case InDoubtHold, InDoubtResend:
	default:
		return fmt.Errorf("in-doubt policy %q: want %q or %q", o.InDoubt, InDoubtHold, InDoubtResend)
	}
	if o.RescueAfter < o.JobTimeout {
		return fmt.Errorf("rescue after %s is shorter than job timeout %s", o.RescueAfter, o.JobTimeout)
	}
	if o.RetryMax < o.RetryBase {
		return fmt.Errorf("retry max %s is shorter than retry base %s", o.RetryMax, o.RetryBase)
	}
	return nil
}

// Store is the job engine and its tables. Open it, Start it to work jobs,
// Stop it with a deadline, Close it.
type Store struct {
	opts     Options
	log      *slog.Logger
	b        backend
	postgres bool
	started  bool
	lock     *storeLock // SQLite only
	rec      recorder   // groups the outcomes' commits (record.go)

	riverPool *pgxpool.Pool // River's own pool on PostgreSQL (pgPools)
}

// ErrNoStore is Open's error when Options.MustExist is set and the SQLite
// file is not there.
var ErrNoStore = errors.New("no store")

// Open opens the store named by storeURL, runs River's migrations and
// creates crmdigest's tables. storeURL is a file path, sqlite://PATH, or a
// postgres:// (postgresql://) URL. A new SQLite file is created 0600 in a
// directory created 0700. Open does not start working jobs: see Start.
func Open(ctx context.Context, storeURL string, opts Options) (*Store, error) {
	opts.setDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	s := &Store{opts: opts, log: opts.Logger}
	var err error
	if strings.HasPrefix(storeURL, "postgres://") || strings.HasPrefix(storeURL, "postgresql://") {
		s.postgres = true
		// River's migrations and ours run under one lock (migrate_lock.go).
		release, lerr := lockMigrations(ctx, storeURL, opts.Schema)
		if lerr != nil {
			return nil, lerr
		}
		defer release()
		err = s.openPostgres(ctx, storeURL)
	} else {
		path := sqlitePath(storeURL)
		if _, serr := os.Stat(path); opts.MustExist && errors.Is(serr, os.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s", ErrNoStore, path)
		}
		err = s.openSQLite(ctx, path)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.b.close()
		return nil, err
	}
	if err := s.canonicalisePeriods(ctx); err != nil {
		s.b.close()
		return nil, err
	}
	return s, nil
}

// sqlitePath strips an optional sqlite:// or sqlite: scheme.
func sqlitePath(u string) string {
	for _, p := range []string{"sqlite://", "sqlite:"} {
		if rest, ok := strings.CutPrefix(u, p); ok {
			return rest
		}
	}
	return u
}

func (s *Store) openSQLite(ctx context.Context, path string) error {
	if path == "" {
		return errors.New("open store: empty path")
	}
	// The store holds people's figures: owner only. MkdirAll and OpenFile
	// only apply these modes to what they create.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create store directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create store file: %w", err)
	}
	_ = f.Close()
	lock, alone, err := lockStore(path)
	if err != nil {
		return err
	}
	if err := s.openSQLiteLocked(ctx, path, alone); err != nil {
		lock.release()
		return err
	}
	s.lock = lock
	if alone {
		return lock.share()
	}
	return nil
}

func (s *Store) openSQLiteLocked(ctx context.Context, path string, alone bool) error {
	// SQLite creates the -wal and -shm files with the database file's mode.
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	// NORMAL, not FULL: in WAL mode a committed transaction survives any
	// crash of the process (SIGKILL, panic, OOM), which the crash tests
	// exercise; only a power cut or a kernel crash can lose the last
	// commits (never corrupt the file). FULL fsyncs every commit and
	// halved the delivery rate here (docs/PERFORMANCE.md, jobs).
	q.Add("_pragma", "synchronous(NORMAL)")
	// Every transaction takes the write lock at BEGIN. A deferred one that
	// reads and then writes, while another process (a second node, `send`
	// beside the daemon) has written since its read, gets SQLITE_BUSY at
	// once: busy_timeout cannot wait for a snapshot that is already stale.
	// The firing job then planned a second time (TestFiringOnceAcrossNodes,
	// about 1 run in 30 under -race). Each process has one connection, so
	// nothing of its own waits for the lock.
	q.Add("_txlock", "immediate")
	// The connection keeps its prepared statements (sqlite_stmtcache.go).
	conn, err := newStmtCacheConnector("file:" + path + "?" + q.Encode())
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	db := sql.OpenDB(conn)
	// River does concurrent work that SQLite answers with SQLITE_BUSY unless
	// there is one connection; River's own SQLite tests do the same.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return fmt.Errorf("open store %s: %w", path, err)
	}
	driver := riversqlite.New(db)
	if err := migrateRiver(ctx, driver, "", s.log); err != nil {
		_ = db.Close()
		return err
	}
	if alone {
		if err := recoverOrphans(ctx, db, s.log); err != nil {
			_ = db.Close()
			return err
		}
	}
	client, err := river.NewClient(driver, s.riverConfig(""))
	if err != nil {
		_ = db.Close()
		return fmt.Errorf("river client: %w", err)
	}
	s.b = newSQLiteBackend(db, client)
	return nil
}

func (s *Store) openPostgres(ctx context.Context, u string) error {
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		return fmt.Errorf("parse store url: %w", err)
	}
	schema := s.opts.Schema
	if schema != "" {
		// Create the schema on a plain connection first: the pool's
		// search_path names it.
		conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
		if err != nil {
			return fmt.Errorf("connect store: %w", err)
		}
		_, err = conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
		_ = conn.Close(ctx)
		if err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
	}
	if statementHook != nil {
		cfg.ConnConfig.Tracer = pgTrace{statementHook}
	}
	pool, riverPool, err := s.pgPools(ctx, u, cfg)
	if err != nil {
		return err
	}
	s.riverPool = riverPool
	closeBoth := func() { riverPool.Close(); pool.Close() }
	driver := riverpgxv5.New(riverPool)
	if err := migrateRiver(ctx, driver, schema, s.log); err != nil {
		closeBoth()
		return err
	}
	client, err := river.NewClient(driver, s.riverConfig(schema))
	if err != nil {
		closeBoth()
		return fmt.Errorf("river client: %w", err)
	}
	s.b = newPgBackend(pool, client, closeBoth)
	return nil
}

// pgPools opens the store's two connection pools on PostgreSQL: pool for
// our own statements (the ledger, the run history, and River's inserts of
// a fan-out, in our transactions), riverPool for River's own work (its
// fetches, completions, LISTEN, leader election and maintenance).
//
// River's pool commits with synchronous_commit off: a fetch (jobs going
// `running`) or a batch of completions is visible to every session at
// once and reaches the disk with the WAL writer, within wal_writer_delay,
// instead of each waiting for its own WAL flush (a fetch waits before its
// jobs can start). A crash of this process loses nothing (the commits are
// the server's). A crash of the server can lose River's last commits, never
// one made before a synchronous commit of ours (the WAL is flushed in
// order, so the `sending` mark of a job makes its fetch durable): a lost
// fetch leaves its jobs available, a lost completion leaves a job running
// until River rescues it, and its next attempt finds the ledger row `sent`
// and sends nothing. Our pool keeps the server's setting: the `sending`
// mark is a synchronous commit (markSending) and the fan-out commits
// durably before StartRun returns.
//
// Unless the URL sets pool_max_conns, our pool gets a connection per
// worker and two more (the fan-out, status), and River's at least 6
// (pgxpool's default, max(4, CPUs), left River's LISTEN, fetch, completer
// and the workers' statements 3 connections to share on 2 cores).
func (s *Store) pgPools(ctx context.Context, u string, cfg *pgxpool.Config) (pool, riverPool *pgxpool.Pool, err error) {
	rcfg := cfg.Copy()
	rcfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	if !strings.Contains(u, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, int32(s.opts.Workers)+2)
		rcfg.MaxConns = max(rcfg.MaxConns, 6)
	}
	open := func(c *pgxpool.Config) (*pgxpool.Pool, error) {
		p, err := pgxpool.NewWithConfig(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("connect store: %w", err)
		}
		if err := p.Ping(ctx); err != nil {
			p.Close()
			return nil, fmt.Errorf("connect store: %w", err)
		}
		return p, nil
	}
	if pool, err = open(cfg); err != nil {
		return nil, nil, err
	}
	if riverPool, err = open(rcfg); err != nil {
		pool.Close()
		return nil, nil, err
	}
	return pool, riverPool, nil
}

// recoverOrphans runs when no other process has the SQLite store open:
// jobs still marked running, and the leadership, belong to a process that
// died. River would wait for the leader's term to expire (15 s) and then
// for RescueAfter; a lone process knows better and makes them available
// now. Their next attempt finds its ledger row `sending` if the dead one
// was in DATA, and treats the message as in doubt.
func recoverOrphans(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recover jobs: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM river_leader`); err != nil {
		return fmt.Errorf("recover jobs: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return fmt.Errorf("recover jobs: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recover jobs: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		log.Warn("jobs left running by a process that died are available again", "jobs", n)
	}
	return nil
}

func migrateRiver[TTx any](ctx context.Context, d riverdriver.Driver[TTx], schema string, log *slog.Logger) error {
	m, err := rivermigrate.New(d, &rivermigrate.Config{Schema: schema, Logger: quiet(log)})
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// One queue for both job kinds: on SQLite every queue polls the database
// on its own, and polling is most of an idle store's work.
const queueName = "crmdigest"

func (s *Store) riverConfig(schema string) *river.Config {
	o := s.opts
	workers := river.NewWorkers()
	river.AddWorker(workers, &deliveryWorker{s: s})
	river.AddWorker(workers, &firingWorker{s: s})
	return &river.Config{
		Logger:               quiet(o.Logger),
		Schema:               schema,
		Workers:              workers,
		MaxAttempts:          o.MaxAttempts,
		JobTimeout:           o.JobTimeout,
		RescueStuckJobsAfter: o.RescueAfter,
		RetryPolicy:          &backoff{base: o.RetryBase, max: o.RetryMax, now: clock.Wall}, // River schedules by the system clock
		FetchPollInterval:    o.PollInterval,
		// River waits FetchCooldown between fetches; its default (100ms)
		// would cap a single worker at ten deliveries a second.
		FetchCooldown:          min(o.PollInterval, 2*time.Millisecond),
		LeaderElectionDisabled: o.DisableLeaderElection,
		Queues: map[string]river.QueueConfig{
			queueName: {MaxWorkers: o.Workers},
		},
	}
}

// Start starts working jobs until Stop. It needs Options.Deliverer.
func (s *Store) Start(ctx context.Context) error {
	if s.opts.Deliverer == nil {
		return errors.New("start jobs: no deliverer")
	}
	if err := s.b.start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	s.started = true
	return nil
}

// Stop stops taking new jobs and waits for the ones in flight until ctx is
// done; then it cancels them (their deliveries see a cancelled context and
// the jobs are retried later) and waits for them to return. A message
// interrupted after its BeforeEnd mark is then in doubt, as after a crash.
func (s *Store) Stop(ctx context.Context) error {
	if !s.started {
		return nil
	}
	s.started = false
	err := s.b.stop(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	// The deadline passed: cancel what is still running, and give it a
	// moment to record its state.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.b.stopAndCancel(cctx); err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

// Close releases the database. Stop first if the store was started.
func (s *Store) Close() error {
	s.b.close()
	s.lock.release()
	return nil
}

func (s *Store) now() int64 { return s.opts.Now().UnixMicro() }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// quiet keeps River's own chatter (migrations applied, client started and
// stopped) out of the log unless it is a warning or worse: the store logs
// what an operator needs itself.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(minLevel{l.Handler(), slog.LevelWarn})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}
func (h minLevel) WithGroup(n string) slog.Handler { return minLevel{h.Handler.WithGroup(n), h.min} }
