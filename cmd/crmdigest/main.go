// Command crmdigest turns CRM exports into role-tailored PDF digests and
// mails them on a schedule. It is both the daemon and the one-shot CLI:
// every scheduled job can also be run once from the command line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/crmdigest/crmdigest/internal/clock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr}
	stopLimit := startMemoryLimit()
	stopProfile := startMemProfile(os.Stderr)
	stopCPU := startCPUProfile(os.Stderr)
	err := m.Run(ctx, os.Args[1:])
	stopCPU()
	stopProfile()
	stopLimit()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "crmdigest:", err)
		}
		os.Exit(exitCode(err))
	}
}

// Main holds what every subcommand writes to, so tests can run it in process.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer

	flags *flag.FlagSet // the last subcommand's flags, for the help test
}

// command is one subcommand: its name, a one-line summary and its runner.
type command struct {
	name, summary string
	run           func(ctx context.Context, m *Main, args []string) error
}

func commands() []command {
	return []command{
		{"check", "validate the config and every source; print the data-quality summary", runCheck},
		{"daemon", "fire the schedules until stopped; serve /healthz, /readyz and /metrics", runDaemon},
		{"demo", "write a deterministic demo workbook", runDemo},
		{"kpis", "print the KPI records of one period as JSON Lines or CSV", runKPIs},
		{"render", "render one person's PDF digest for one period", runRender},
		{"run", "fire every schedule (or one) once, as if at a time: read, compute, render, deliver", runRun},
		{"send", "send one schedule's digests for one period", runSend},
		{"serve", "serve the web console (runs, deliveries, previews, actions) without firing schedules", runServe},
		{"status", "show recent runs and anything failed, pending or in doubt", runStatus},
	}
}

// Run dispatches to the subcommand named by args[0]. Asking for help
// (crmdigest --help, crmdigest CMD --help or -h, crmdigest help CMD) is
// not an error: it prints the usage and returns nil (exit status 0).
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 2 && args[0] == "help" {
			args = []string{args[1], "-h"}
		} else {
			m.usage()
			if len(args) == 0 {
				return usageError("no command given")
			}
			return nil
		}
	}
	for _, c := range commands() {
		if c.name == args[0] {
			if !slices.ContainsFunc(args[1:], isHelpFlag) {
				m.warnTestClock() // not in the help text
			}
			err := c.run(ctx, m, args[1:])
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	m.usage()
	return usageError(fmt.Sprintf("unknown command %q", args[0]))
}

func (m *Main) usage() {
	fmt.Fprintln(m.Stderr, "usage: crmdigest <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(m.Stderr, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(m.Stderr, "\nrun 'crmdigest <command> --help' (or 'crmdigest help <command>') for the flags of a command")
}

func isHelpFlag(a string) bool { return a == "-h" || a == "-help" || a == "--help" || a == "--h" }

// warnTestClock says on stderr when the test-only clock shift is set (or
// set wrongly), so that a moved clock is never mistaken for the real one.
func (m *Main) warnTestClock() {
	if err := clock.ShiftError(); err != nil {
		fmt.Fprintln(m.Stderr, "crmdigest: warning: test hook:", err)
	}
	if d := clock.Shift(); d != 0 {
		fmt.Fprintf(m.Stderr, "crmdigest: warning: test hook: %s=%s moves the clock to %s\n",
			clock.ShiftEnv, d, clock.Now().UTC().Format(time.RFC3339))
	}
}

// usageError is a mistake in the command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) }

// missingFlags names the required flags left empty, so that the message says
// which one to add rather than listing them all.
func missingFlags(flags ...[2]string) error {
	var missing []string
	for _, f := range flags {
		if f[1] == "" {
			missing = append(missing, "--"+f[0])
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return usageError(missing[0] + " is required")
	}
	return usageError(strings.Join(missing[:len(missing)-1], ", ") + " and " + missing[len(missing)-1] + " are required")
}

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// newFlagSet returns a FlagSet whose errors are returned, not printed and
// exited on, so that tests can run commands in process.
func (m *Main) newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "usage: crmdigest %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	m.flags = fs
	return fs
}

// parseFlags parses args and refuses positional arguments, which are always
// a mistake here (a flag after a stray word is silently ignored otherwise).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError(err.Error()) // a bad flag: exit status 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	return nil
}
