package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/internal/mailpittest"
	"github.com/crmdigest/crmdigest/jobs"
)

// TestE2ESendSQLite sends a schedule's digests through the real command
// to a real Mailpit, with the job store in a SQLite file.
func TestE2ESendSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest and starts Mailpit")
	}
	t.Parallel()
	testE2ESend(t, "")
}

// TestE2ESendPostgres is the same with the store in PostgreSQL, in a schema
// of its own named by the store URL's schema parameter.
func TestE2ESendPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest and starts Mailpit")
	}
	t.Parallel()
	testE2ESend(t, postgresStore(t))
}

func testE2ESend(t *testing.T, store string) {
	mp := mailpittest.Start(t)
	cfgPath := writeConfig(t, e2eConfig{Workbook: demoWorkbook(t, 4, 1), SMTPPort: mp.SMTPPort, Store: store})
	exp := expect(t, cfgPath)
	n := len(exp.recipients)
	send := func(want int, extra ...string) string {
		t.Helper()
		args := append([]string{"send", "--config", cfgPath, "--schedule", e2eSched, "--period", e2ePeriod}, extra...)
		return mustRun(t, want, args...)
	}
	ctx := context.Background()

	// --only with a name that is nobody's: a usage error, nothing sent.
	out, errOut, code := runBin(t, nil, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", e2ePeriod, "--only", "nobody@example.com")
	if code != 2 || !strings.Contains(errOut, "nobody@example.com is not among the recipients") || mp.Count(t) != 0 {
		t.Fatalf("--only nobody: exit %d, %d messages stored\n%s%s", code, mp.Count(t), out, errOut)
	}

	// --only: one person, and nobody else.
	first := exp.recipients[0]
	out = send(0, "--only", strings.ToUpper(first))
	if got := mp.Count(t); got != 1 {
		t.Fatalf("--only %s: Mailpit holds %d messages, want 1\n%s", first, got, out)
	}
	if !strings.Contains(out, "1 sent") {
		t.Errorf("--only output: %q", out)
	}

	// Everyone else.
	out = send(0)
	if want := n - 1; !strings.Contains(out, itoa(want)+" sent") || !strings.Contains(out, "1 already had it") {
		t.Errorf("send output does not say %d sent and 1 already had it:\n%s", want, out)
	}
	if got := mp.WaitCount(t, n, 0); got != n {
		t.Fatalf("Mailpit holds %d messages, want %d", got, n)
	}
	got := byRecipient(t, mp)
	pdfDir := t.TempDir()
	originalIDs := map[string]string{}
	for _, r := range exp.recipients {
		ms := got[r]
		if len(ms) != 1 {
			t.Errorf("%s: %d messages, want 1", r, len(ms))
			continue
		}
		originalIDs[r] = ms[0].MessageID
		checkDigest(t, mp, exp, ms[0].ID, r, pdfDir, cfgPath)
	}

	// Again: nothing new.
	out = send(0)
	if c := mp.Count(t); c != n {
		t.Errorf("a second send stored %d more messages", c-n)
	}
	if !strings.Contains(out, itoa(n)+" already had it") || strings.Contains(out, " sent,") {
		t.Errorf("second send output:\n%s", out)
	}

	// --force: one more each, recorded as forced.
	out = send(0, "--force")
	if !strings.Contains(out, "forced resend") || !strings.Contains(out, itoa(n)+" sent") {
		t.Errorf("forced send output:\n%s", out)
	}
	if c := mp.WaitCount(t, 2*n, 0); c != 2*n {
		t.Fatalf("after --force Mailpit holds %d messages, want %d", c, 2*n)
	}
	got = byRecipient(t, mp)
	for _, r := range exp.recipients {
		if len(got[r]) != 2 {
			t.Errorf("%s: %d messages after --force, want 2", r, len(got[r]))
			continue
		}
		if got[r][0].MessageID == got[r][1].MessageID {
			t.Errorf("%s: the forced resend reuses Message-ID %s", r, got[r][0].MessageID)
		}
	}
	status := mustRun(t, 0, "status", "--config", cfgPath)
	if !regexp.MustCompile(`#\d+ ` + e2eSched + ` ` + e2ePeriod + ` forced: ` + itoa(n) + ` sent`).MatchString(status) {
		t.Errorf("status does not show the forced run with %d sent:\n%s", n, status)
	}
	func() {
		s := openTestStore(t, cfgPath)
		for _, r := range exp.recipients {
			e, ok, err := s.Ledger(ctx, e2eSched, r, e2ePeriod)
			if err != nil || !ok {
				t.Fatalf("ledger %s: %v %v", r, ok, err)
			}
			if e.State != jobs.StateSent || !e.Forced || e.Resends != 1 {
				t.Errorf("%s: ledger %s forced=%v resends=%d, want sent, forced, 1 resend", r, e.State, e.Forced, e.Resends)
			}
		}
		s.Close()
	}()

	// --dry-run: renders everything, sends nothing.
	out = send(0, "--dry-run")
	if !strings.Contains(out, itoa(n)+" rendered, nothing sent") {
		t.Errorf("dry run output:\n%s", out)
	}
	if c := mp.Count(t); c != 2*n {
		t.Errorf("a dry run stored %d messages", c-2*n)
	}

	// --redirect-to: everyone's digest to the administrator, as previews,
	// not counted as delivered.
	out = send(0, "--redirect-to", e2eAdmin)
	if !strings.Contains(out, itoa(n)+" previews sent to "+e2eAdmin) {
		t.Errorf("redirect output:\n%s", out)
	}
	if c := mp.WaitCount(t, 3*n, 0); c != 3*n {
		t.Fatalf("after --redirect-to Mailpit holds %d messages, want %d", c, 3*n)
	}
	previews := byRecipient(t, mp)[e2eAdmin]
	if len(previews) != n {
		t.Fatalf("%d messages to %s, want %d", len(previews), e2eAdmin, n)
	}
	meant := map[string]bool{}
	for _, m := range previews {
		h := mp.Headers(t, m.ID)
		if v := h[delivery.PreviewHeader]; len(v) == 1 {
			meant[v[0]] = true
		}
		if !strings.HasPrefix(m.Subject, "[preview for ") {
			t.Errorf("preview subject %q is not marked", m.Subject)
		}
		if m.Attachments != 1 {
			t.Errorf("preview %s has %d attachments", m.Subject, m.Attachments)
		}
	}
	for _, r := range exp.recipients {
		if !meant[r] {
			t.Errorf("no preview carries %s: %s", delivery.PreviewHeader, r)
		}
	}
	status = mustRun(t, 0, "status", "--config", cfgPath)
	if !regexp.MustCompile(`preview to ` + regexp.QuoteMeta(e2eAdmin) + `: 0 sent, 0 skipped, 0 failed, 0 in doubt, 0 pending, ` + itoa(n) + ` preview`).MatchString(status) {
		t.Errorf("status does not show the preview run as %d previews and nothing sent:\n%s", n, status)
	}
	s := openTestStore(t, cfgPath)
	for _, r := range exp.recipients {
		e, _, err := s.Ledger(ctx, e2eSched, r, e2ePeriod)
		if err != nil {
			t.Fatal(err)
		}
		if e.Resends != 1 || e.MessageID == "" {
			t.Errorf("%s: the preview changed the ledger: %+v", r, e)
		}
	}
}

// checkDigest compares one stored message with what the pipeline builds
// for the same person and period, and its attachment with the PDF that
// `crmdigest render` writes.
func checkDigest(t *testing.T, mp *mailpittest.Server, exp *expected, id, recipient, pdfDir, cfgPath string) {
	t.Helper()
	m := mp.Message(t, id)
	want, err := exp.pipe.Message(context.Background(), jobs.Delivery{Schedule: e2eSched, Recipient: recipient, Period: e2ePeriodValue(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 1 || m.To[0].Address != recipient || m.To[0].Name != want.Recipient.Name {
		t.Errorf("%s: To %v, want %s <%s>", recipient, m.To, want.Recipient.Name, recipient)
	}
	if m.From == nil || m.From.Address != "digest@example.com" || m.From.Name != "Sales digest" {
		t.Errorf("%s: From %v", recipient, m.From)
	}
	if m.Subject != want.Subject || m.Subject == "" {
		t.Errorf("%s: subject %q, want %q", recipient, m.Subject, want.Subject)
	}
	if strings.Trim(m.MessageID, "<>") != want.MessageID {
		t.Errorf("%s: Message-ID %s, want %s", recipient, m.MessageID, want.MessageID)
	}
	wb := messageBodies(t, want.Bytes())
	if wb.text == "" || wb.html == "" {
		t.Fatalf("the built message lacks a body: text %d bytes, html %d bytes", len(wb.text), len(wb.html))
	}
	if !sameText(m.Text, wb.text) {
		t.Errorf("%s: text body differs\n got: %q\nwant: %q", recipient, m.Text, wb.text)
	}
	if !sameText(m.HTML, wb.html) {
		t.Errorf("%s: HTML body differs\n got: %q\nwant: %q", recipient, m.HTML, wb.html)
	}
	first := strings.Fields(want.Recipient.Name)[0]
	if !strings.Contains(m.Text, first) || !strings.Contains(m.HTML, first) {
		t.Errorf("%s: a body does not greet %s", recipient, first)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("%s: %d attachments, want 1", recipient, len(m.Attachments))
	}
	a := m.Attachments[0]
	if a.ContentType != "application/pdf" || !strings.HasSuffix(a.FileName, ".pdf") {
		t.Errorf("%s: attachment %q of type %s", recipient, a.FileName, a.ContentType)
	}
	pdf := filepath.Join(pdfDir, recipient+".pdf")
	mustRun(t, 0, "render", "--config", cfgPath, "--period", e2ePeriod, "--to", recipient, "--out", pdf)
	rendered, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if got := mp.Part(t, id, a.PartID); string(got) != string(rendered) {
		t.Errorf("%s: attachment (%d bytes) differs from the rendered PDF (%d bytes)", recipient, len(got), len(rendered))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestStoreSchema checks that the schema parameter comes off a postgres://
// store URL and nothing else changes.
func TestStoreSchema(t *testing.T) {
	for _, c := range []struct{ in, url, schema string }{
		{"/var/lib/crmdigest.db", "/var/lib/crmdigest.db", ""},
		{"sqlite:///tmp/x.db?schema=a", "sqlite:///tmp/x.db?schema=a", ""},
		{"postgres://u@h/db", "postgres://u@h/db", ""},
		{"postgres://u@h/db?schema=crm", "postgres://u@h/db", "crm"},
		{"postgresql://u:pw@h:5432/db?sslmode=disable&schema=e2e_1", "postgresql://u:pw@h:5432/db?sslmode=disable", "e2e_1"},
	} {
		u, schema, err := storeSchema(c.in)
		if err != nil || u != c.url || schema != c.schema {
			t.Errorf("storeSchema(%q) = %q, %q, %v; want %q, %q", c.in, u, schema, err, c.url, c.schema)
		}
	}
}
