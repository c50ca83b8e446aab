package main

import (
	"bytes"
	"os/exec"
	"sync"
	"testing"
)

// TestE2EStartTogetherPostgres starts two real crmdigest processes at once
// on a fresh PostgreSQL schema, three times: both must create and migrate
// the store (River's migrations and ours, serialised by an advisory lock)
// and finish their dry run. Without the lock the second failed in River's
// migrations.
func TestE2EStartTogetherPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest")
	}
	wb := demoWorkbook(t, 4, 1)
	bin := crmdigestBinary(t)
	for round := range 3 {
		cfgPath := writeConfig(t, e2eConfig{Workbook: wb, SMTPPort: 1, Store: postgresStore(t)})
		var wg sync.WaitGroup
		var ready sync.WaitGroup
		ready.Add(1)
		outs := make([]bytes.Buffer, 2)
		errs := make([]error, 2)
		for i := range 2 {
			cmd := exec.Command(bin, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", e2ePeriod, "--dry-run")
			cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
			wg.Go(func() {
				ready.Wait() // both start on the same signal
				errs[i] = cmd.Run()
			})
		}
		ready.Done()
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil {
				t.Errorf("round %d, process %d: %v\n%s", round, i, errs[i], outs[i].String())
			}
		}
	}
}
