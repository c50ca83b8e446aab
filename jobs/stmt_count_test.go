package jobs

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// stmtCounter counts the round trips statementHook reports while on.
type stmtCounter struct {
	mu      sync.Mutex
	on      bool
	trips   int            // round trips: statements, BEGIN, COMMIT, batches
	byLabel map[string]int // statements by label (River's query name, or our SQL's start)
}

func (c *stmtCounter) hook(q string, batched bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		return
	}
	if !batched { // a batch's statements ride on its round trip
		c.trips++
	}
	c.byLabel[stmtLabel(q)]++
}

func (c *stmtCounter) set(on bool) {
	c.mu.Lock()
	c.on = on
	c.mu.Unlock()
}

// stmtLabel names a statement: River's sqlc name, or the first words of
// our SQL.
func stmtLabel(q string) string {
	if name, ok := strings.CutPrefix(q, "-- name: "); ok {
		name, _, _ = strings.Cut(name, " ")
		return "river " + name
	}
	f := strings.Fields(q)
	n := min(len(f), 4)
	if len(f) > 0 && strings.EqualFold(f[0], "UPDATE") && len(f) > 5 {
		n = 6 // UPDATE t SET a = ?, b: enough to tell them apart
	}
	return strings.Join(f[:n], " ")
}

// TestStatementsPerDelivery counts the round trips to the database, River's
// and the ledger's, that a delivery costs on each store (nop deliverer, 4
// workers, the command line's poll interval), from StartRun of 200
// recipients to the run's end plus River's next batch of completions, and
// fails when they grow past what the ledger's batching leaves: per
// delivery, at most 8 calls into SQLite (12.4 before the fan-out's four
// statements per recipient went, 8.4 before the first attempt's claim
// read went: presumeClaim) and 3.2 round trips to PostgreSQL (8.6 before;
// the outcome and its run-over check were two; 3.6-3.7 with the claim
// read).
// Run with -v to see them by statement.
func TestStatementsPerDelivery(t *testing.T) {
	cases := []struct {
		name, url, schema string
		max               float64
	}{{name: "sqlite", max: 8}, {name: "postgres", max: 3.2}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := filepath.Join(t.TempDir(), "jobs.db")
			schema := ""
			if tc.name == "postgres" {
				url = os.Getenv("CRMDIGEST_TEST_POSTGRES")
				if url == "" {
					t.Skip("CRMDIGEST_TEST_POSTGRES is not set")
				}
				schema = pgSchema(t, url)
			}
			c := &stmtCounter{byLabel: map[string]int{}}
			statementHook = c.hook
			finished := make(chan int64, 4)
			ctx := context.Background()
			s, err := Open(ctx, url, Options{Deliverer: nopDeliverer{}, Workers: 4, Schema: schema,
				PollInterval:  100 * time.Millisecond,
				OnRunFinished: func(_ context.Context, r RunSummary) { finished <- r.ID }})
			statementHook = nil
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer func() {
				sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				_ = s.Stop(sctx)
			}()
			run := func(i, n int) {
				id, err := s.StartRun(ctx, RunSpec{Schedule: "count", Period: kpi.Containing(kpi.Week, crm.Day(i*7)), Recipients: recipients(n)})
				if err != nil {
					t.Fatal(err)
				}
				select {
				case got := <-finished:
					if got != id {
						t.Fatalf("run %d finished, want %d", got, id)
					}
				case <-time.After(time.Minute):
					t.Fatalf("run %d not finished after a minute", id)
				}
				// River completes jobs in batches every 250 ms or so.
				time.Sleep(600 * time.Millisecond)
			}
			run(0, 20) // statements prepared, River's services started
			const n = 200
			c.set(true)
			run(1, n)
			c.set(false)
			var lines []string
			for _, l := range slices.Sorted(maps.Keys(c.byLabel)) {
				lines = append(lines, fmt.Sprintf("%6.2f  %s", float64(c.byLabel[l])/n, l))
			}
			per := float64(c.trips) / n
			t.Logf("%s: %.2f round trips per delivery (%d for %d deliveries); statements per delivery:\n%s",
				tc.name, per, c.trips, n, strings.Join(lines, "\n"))
			if per > tc.max {
				t.Errorf("%.2f round trips per delivery, want at most %.1f", per, tc.max)
			}
		})
	}
}
