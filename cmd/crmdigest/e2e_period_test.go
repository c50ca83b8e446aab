package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/internal/mailpittest"
)

// TestE2EPeriodSpellings runs the scheduled firing of 2026-W48 through the
// real binary to Mailpit, then sends the same period typed other ways:
// every spelling of one period is one ledger key, so nobody gets a second
// copy.
func TestE2EPeriodSpellings(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest and starts Mailpit")
	}
	t.Parallel()
	mp := mailpittest.Start(t)
	cfgPath := writeConfig(t, e2eConfig{Workbook: demoWorkbook(t, 4, 1), SMTPPort: mp.SMTPPort})
	exp := expect(t, cfgPath)
	n := len(exp.recipients)

	// The schedule's own firing: Monday 07:00 covers last week, 2026-W48.
	out := mustRun(t, 0, "run", "--config", cfgPath, "--schedule", e2eSched, "--at", e2eClock)
	if !strings.Contains(out, e2eSched+" "+e2ePeriod) || mp.Count(t) != n {
		t.Fatalf("scheduled run: Mailpit holds %d messages, want %d:\n%s", mp.Count(t), n, out)
	}
	for _, typed := range []string{"2026-w48", " 2026-W48 ", "2026-W48"} {
		out := mustRun(t, 0, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", typed)
		if got := mp.Count(t); got != n {
			t.Errorf("send --period %q after the scheduled run: Mailpit holds %d messages, want %d:\n%s", typed, got, n, out)
		}
		if !strings.Contains(out, e2eSched+" "+e2ePeriod+" ") || !strings.Contains(out, itoa(n)+" already had it") {
			t.Errorf("send --period %q: the run is not recorded under %s with everyone skipped:\n%s", typed, e2ePeriod, out)
		}
	}
}

// TestE2EPeriodOutboxFolder sends one period typed two ways to the outbox
// transport: one folder, named by the canonical id, and one file per
// person.
func TestE2EPeriodOutboxFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest")
	}
	t.Parallel()
	cfgPath := writeConfig(t, e2eConfig{Workbook: demoWorkbook(t, 4, 1), SMTPPort: 1})
	outbox := filepath.Join(filepath.Dir(cfgPath), "outbox")
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(raw), "  transport: smtp\n", "  transport: outbox\n  outbox: "+outbox+"\n", 1)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	n := len(expect(t, cfgPath).recipients)
	mustRun(t, 0, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", " 2026-W48 ")
	if out := mustRun(t, 0, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", "2026-w48"); !strings.Contains(out, itoa(n)+" already had it") {
		t.Errorf("the second spelling sent again:\n%s", out)
	}
	var files []string
	err = filepath.WalkDir(outbox, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(outbox, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, f := range files {
		dirs[filepath.Dir(f)] = true
	}
	if len(files) != n || len(dirs) != 1 {
		t.Fatalf("outbox holds %d files in %d folders, want %d in one:\n%s", len(files), len(dirs), n, strings.Join(files, "\n"))
	}
	for d := range dirs {
		// Folder names are lower-cased slugs of the canonical id.
		if !slices.Contains(strings.Split(d, string(filepath.Separator)), strings.ToLower(e2ePeriod)) {
			t.Errorf("outbox folder %s is not named by %s", d, e2ePeriod)
		}
	}
}
