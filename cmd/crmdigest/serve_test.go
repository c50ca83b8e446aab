package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/console"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/pipeline"
)

// serveConfig writes a config for the Maven export (pinned clock) with
// its store and outbox in a fresh folder.
func serveConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	data, err := filepath.Abs("../../testdata/maven-crm")
	if err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`organisation: {name: MavenTech, timezone: America/New_York, currency: USD, admin: ops@maventech.example.com, clock: "2018-01-01T08:00:00-05:00"}
sources:
  - {name: teams,    kind: people,   preset: maven, path: %[1]s/sales_teams.csv}
  - {name: people,   kind: people,   preset: maven, path: %[1]s/people.csv}
  - {name: products, kind: products, preset: maven, path: %[1]s/products.csv}
  - {name: pipeline, kind: deals,    preset: maven, path: %[1]s/sales_pipeline.csv}
delivery: {from: "Sales digest <digest@maventech.example.com>", transport: outbox, outbox: outbox}
store: crmdigest.db
schedules:
  - {name: directors-monthly, report: director, cron: "0 8 1 * *", timezone: recipient, period: last_month}
`, data)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestServePreviewMatchesRenderAndSend: the console's PDF is the file
// `crmdigest render` writes for the same person and period (same as-of),
// byte for byte; its .eml is the message `send --dry-run` builds
// (pipeline.Message of a dry-run delivery, what Deliver builds), except
// the Date and Message-ID headers.
func TestServePreviewMatchesRenderAndSend(t *testing.T) {
	ctx := context.Background()
	cfgPath := serveConfig(t)
	const who, period = "director.central@maventech.example.com", "2017-12"
	pdfPath := filepath.Join(t.TempDir(), "render.pdf")
	if out, errOut, err := run(t, "render", "--config", cfgPath, "--period", period, "--to", who, "--out", pdfPath); err != nil {
		t.Fatalf("render: %v\n%s%s", err, out, errOut)
	}
	rendered, err := os.ReadFile(pdfPath)
	if err != nil {
		t.Fatal(err)
	}

	e, err := loadEnv(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	eng, err := openEngine(ctx, e.cfg, log, pipeline.Options{Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.close(ctx, time.Second)
	if _, err := eng.pipe.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	con, err := newConsole(e.cfg, "127.0.0.1:0", eng.store, eng.pipe, e.now, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(con.Handler())
	defer srv.Close()
	q := url.Values{"schedule": {"directors-monthly"}, "person": {who}, "period": {period}}.Encode()

	resp, body := fetch(t, srv.URL+"/preview/pdf?"+q)
	if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("PDF Content-Type %q", ct)
	}
	if !bytes.Equal(body, rendered) {
		t.Errorf("the console's PDF (%d bytes) differs from render's (%d bytes)", len(body), len(rendered))
	}

	resp, eml := fetch(t, srv.URL+"/preview/eml?"+q)
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "message/rfc822" || !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("eml headers %q %q", ct, cd)
	}
	other, err := pipeline.New(e.cfg, pipeline.Options{Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := other.Message(ctx, jobs.Delivery{Schedule: "directors-monthly", Recipient: who, Period: kpi.Period{Kind: kpi.Month, Year: 2017, N: 12}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := withoutDateAndID(eml), withoutDateAndID(msg.Bytes())
	if a != b {
		t.Errorf("the console's .eml differs from send --dry-run's beyond Date and Message-ID:\n%s", firstDiff(a, b))
	}
	if !bytes.Contains(eml, []byte("To: ")) || !bytes.Contains(eml, []byte("application/pdf")) {
		t.Errorf("the .eml lacks a To header or the PDF")
	}
}

var (
	dateOrID = regexp.MustCompile(`(?m)^(Date|Message-ID|Message-Id): .*\r?\n`)
	boundary = regexp.MustCompile(`boundary="?([0-9A-Za-z'()+_,./:=?-]+)"?`)
)

// withoutDateAndID drops the Date and Message-ID headers and numbers the
// MIME boundaries, which the mail library draws at random for every
// message (two builds of one message never share them).
func withoutDateAndID(b []byte) string {
	s := dateOrID.ReplaceAllString(string(b), "")
	for i, m := range boundary.FindAllStringSubmatch(s, -1) {
		s = strings.ReplaceAll(s, m[1], fmt.Sprintf("BOUNDARY-%d", i+1))
	}
	return s
}

func firstDiff(a, b string) string {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			lo := max(0, i-80)
			return fmt.Sprintf("console: %q\nsend:    %q", a[lo:min(len(a), i+80)], b[lo:min(len(b), i+80)])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(a), len(b))
}

func fetch(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", u, resp.Status, b)
	}
	return resp, b
}

// TestServeRefusesNonLoopbackWithoutUsers: `serve` on an address that is
// not loopback, with no console user, refuses to start and says why.
func TestServeRefusesNonLoopbackWithoutUsers(t *testing.T) {
	cfgPath := serveConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	err := (&Main{Stdout: &out, Stderr: &errb}).Run(ctx, []string{"serve", "--config", cfgPath, "--listen", "0.0.0.0:0"})
	if !errors.Is(err, console.ErrInsecure) || !strings.Contains(err.Error(), "no console user") {
		t.Fatalf("serve on 0.0.0.0 without users: %v", err)
	}
	if strings.Contains(out.String(), "console on") {
		t.Errorf("it said it serves: %s", out.String())
	}
}

// TestServeHashPassword: --hash-password prints a bcrypt hash that the
// config accepts, and refuses a short password.
func TestServeHashPassword(t *testing.T) {
	var out bytes.Buffer
	if err := hashPassword(strings.NewReader("long enough pass\n"), &out); err != nil {
		t.Fatal(err)
	}
	if h := strings.TrimSpace(out.String()); !strings.HasPrefix(h, "$2a$") || len(h) != 60 {
		t.Errorf("hash %q", h)
	}
	if err := hashPassword(strings.NewReader("short\n"), &out); err == nil {
		t.Error("a 5-character password was hashed")
	}
}
