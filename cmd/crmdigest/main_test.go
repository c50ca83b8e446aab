package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// run runs the command line in process and returns stdout, stderr and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb}
	err := m.Run(context.Background(), args)
	return out.String(), errb.String(), err
}

const mavenConfig = "../../examples/maven/config.yaml"

func TestCheckMaven(t *testing.T) {
	out, _, err := run(t, "check", "--config", mavenConfig)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	for _, want := range []string{
		"people in the directory: 45",
		"8800 read = 8800 accepted + 0 set aside",
		"dates:      2016-10-20 .. 2017-12-31",
		"config " + mavenConfig + ": OK",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

// A source missing a required column fails check with a non-zero status, and
// the message names the file, what is missing and the closest header.
func TestCheckMissingColumn(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "deals.csv"), []byte("Deal ID,Deal owner name,Stage\n1,Ann,Won\n"), 0o600)
	cfg := `
sources:
  - {name: deals, kind: deals, preset: hubspot, path: deals.csv}
delivery: {from: digest@example.com}
`
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600)
	out, _, err := run(t, "check", "--config", filepath.Join(dir, "config.yaml"))
	if err == nil {
		t.Fatalf("check passed on a source without an owner column:\n%s", out)
	}
	if exitCode(err) != 1 {
		t.Errorf("exit code %d, want 1", exitCode(err))
	}
	for _, want := range []string{"deals.csv", "owner", "did you mean", "Deal owner name", "FATAL"} {
		if !strings.Contains(out+err.Error(), want) {
			t.Errorf("output lacks %q:\n%s\n%v", want, out, err)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "no command given"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"kpis", "--config", mavenConfig}, "--period is required"},
		{[]string{"kpis", "--config", mavenConfig, "--period", "2017-Q5"}, "2017-Q5"},
		{[]string{"kpis", "--config", mavenConfig, "--period", "2017-Q4", "--scope", "galaxy"}, "--scope"},
		{[]string{"kpis", "--config", mavenConfig, "--period", "2017-Q4", "--format", "xml"}, "--format"},
		{[]string{"check", "--config", mavenConfig, "stray"}, `unexpected argument "stray"`},
		{[]string{"demo"}, "--out is required"},
		{[]string{"render", "--config", mavenConfig, "--period", "2017-12", "--out", "x.pdf"}, "--to is required"},
		{[]string{"render", "--config", mavenConfig, "--period", "2017-12"}, "--to and --out are required"},
		{[]string{"send", "--config", mavenConfig, "--period", "2017-12"}, "--schedule is required"},
		{[]string{"kpis", "--config", mavenConfig, "--period", "2017-13"}, `month: number "13" out of range 1..12`},
		{[]string{"kpis", "--config", mavenConfig, "--period", "2017-02-30"}, "a day is not a period"},
	}
	for _, c := range cases {
		_, _, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.want)
			continue
		}
		if exitCode(err) != 2 {
			t.Errorf("%v: exit code %d, want 2", c.args, exitCode(err))
		}
	}
}

func TestCheckMissingConfig(t *testing.T) {
	_, _, err := run(t, "check", "--config", "no/such/config.yaml")
	if err == nil || !strings.Contains(err.Error(), "no/such/config.yaml") {
		t.Fatalf("error %v does not name the missing file", err)
	}
}

func TestKPIsMaven(t *testing.T) {
	out, _, err := run(t, "kpis", "--config", mavenConfig, "--period", "2017-Q4", "--scope", "org", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[0], "scope,key,name,period,metric") {
		t.Fatalf("unexpected CSV:\n%s", out)
	}
	if !strings.Contains(out, "org,all,") || !strings.Contains(out, ",won_revenue,") {
		t.Errorf("no organisation won_revenue line:\n%s", out)
	}
}

// A period after the data prints zeros: the command says they are not
// results, and says nothing for a period the data covers.
func TestKPIsPeriodAfterData(t *testing.T) {
	_, stderr, err := run(t, "kpis", "--config", mavenConfig, "--period", "2019-01")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "period 2019-01 starts after the last dated row of every export (2017-12-31)") {
		t.Errorf("stderr lacks the warning: %q", stderr)
	}
	_, stderr, err = run(t, "kpis", "--config", mavenConfig, "--period", "2017-12")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr, "starts after the last dated row") {
		t.Errorf("a covered period warns: %q", stderr)
	}
}

// An export whose rows hold dates planned ahead gets no negative age.
func TestExportAgePlannedAhead(t *testing.T) {
	now := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	q := crm.SourceReport{ExportDate: crm.NoDay, Last: crm.DayFromDate(2026, 12, 11)}
	got := exportAge(q, now)
	if strings.Contains(got, "-11 days") || !strings.Contains(got, "unknown: the newest date inside (2026-12-11) is 11 days after today") {
		t.Errorf("exportAge = %q", got)
	}
	q.Last = crm.DayFromDate(2026, 11, 27)
	if got := exportAge(q, now); got != "3 days (newest date inside: 2026-11-27)" {
		t.Errorf("exportAge = %q", got)
	}
}
