package main

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/crmdigest/crmdigest/internal/mailpittest"
)

// TestE2EBadAddress gives one rep an address that cannot be mailed: that
// rep is refused with a clear error in the run's output and in status,
// everybody else gets their digest, and the administrator one notice.
func TestE2EBadAddress(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest and starts Mailpit")
	}
	t.Parallel()
	mp := mailpittest.Start(t)
	book := demoWorkbook(t, 4, 1)
	good := expect(t, writeConfig(t, e2eConfig{Workbook: book, SMTPPort: mp.SMTPPort})).recipients
	victim := good[1]
	bad := strings.TrimSuffix(victim, ".com") // "name@example": the domain has no dot
	setEmail(t, book, victim, bad)
	good = append(good[:1:1], good[2:]...)

	cfgPath := writeConfig(t, e2eConfig{Workbook: book, SMTPPort: mp.SMTPPort})
	if got := expect(t, cfgPath).recipients; len(got) != len(good)+1 {
		t.Fatalf("after the edit the schedule has %d recipients, want %d", len(got), len(good)+1)
	}
	out, errOut, code := runBin(t, nil, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", e2ePeriod)
	if code != 1 {
		t.Fatalf("send with a bad address: exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, itoa(len(good))+" sent, 1 failed") {
		t.Errorf("send output does not say %d sent, 1 failed:\n%s", len(good), out)
	}
	// The error names the person's address and what is wrong with it.
	refusal := "failed: " + bad + ": "
	if !strings.Contains(out, refusal) || !strings.Contains(out, "address") {
		t.Errorf("send output does not explain the refusal of %s:\n%s", bad, out)
	}
	if !strings.Contains(errOut, "needs attention") {
		t.Errorf("stderr does not say the run needs attention:\n%s", errOut)
	}

	n := len(good) + 1 // digests and the notice
	if c := mp.WaitCount(t, n, 0); c != n {
		t.Fatalf("Mailpit holds %d messages, want %d digests and 1 notice", c, len(good))
	}
	got := byRecipient(t, mp)
	for _, r := range good {
		if len(got[r]) != 1 {
			t.Errorf("%s: %d messages, want 1", r, len(got[r]))
		}
	}
	notices := got[e2eAdmin]
	if len(notices) != 1 {
		t.Fatalf("the administrator got %d messages, want 1 notice", len(notices))
	}
	nm := mp.Message(t, notices[0].ID)
	if !strings.Contains(nm.Subject, "needs attention") || !strings.Contains(nm.Text, bad) || !strings.Contains(nm.Text, "1 failed") {
		t.Errorf("notice %q does not name the failure:\n%s", nm.Subject, nm.Text)
	}

	status := mustRun(t, 0, "status", "--config", cfgPath)
	t.Logf("send printed:\n%s%s\nstatus printed:\n%s", out, errOut, status)
	line := ""
	for _, l := range strings.Split(status, "\n") {
		if strings.Contains(l, bad+":") {
			line = l
		}
	}
	if !strings.Contains(line, "failed") || !strings.Contains(line, "address") {
		t.Errorf("status does not list %s as failed with the reason:\n%s", bad, status)
	}
	if !strings.Contains(status, itoa(len(good))+" sent, 0 skipped, 1 failed") {
		t.Errorf("status does not count %d sent and 1 failed:\n%s", len(good), status)
	}

	// A permanent refusal is not retried by the next send either... but it
	// is not taken as delivered: the next run tries again and fails again.
	out, _, code = runBin(t, nil, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", e2ePeriod)
	if code != 1 || !strings.Contains(out, itoa(len(good))+" already had it") || !strings.Contains(out, refusal) {
		t.Errorf("second send: exit %d\n%s", code, out)
	}
}

// setEmail replaces an address in the people sheet of a demo workbook.
func setEmail(t *testing.T, book, from, to string) {
	t.Helper()
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("people")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i, row := range rows {
		for j, v := range row {
			if v == from {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if err := f.SetCellValue("people", cell, to); err != nil {
					t.Fatal(err)
				}
				found++
			}
		}
	}
	if found != 1 {
		t.Fatalf("%s found %d times in the people sheet", from, found)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}
