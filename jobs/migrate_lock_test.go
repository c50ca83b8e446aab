package jobs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

const (
	envOpenChild = "CRMDIGEST_JOBS_OPEN_CHILD"
	envOpenAt    = "CRMDIGEST_JOBS_OPEN_AT"
)

// TestOpenChild is not a test: it is the process of TestOpenTogether that
// opens the store, and returns at once in a normal run.
func TestOpenChild(t *testing.T) {
	if os.Getenv(envOpenChild) != "1" {
		return
	}
	// Start at the instant the parent chose, so that both processes
	// migrate at the same time.
	at, _ := strconv.ParseInt(os.Getenv(envOpenAt), 10, 64)
	time.Sleep(time.Until(time.UnixMicro(at)))
	s, err := Open(context.Background(), os.Getenv(envURL), Options{Schema: os.Getenv(envSchema)})
	if err != nil {
		fmt.Println("OPEN-ERROR", err)
		os.Exit(2)
	}
	_ = s.Close()
	fmt.Println("OPEN-OK")
}

// TestOpenTogether starts two processes that open the same fresh
// PostgreSQL schema at the same instant, three times: both must migrate
// (River's migrations and ours) and open without error. Without the
// advisory lock the second failed in River's migration 006.
func TestOpenTogether(t *testing.T) {
	u := os.Getenv("CRMDIGEST_TEST_POSTGRES")
	if u == "" {
		t.Skip("CRMDIGEST_TEST_POSTGRES is not set: PostgreSQL tests skipped")
	}
	for round := range 3 {
		schema := pgSchema(t, u)
		at := time.Now().Add(500 * time.Millisecond).UnixMicro()
		var wg sync.WaitGroup
		outs := make([][]byte, 2)
		errs := make([]error, 2)
		for i := range 2 {
			cmd := exec.Command(os.Args[0], "-test.run=^TestOpenChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), envOpenChild+"=1", envURL+"="+u, envSchema+"="+schema,
				envOpenAt+"="+strconv.FormatInt(at, 10))
			wg.Go(func() { outs[i], errs[i] = cmd.CombinedOutput() })
		}
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil {
				t.Errorf("round %d, process %d: %v\n%s", round, i, errs[i], outs[i])
			}
		}
		// The schema is whole: a store opens on it and works.
		s, err := Open(context.Background(), u, Options{Schema: schema})
		if err != nil {
			t.Fatalf("round %d: open after both: %v", round, err)
		}
		if _, err := s.Status(context.Background(), 1); err != nil {
			t.Errorf("round %d: status: %v", round, err)
		}
		_ = s.Close()
	}
}
