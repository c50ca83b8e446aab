package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/internal/mailpittest"
	"github.com/crmdigest/crmdigest/jobs"
)

const envChild = "CRASHTEST_CHILD_ARGS"

// TestMain turns the test binary into the crashtest command when the test
// starts it as a child, so the test needs no separate build.
func TestMain(m *testing.M) {
	if args := os.Getenv(envChild); args != "" {
		if err := run(context.Background(), strings.Split(args, "\x1f"), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "crashtest:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childBinary is the crashtest command: this test binary, or under the
// race detector a plain build of the package.
func childBinary(t *testing.T) string {
	t.Helper()
	if !raceBuild {
		return os.Args[0]
	}
	bin := filepath.Join(t.TempDir(), "crashtest")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build crashtest: %v: %s", err, out)
	}
	return bin
}

func child(bin string, args []string) *exec.Cmd {
	if bin != os.Args[0] {
		return exec.Command(bin, args...)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+strings.Join(args, "\x1f"))
	return cmd
}

// TestSIGKILLDuringBatch kills a process working 200 deliveries to Mailpit
// with SIGKILL at 10 points, starts it again each time, and lets the last
// one finish. Every recipient must have a message; a recipient with two
// must be one the ledger marks as having been in doubt, and status must
// list it; every message id the ledger records must be in Mailpit.
func TestSIGKILLDuringBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Mailpit and kills processes")
	}
	const n, kills = 200, 10
	mp := mailpittest.Start(t)
	bin := childBinary(t)
	store := filepath.Join(t.TempDir(), "state", "jobs.db")
	args := []string{"-store", store, "-smtp", mp.SMTPAddr(), "-n", fmt.Sprint(n), "-policy", "resend", "-data-delay", "3ms"}

	killed := 0
	seen := 0
	for k := 0; k < kills; k++ {
		a := args
		if k == 0 {
			a = append(a, "-enqueue")
		}
		cmd := child(bin, a)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		target := seen + 8 + rand.IntN(8)
		deadline := time.Now().Add(30 * time.Second)
		done := false
		for !done {
			select {
			case err := <-exited:
				t.Fatalf("kill point %d: the process ended before the kill (%v): %s", k, err, stderr.String())
			default:
			}
			if c := mp.Count(t); c >= target {
				seen = c
				done = true
				break
			}
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("kill point %d: Mailpit stuck below %d messages: %s", k, target, stderr.String())
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-exited
		killed++
	}

	// The last start runs to the end.
	cmd := child(bin, args)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	timer := time.AfterFunc(60*time.Second, func() { _ = cmd.Process.Kill() })
	err := cmd.Run()
	timer.Stop()
	if err != nil {
		t.Fatalf("final run: %v: %s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), fmt.Sprintf("DONE sent=%d failed=0 in_doubt=0", n)) {
		t.Errorf("final run printed %q", stdout.String())
	}

	// Mailpit's view.
	perRcpt := map[string]int{}
	ids := map[string]bool{}
	for _, m := range mp.Messages(t) {
		if len(m.To) != 1 {
			t.Fatalf("message %s has %d recipients", m.ID, len(m.To))
		}
		perRcpt[m.To[0].Address]++
		ids[strings.Trim(m.MessageID, "<>")] = true
	}

	// The store's view.
	ctx := context.Background()
	s, err := jobs.Open(ctx, store, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Status(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, e := range rep.Attention {
		listed[e.Recipient] = true
	}
	dups, doubts := 0, 0
	for i := range n {
		r := fmt.Sprintf("rcpt%03d@example.test", i)
		e, ok, err := s.Ledger(ctx, "crash", r, "2026-W01")
		if err != nil || !ok {
			t.Fatalf("ledger %s: %v %v", r, ok, err)
		}
		if e.State != jobs.StateSent {
			t.Errorf("%s: ledger state %s", r, e.State)
		}
		if !ids[strings.Trim(e.MessageID, "<>")] {
			t.Errorf("%s: ledger message id %s is not in Mailpit", r, e.MessageID)
		}
		if e.Doubts > 0 {
			doubts++
			if !listed[r] {
				t.Errorf("%s was in doubt but status does not list it", r)
			}
		}
		switch got := perRcpt[r]; {
		case got == 0:
			t.Errorf("%s: no message in Mailpit", r)
		case got > 1:
			dups++
			if e.Doubts == 0 {
				t.Errorf("%s: %d messages in Mailpit, and the ledger never had it in doubt", r, got)
			}
		}
	}
	if len(rep.Runs) != 1 || rep.Runs[0].Sent != n {
		t.Errorf("run history: %+v", rep.Runs)
	}
	t.Logf("%d kills; %d recipients in doubt at some point, %d of them delivered twice", killed, doubts, dups)
}
