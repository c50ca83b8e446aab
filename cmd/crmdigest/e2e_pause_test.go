package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/internal/mailpittest"
)

// TestE2EPauseAndOptOut pauses one rep and opts another out in config:
// `send` delivers to everybody else, says who was left out and why, and the
// run history knows nothing of the two (they are not failures). Lifting
// the pause later delivers that rep's digest, and only theirs.
func TestE2EPauseAndOptOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest and starts Mailpit")
	}
	t.Parallel()
	mp := mailpittest.Start(t)
	book := demoWorkbook(t, 5, 1)
	all := expect(t, writeConfig(t, e2eConfig{Workbook: book, SMTPPort: mp.SMTPPort})).recipients
	if len(all) < 3 {
		t.Fatalf("the demo directory has %d reps, want at least 3", len(all))
	}
	paused, optedOut := all[1], all[len(all)-1]
	var others []string
	for _, r := range all {
		if r != paused && r != optedOut {
			others = append(others, r)
		}
	}

	// Config addresses match whatever their case.
	cfgPath := writeConfig(t, e2eConfig{Workbook: book, SMTPPort: mp.SMTPPort})
	setPauses(t, cfgPath, []string{strings.ToUpper(paused)}, []string{optedOut})
	if got := expect(t, cfgPath).recipients; len(got) != len(others) {
		t.Fatalf("with a pause and an opt-out the schedule has %d recipients %v, want %d", len(got), got, len(others))
	}

	// --only cannot reach around the pause.
	out, errOut, code := runBin(t, nil, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", e2ePeriod, "--only", paused)
	if code != 2 || !strings.Contains(errOut, paused+" is not among the recipients") || mp.Count(t) != 0 {
		t.Fatalf("--only %s (paused): exit %d, %d messages stored\n%s%s", paused, code, mp.Count(t), out, errOut)
	}

	out = mustRun(t, 0, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", e2ePeriod)
	if !strings.Contains(out, "not sent to "+paused+" (paused)") {
		t.Errorf("send output does not say %s was paused:\n%s", paused, out)
	}
	if !strings.Contains(out, "not sent to "+optedOut+" (opted out)") {
		t.Errorf("send output does not say %s opted out:\n%s", optedOut, out)
	}
	if !strings.Contains(out, itoa(len(others))+" sent") || strings.Contains(out, "failed") {
		t.Errorf("send output does not say %d sent and nothing failed:\n%s", len(others), out)
	}

	if c := mp.WaitCount(t, len(others), 0); c != len(others) {
		t.Fatalf("Mailpit holds %d messages, want %d", c, len(others))
	}
	got := byRecipient(t, mp)
	for _, r := range others {
		if len(got[r]) != 1 {
			t.Errorf("%s: %d messages, want 1", r, len(got[r]))
		}
	}
	for _, r := range []string{paused, optedOut} {
		if len(got[r]) != 0 {
			t.Errorf("%s (left out in config) got %d messages", r, len(got[r]))
		}
	}
	if len(got[e2eAdmin]) != 0 {
		t.Errorf("the administrator got %d notices for a run with nothing failed", len(got[e2eAdmin]))
	}

	// The run history: the two are not failures, not pending, not even
	// recipients of the run.
	status := mustRun(t, 0, "status", "--config", cfgPath)
	if !strings.Contains(status, itoa(len(others))+" sent, 0 skipped, 0 failed, 0 in doubt, 0 pending") ||
		!strings.Contains(status, "no delivery failed, pending or in doubt") {
		t.Errorf("status does not show a clean run of %d:\n%s", len(others), status)
	}
	m := regexp.MustCompile(`#(\d+) `).FindStringSubmatch(status)
	if m == nil {
		t.Fatalf("no run id in status:\n%s", status)
	}
	detail := mustRun(t, 0, "status", "--config", cfgPath, "--run", m[1])
	t.Logf("send printed:\n%s\nstatus printed:\n%s%s", out, status, detail)
	if !strings.Contains(detail, "recipients ("+itoa(len(others))+"):") {
		t.Errorf("run %s does not list %d recipients:\n%s", m[1], len(others), detail)
	}
	for _, r := range []string{paused, optedOut} {
		if strings.Contains(strings.ToLower(status+detail), strings.ToLower(r)) {
			t.Errorf("status mentions %s, who was left out in config:\n%s%s", r, status, detail)
		}
	}
	for _, r := range others {
		if !strings.Contains(detail, "  "+r+": sent") {
			t.Errorf("run detail does not show %s as sent:\n%s", r, detail)
		}
	}

	// The pause is lifted: the next send delivers the paused rep's digest
	// and nobody else's; the opt-out still holds.
	setPauses(t, cfgPath, nil, []string{optedOut})
	out = mustRun(t, 0, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", e2ePeriod)
	if !strings.Contains(out, "1 sent") || !strings.Contains(out, itoa(len(others))+" already had it") ||
		strings.Contains(out, paused+" (paused)") || !strings.Contains(out, "not sent to "+optedOut+" (opted out)") {
		t.Errorf("send after lifting the pause:\n%s", out)
	}
	want := len(others) + 1
	if c := mp.WaitCount(t, want, 0); c != want {
		t.Fatalf("Mailpit holds %d messages, want %d", c, want)
	}
	got = byRecipient(t, mp)
	if len(got[paused]) != 1 || len(got[optedOut]) != 0 {
		t.Errorf("after lifting the pause: %s has %d messages (want 1), %s has %d (want 0)",
			paused, len(got[paused]), optedOut, len(got[optedOut]))
	}
}

// setPauses rewrites delivery.paused and delivery.opt_out in a config
// written by writeConfig.
func setPauses(t *testing.T, cfgPath string, paused, optOut []string) {
	t.Helper()
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "  paused:") && !strings.HasPrefix(l, "  opt_out:") {
			kept = append(kept, l)
		}
	}
	s := strings.Join(kept, "\n")
	list := func(as []string) string { return "[" + strings.Join(as, ", ") + "]" }
	// The delivery block ends where the store line begins.
	block := "  paused: " + list(paused) + "\n  opt_out: " + list(optOut) + "\nstore: "
	if strings.Count(s, "\nstore: ") != 1 {
		t.Fatalf("config has no single store line:\n%s", s)
	}
	s = strings.Replace(s, "\nstore: ", "\n"+block, 1)
	if err := os.WriteFile(cfgPath, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
