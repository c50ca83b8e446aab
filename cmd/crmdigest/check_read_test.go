package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCheckShowsLinesAndDateOrder: check prints, per source, the physical
// lines and records read and each date column's order with its evidence;
// on an M/D/YYYY export configured DD/MM/YYYY it names the order that fits.
func TestCheckShowsLinesAndDateOrder(t *testing.T) {
	src := "../../testdata/maven-crm"
	data, err := os.ReadFile(filepath.Join(src, "sales_pipeline.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	out, _, err := run(t, "check", "--config", mavenConfig)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("read:       %d lines -> %d records", len(lines), len(lines)); !strings.Contains(out, want) {
		t.Errorf("check output lacks %q:\n%s", want, out)
	}
	if want := `date order: column "engage_date" read as written`; !strings.Contains(out, want) {
		t.Errorf("check output lacks %q:\n%s", want, out)
	}

	// The same export as an American Excel writes it, and a config that
	// says day first.
	dir := t.TempDir()
	for i, l := range lines[1:] {
		f := strings.Split(l, ",")
		for _, k := range []int{5, 6} {
			if p := strings.Split(f[k], "-"); len(p) == 3 {
				m, _ := strconv.Atoi(p[1])
				d, _ := strconv.Atoi(p[2])
				f[k] = fmt.Sprintf("%d/%d/%s", m, d, p[0])
			}
		}
		lines[i+1] = strings.Join(f, ",")
	}
	os.WriteFile(filepath.Join(dir, "deals.csv"), []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	abs, _ := filepath.Abs(src)
	cfg := fmt.Sprintf(`organisation: {name: M, timezone: UTC, currency: USD, clock: "2018-01-01T08:00:00Z"}
sources:
  - {name: people, kind: people, preset: maven, path: %s/sales_teams.csv}
  - {name: deals, kind: deals, preset: maven, path: deals.csv, date_format: DD/MM/YYYY}
delivery: {from: d@example.com, transport: outbox, outbox: out}
store: store.db
`, abs)
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600)
	out, _, _ = run(t, "check", "--config", filepath.Join(dir, "config.yaml"))
	for _, want := range []string{
		`date order: column "engage_date" read as DD/MM/YYYY`,
		"MM/DD/YYYY would read",
		"can only be month first",
		`set aside: ` + filepath.Join(dir, "deals.csv"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}
