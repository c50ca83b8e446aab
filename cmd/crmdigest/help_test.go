package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Every subcommand's --help, -h and `crmdigest help CMD` succeed and list
// each flag the subcommand defines, with its description, and the usage
// line names every flag.
func TestHelpListsEveryFlag(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var out, errb bytes.Buffer
				m := &Main{Stdout: &out, Stderr: &errb}
				if err := m.Run(context.Background(), args); err != nil {
					t.Fatalf("error %v, want none (exit 0)", err)
				}
				help := errb.String()
				usage, _, _ := strings.Cut(help, "\n")
				if !strings.HasPrefix(usage, "usage: crmdigest "+c.name) {
					t.Errorf("help does not start with the usage line:\n%s", help)
				}
				if m.flags == nil {
					t.Fatal("the subcommand made no FlagSet")
				}
				n := 0
				m.flags.VisitAll(func(f *flag.Flag) {
					n++
					if strings.TrimSpace(f.Usage) == "" {
						t.Errorf("flag -%s has no description", f.Name)
					}
					if !strings.Contains(help, "  -"+f.Name+" ") && !strings.Contains(help, "  -"+f.Name+"\n") {
						t.Errorf("help does not list -%s:\n%s", f.Name, help)
					}
					if !strings.Contains(help, f.Usage) {
						t.Errorf("help lacks the description of -%s (%q)", f.Name, f.Usage)
					}
					if !strings.Contains(usage, "--"+f.Name) {
						t.Errorf("usage line %q does not name --%s", usage, f.Name)
					}
				})
				if n == 0 {
					t.Error("no flags listed")
				}
			})
		}
	}
}

// crmdigest --help lists every subcommand with its summary and succeeds;
// help for an unknown subcommand is a usage error.
func TestTopLevelHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		out, errb, err := run(t, arg)
		if err != nil {
			t.Errorf("%s: error %v, want none", arg, err)
		}
		for _, c := range commands() {
			if !strings.Contains(out+errb, "  "+c.name) || !strings.Contains(out+errb, c.summary) {
				t.Errorf("%s: help does not list %s (%s):\n%s", arg, c.name, c.summary, errb)
			}
		}
	}
	_, _, err := run(t, "help", "frobnicate")
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Errorf("help frobnicate: %v, want a usage error naming it", err)
	}
}

// The real binary exits 0 on help and 2 on a bad flag.
func TestHelpExitStatus(t *testing.T) {
	bin := crmdigestBinary(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "commands:"},
		{[]string{"status", "--help"}, 0, "-runs int"},
		{[]string{"help", "send"}, 0, "-redirect-to string"},
		{[]string{"status", "--frobnicate"}, 2, "flag provided but not defined: -frobnicate"},
	} {
		cmd := exec.Command(bin, c.args...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("crmdigest %s: exit %d, want %d; stderr lacks %q?\n%s", strings.Join(c.args, " "), code, c.code, c.want, errb.String())
		}
	}
}

// status on a store that does not exist says so, fails, and creates
// nothing.
func TestStatusWithoutStore(t *testing.T) {
	dir := t.TempDir()
	cfg := "sources: [{name: d, kind: deals, path: d.csv}]\ndelivery: {from: digest@example.com}\nstore: out/crmdigest.db\n"
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, "status", "--config", path)
	want := "no store at " + filepath.Join(dir, "out", "crmdigest.db") + ": nothing has run yet with this configuration"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("status: %v, want an error containing %q", err, want)
	}
	if exitCode(err) != 1 {
		t.Errorf("exit code %d, want 1", exitCode(err))
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("status created the store's folder (stat: %v)", err)
	}
}
