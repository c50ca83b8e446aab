package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
