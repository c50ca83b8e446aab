package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/demo"
)

// TestDemoCSVRuns writes a small organisation with `demo --format csv` and
// runs every schedule on the config.yaml written beside the files: each
// person of the people file gets exactly one message in the outbox.
// (That the files hold the workbook's rows: demo TestCSVMatchesWorkbook.)
func TestDemoCSVRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	out := mustRun(t, 0, "demo", "--format", "csv", "--out", dir, "--reps", "7", "--years", "1", "--seed", "3")
	if !strings.Contains(out, filepath.Join(dir, "config.yaml")) {
		t.Errorf("demo does not say where the config is:\n%s", out)
	}
	f, err := os.Open(filepath.Join(dir, demo.CSVName("people", demo.DefaultEnd)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string]int)
	for _, r := range rows[1:] {
		want[r[1]] = 0
	}
	mustRun(t, 0, "run", "--config", filepath.Join(dir, "config.yaml"))
	err = filepath.WalkDir(filepath.Join(dir, "out", "outbox"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimSuffix(d.Name(), ".eml")
		for _, role := range []crm.Role{crm.RoleRep, crm.RoleManager, crm.RoleDirector} {
			if email, ok := strings.CutPrefix(name, role.String()+"-"); ok {
				if _, known := want[email]; !known {
					t.Errorf("%s: not in the people file", path)
				}
				want[email]++
				return nil
			}
		}
		t.Errorf("%s: not a digest", path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 7+3+4 { // reps, managers (at least three teams), directors (head and three regions)
		t.Errorf("%d people, want 14", len(want))
	}
	for email, n := range want {
		if n != 1 {
			t.Errorf("%s: %d messages, want 1", email, n)
		}
	}
}
