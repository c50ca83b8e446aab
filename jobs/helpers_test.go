package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crmdigest/crmdigest/kpi"
)

// backendCase is one store to run a test against: a SQLite file, and
// PostgreSQL when CRMDIGEST_TEST_POSTGRES names one.
type backendCase struct {
	name string
	url  string
	opt  func(*Options) // sets the schema for PostgreSQL
}

// eachBackend runs fn once per available store. With
// CRMDIGEST_TEST_POSTGRES set, a PostgreSQL that cannot be reached fails
// the test; without it, the PostgreSQL case is skipped.
func eachBackend(t *testing.T, fn func(t *testing.T, bc backendCase)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, backendCase{name: "sqlite", url: sqliteCopy(t), opt: func(*Options) {}})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		u := os.Getenv("CRMDIGEST_TEST_POSTGRES")
		if u == "" {
			t.Skip("CRMDIGEST_TEST_POSTGRES is not set: PostgreSQL tests skipped (set it to a postgres:// URL)")
		}
		schema := pgSchema(t, u)
		fn(t, backendCase{name: "postgres", url: u, opt: func(o *Options) { o.Schema = schema }})
	})
}

// sqliteTemplate is a store migrated once per test binary: River's
// migrations take most of a second under the race detector, and every test
// wants a fresh store.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "jobs-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "jobs.db")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		return nil, err
	}
	// Closing the last connection checkpoints the WAL into the file.
	_ = s.Close()
	return os.ReadFile(path)
})

// sqliteCopy gives the test a fresh, migrated SQLite store file.
func sqliteCopy(t *testing.T) string {
	t.Helper()
	b, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("template store: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "jobs.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pgSchema makes a fresh schema name and drops the schema at the end.
func pgSchema(t testing.TB, u string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "jobs_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect to CRMDIGEST_TEST_POSTGRES: %v", err)
	}
	_ = conn.Close(ctx)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	return schema
}

// testOptions are fast settings for tests: short polls and retries.
func testOptions(bc backendCase, d Deliverer) Options {
	o := Options{
		Deliverer:    d,
		Workers:      4,
		MaxAttempts:  5,
		RetryBase:    20 * time.Millisecond,
		RetryMax:     200 * time.Millisecond,
		PollInterval: 200 * time.Millisecond,
	}
	bc.opt(&o)
	return o
}

func openStore(t *testing.T, bc backendCase, o Options) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, bc.url, o)
	if err != nil {
		t.Fatalf("open %s: %v", bc.name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func startStore(t *testing.T, s *Store) {
	t.Helper()
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
}

func waitRun(t *testing.T, s *Store, id int64) RunSummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sum, err := s.WaitRun(ctx, id, 20*time.Millisecond)
	if err != nil {
		t.Fatalf("wait run %d: %v (summary %+v)", id, err, sum)
	}
	return sum
}

// fakeDeliverer is a hand-written Deliverer. Each call runs plan (if set)
// for the recipient and call number; a message counts as delivered when it
// passed BeforeEnd and either succeeded or ended in doubt (it may have
// arrived), which is what a real SMTP server would have stored.
type fakeDeliverer struct {
	mu         sync.Mutex
	calls      map[string]int
	delivered  map[string]int
	deliveries []Delivery
	times      map[string][]time.Time
	plan       func(d Delivery, call int) error
	slow       time.Duration
}

func newFake(plan func(d Delivery, call int) error) *fakeDeliverer {
	return &fakeDeliverer{calls: map[string]int{}, delivered: map[string]int{}, times: map[string][]time.Time{}, plan: plan}
}

func (f *fakeDeliverer) Deliver(ctx context.Context, d Delivery, h Hooks) (Receipt, error) {
	f.mu.Lock()
	f.calls[d.Recipient]++
	call := f.calls[d.Recipient]
	f.times[d.Recipient] = append(f.times[d.Recipient], time.Now())
	f.deliveries = append(f.deliveries, d)
	f.mu.Unlock()
	if f.slow > 0 {
		select {
		case <-time.After(f.slow):
		case <-ctx.Done():
			return Receipt{}, Transient(ctx.Err())
		}
	}
	var err error
	if f.plan != nil {
		err = f.plan(d, call)
	}
	var perm interface{ Temporary() bool }
	if err != nil && errors.As(err, &perm) && !perm.Temporary() {
		return Receipt{}, err // refused before DATA, e.g. RCPT TO 550
	}
	if err != nil && classify(err) == classTransient {
		return Receipt{}, err // a 4xx before DATA
	}
	if herr := h.BeforeEnd(ctx); herr != nil {
		return Receipt{}, herr
	}
	if d.DryRun {
		return Receipt{MessageID: "dry"}, nil
	}
	f.mu.Lock()
	f.delivered[d.Recipient]++
	f.mu.Unlock()
	if err != nil {
		return Receipt{}, err // in doubt
	}
	return Receipt{MessageID: fmt.Sprintf("<%s.%s.%d@test>", d.Recipient, d.Period, d.Resend)}, nil
}

func (f *fakeDeliverer) count(m map[string]int, r string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return m[r]
}

func recipients(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("rep%03d@example.com", i)
	}
	return out
}

// period reads a period id for a test; a bad id is a bug in the test.
func period(id string) kpi.Period {
	p, err := kpi.ParsePeriod(id, 0)
	if err != nil {
		panic(err)
	}
	return p
}
