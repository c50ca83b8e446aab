package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/mailpittest"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/pipeline"
	"github.com/crmdigest/crmdigest/schedule"
)

// The end-to-end tests pin the clock to Monday 2026-11-30 07:00 in Paris and
// generate demo data up to that day, so the digests of week 48 (23 to 29
// November) read the same on every run, and `render` (whose as-of day
// defaults to the day after the period) computes what `send` computes.
const (
	e2eClock  = "2026-11-30T07:00:00+01:00"
	e2eEnd    = "2026-11-30"
	e2ePeriod = "2026-W48"
	e2eSched  = "reps-weekly"
	e2eAdmin  = "admin@example.com"
)

// demoWorkbook runs `crmdigest demo` into a fresh folder and returns the
// workbook's path.
func demoWorkbook(t *testing.T, reps, years int) string {
	t.Helper()
	dir := t.TempDir()
	out, errOut, code := runBin(t, nil, "demo", "--out", dir, "--reps", fmt.Sprint(reps), "--years", fmt.Sprint(years), "--end", e2eEnd)
	if code != 0 {
		t.Fatalf("demo: exit %d: %s%s", code, out, errOut)
	}
	return filepath.Join(dir, "crmdigest-demo-"+e2eEnd+".xlsx")
}

// e2eConfig is what varies between the tests' config.yaml files.
type e2eConfig struct {
	Workbook  string
	SMTPPort  int
	Store     string // default: a SQLite file in the config's folder
	Templates string // delivery.templates, "" for none
	InDoubt   string // default hold
	Workers   int    // default 4
}

// writeConfig writes config.yaml into a fresh folder and returns its path.
func writeConfig(t *testing.T, c e2eConfig) string {
	t.Helper()
	dir := t.TempDir()
	if c.Store == "" {
		c.Store = filepath.Join(dir, "state", "crmdigest.db")
	}
	if c.InDoubt == "" {
		c.InDoubt = "hold"
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	var b strings.Builder
	fmt.Fprintf(&b, `organisation:
  name: E2E Industries
  timezone: Europe/Paris
  currency: EUR
  rates: {USD: 0.92, GBP: 1.17}
  admin: %s
  clock: %q
sources:
`, e2eAdmin, e2eClock)
	for _, k := range []string{"people", "deals", "activities", "leads", "invoices", "targets"} {
		fmt.Fprintf(&b, "  - {name: %s, kind: %s, preset: crmdigest, path: %q, sheet: %s}\n", k, k, c.Workbook, k)
	}
	fmt.Fprintf(&b, `delivery:
  from: "Sales digest <digest@example.com>"
  transport: smtp
  concurrency: 4
  workers: %d
  max_attempts: 3
  in_doubt: %s
  smtp: {host: 127.0.0.1, port: %d, tls: none, allow_insecure: true, timeout: 20s}
`, c.Workers, c.InDoubt, c.SMTPPort)
	if c.Templates != "" {
		fmt.Fprintf(&b, "  templates: %q\n", c.Templates)
	}
	fmt.Fprintf(&b, `store: %q
schedules:
  - {name: %s, report: rep, recipients: {role: rep}, cron: "0 7 * * MON", timezone: recipient, period: last_week}
log: {level: warn}
`, c.Store, e2eSched)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runBin runs the crmdigest binary to its end and returns stdout, stderr
// and the exit status.
func runBin(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, crmdigestBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee) && ctx.Err() == nil:
		return out.String(), errb.String(), ee.ExitCode()
	}
	t.Fatalf("crmdigest %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	return "", "", 0
}

// mustRun runs the binary and fails the test unless it exits with want.
func mustRun(t *testing.T, want int, args ...string) string {
	t.Helper()
	out, errOut, code := runBin(t, nil, args...)
	if code != want {
		t.Fatalf("crmdigest %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out
}

// expected is what the pipeline itself builds for the test's config: the
// recipients of the schedule and each one's message, built in process with
// the same clock as the command.
type expected struct {
	pipe       *pipeline.Pipeline
	recipients []string // keys (email addresses), directory order
}

func expect(t *testing.T, cfgPath string) *expected {
	t.Helper()
	p, _, people := selectRecipients(t, cfgPath, e2eSched)
	e := &expected{pipe: p}
	for _, person := range people {
		e.recipients = append(e.recipients, person.Key())
	}
	if len(e.recipients) == 0 {
		t.Fatal("the demo directory has no reps")
	}
	return e
}

// selectRecipients is what the pipeline itself selects for a schedule of
// the config at cfgPath.
func selectRecipients(t *testing.T, cfgPath, sched string) (*pipeline.Pipeline, *schedule.Schedule, []crm.Person) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := p.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, ok := p.Schedule(sched)
	if !ok {
		t.Fatalf("no schedule %q in %s", sched, cfgPath)
	}
	people, _ := p.Recipients(ds, s)
	return p, s, people
}

// bodies are the text and HTML alternatives of a message.
type bodies struct{ text, html string }

// messageBodies parses raw with the standard library's parsers and returns
// its text and HTML parts, so that a test compares what a mail reader
// would show.
func messageBodies(t *testing.T, raw []byte) bodies {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	var b bodies
	var walk func(ct string, h map[string][]string, r io.Reader)
	walk = func(ct string, h map[string][]string, r io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("multipart: %v", err)
				}
				walk(p.Header.Get("Content-Type"), p.Header, p)
			}
		}
		body, err := io.ReadAll(decoder(h, r))
		if err != nil {
			t.Fatal(err)
		}
		switch mt {
		case "text/plain":
			b.text = string(body)
		case "text/html":
			b.html = string(body)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Header, m.Body)
	return b
}

func decoder(h map[string][]string, r io.Reader) io.Reader {
	var enc string
	if v := h["Content-Transfer-Encoding"]; len(v) > 0 {
		enc = strings.ToLower(v[0])
	}
	if enc == "quoted-printable" {
		return quotedprintable.NewReader(r)
	}
	return r
}

// sameText compares two bodies as a reader sees them: line ends and
// trailing white space may differ between what was built and what the
// server hands back.
func sameText(a, b string) bool {
	norm := func(s string) string {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t")
		}
		return strings.Join(lines, "\n")
	}
	return norm(a) == norm(b)
}

// openTestStore opens the store of a config that no process uses now.
func openTestStore(t *testing.T, cfgPath string) *jobs.Store {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	s, err := openStore(context.Background(), cfg.Store, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// postgresStore returns a postgres:// store URL with a schema of its own,
// dropped when the test ends. It skips the test when
// CRMDIGEST_TEST_POSTGRES is unset and fails it when the server does not
// answer.
func postgresStore(t *testing.T) string {
	t.Helper()
	u := os.Getenv("CRMDIGEST_TEST_POSTGRES")
	if u == "" {
		t.Skip("CRMDIGEST_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("CRMDIGEST_TEST_POSTGRES is set but PostgreSQL does not answer: %v", err)
	}
	conn.Close(ctx)
	var rnd [6]byte
	rand.Read(rnd[:])
	schema := "e2e_" + hex.EncodeToString(rnd[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "schema=" + schema
}

// byRecipient groups Mailpit's messages by their one recipient.
func byRecipient(t *testing.T, mp *mailpittest.Server) map[string][]mailpittest.Summary {
	t.Helper()
	out := map[string][]mailpittest.Summary{}
	for _, m := range mp.Messages(t) {
		if len(m.To) != 1 {
			t.Fatalf("message %s has %d recipients, want 1", m.ID, len(m.To))
		}
		out[m.To[0].Address] = append(out[m.To[0].Address], m)
	}
	return out
}

// e2ePeriodValue is e2ePeriod read as the command line reads it.
func e2ePeriodValue(t testing.TB) kpi.Period {
	t.Helper()
	p, err := kpi.ParsePeriod(e2ePeriod, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
