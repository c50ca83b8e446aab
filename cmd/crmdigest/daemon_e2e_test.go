package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/daemon"
	"github.com/crmdigest/crmdigest/internal/mailpittest"
)

// The daemon's end-to-end tests run the real binary (crmdigestBinary)
// against a real Mailpit, on a fake clock set through the daemon's testing
// hook (CRMDIGEST_FAKE_NOW), so that Monday 07:00 comes a few seconds after
// the start.

const daemonSched = "reps-weekly"

var parisLoc = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}()

func paris(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, parisLoc)
	if err != nil {
		panic(err)
	}
	return t
}

// daemonConfig is what varies between the daemon tests' config.yaml files.
type daemonConfig struct {
	Workbook   string
	SMTPPort   int
	Store      string // default a SQLite file in the config's folder
	Rate       int    // delivery.rate_per_minute
	MaxDataAge string // default 192h
}

func writeDaemonConfig(t *testing.T, c daemonConfig) string {
	t.Helper()
	dir := t.TempDir()
	if c.Store == "" {
		c.Store = filepath.Join(dir, "state", "crmdigest.db")
	}
	if c.MaxDataAge == "" {
		c.MaxDataAge = "192h"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `organisation:
  name: Daemon Industries
  timezone: Europe/Paris
  currency: EUR
  rates: {USD: 0.92, GBP: 1.17}
  admin: admin@example.com
sources:
`)
	for _, k := range []string{"people", "deals", "activities", "leads", "invoices", "targets"} {
		fmt.Fprintf(&b, "  - {name: %s, kind: %s, preset: crmdigest, path: %q, sheet: %s}\n", k, k, c.Workbook, k)
	}
	fmt.Fprintf(&b, `delivery:
  from: "Sales digest <digest@example.com>"
  transport: smtp
  rate_per_minute: %d
  concurrency: 4
  workers: 4
  max_attempts: 3
  smtp: {host: 127.0.0.1, port: %d, tls: none, allow_insecure: true, timeout: 20s}
store: %q
schedules:
  - {name: %s, report: rep, recipients: {role: rep}, cron: "0 7 * * MON", timezone: recipient, period: last_week}
daemon:
  listen: "127.0.0.1:0"
  max_lateness: 6h
  max_data_age: %s
  stop_timeout: 20s
log: {format: text, level: info}
`, c.Rate, c.SMTPPort, c.Store, daemonSched, c.MaxDataAge)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// recipientsByZone is what the pipeline itself selects for the schedule:
// each zone's recipients' addresses.
func recipientsByZone(t *testing.T, cfgPath string) map[string][]string {
	t.Helper()
	_, s, people := selectRecipients(t, cfgPath, daemonSched)
	out := map[string][]string{}
	for _, person := range people {
		z := s.RecipientZone(person)
		out[z] = append(out[z], person.Email)
	}
	return out
}

// daemonTestProc is a running `crmdigest daemon`.
type daemonTestProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{}
	code int
	addr string // host:port of its HTTP server
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var httpAddr = regexp.MustCompile(`msg="daemon started".* http=(\S+)`)

// startTestDaemon starts the daemon on a fake clock that reads now at its
// start and waits until /readyz answers 200. It is killed when the test
// ends if it is still running.
func startTestDaemon(t *testing.T, cfgPath string, now time.Time) *daemonTestProc {
	t.Helper()
	return launchDaemon(t, cfgPath, now, http.StatusOK)
}

// startTestDaemonUnready starts the daemon and waits until /readyz answers
// at all, whatever the answer.
func startTestDaemonUnready(t *testing.T, cfgPath string, now time.Time) *daemonTestProc {
	t.Helper()
	return launchDaemon(t, cfgPath, now, 0)
}

// launchDaemon starts the daemon and waits until /readyz answers status
// (0: any status).
func launchDaemon(t *testing.T, cfgPath string, now time.Time, status int) *daemonTestProc {
	t.Helper()
	cmd := exec.Command(crmdigestBinary(t), "daemon", "--config", cfgPath)
	cmd.Env = append(os.Environ(), daemon.EnvFakeNow+"="+now.Format(time.RFC3339Nano), daemon.EnvFakeSpeed+"=1")
	p := &daemonTestProc{t: t, cmd: cmd, log: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		_ = err
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("daemon exited with %d at start:\n%s", p.code, p.log)
		case <-time.After(50 * time.Millisecond):
		}
		m := httpAddr.FindStringSubmatch(p.log.String())
		if m == nil {
			continue
		}
		p.addr = m[1]
		if code, _ := p.get("/readyz"); code != 0 && (status == 0 || code == status) {
			return p
		}
	}
	t.Fatalf("daemon not ready after 30s:\n%s", p.log)
	return nil
}

func (p *daemonTestProc) get(path string) (int, string) {
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// stop sends SIGTERM and waits for the exit; the status must be 0.
func (p *daemonTestProc) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		p.t.Fatalf("daemon still running 40s after SIGTERM:\n%s", p.log)
	}
	if p.code != 0 {
		p.t.Fatalf("daemon exited with %d after SIGTERM:\n%s", p.code, p.log)
	}
}

// metrics reads /metrics into "name{labels}" -> value.
func (p *daemonTestProc) metrics() map[string]float64 {
	p.t.Helper()
	code, body := p.get("/metrics")
	if code != http.StatusOK {
		p.t.Fatalf("/metrics: %d %s", code, body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			p.t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// series names one series the way the text format writes it (labels
// sorted by name).
func series(name string, labels ...string) string {
	var kv []string
	for i := 0; i+1 < len(labels); i += 2 {
		kv = append(kv, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
	}
	sort.Strings(kv)
	if len(kv) == 0 {
		return name
	}
	return name + "{" + strings.Join(kv, ",") + "}"
}

// waitMessages waits until Mailpit holds n messages, failing after timeout.
func waitMessages(t *testing.T, mp *mailpittest.Server, n int, timeout time.Duration, p *daemonTestProc) {
	t.Helper()
	if got := mp.WaitCount(t, n, timeout); got < n {
		t.Fatalf("Mailpit holds %d messages after %s, want %d; daemon log:\n%s", got, timeout, n, p.log)
	}
}

// checkOnce checks that every address in want got exactly one message and
// nobody else got any.
func checkOnce(t *testing.T, mp *mailpittest.Server, want []string) {
	t.Helper()
	got := byRecipient(t, mp)
	for _, a := range want {
		if n := len(got[a]); n != 1 {
			t.Errorf("%s got %d messages, want 1", a, n)
		}
		delete(got, a)
	}
	for a, ms := range got {
		t.Errorf("%s got %d unexpected messages (first: %q)", a, len(ms), ms[0].Subject)
	}
}

func europe(z map[string][]string) []string {
	return append(append([]string(nil), z["Europe/Paris"]...), z["Europe/Madrid"]...)
}

// The daemon fires Monday 07:00 in Paris and Madrid (its recipients'
// zones), is stopped with SIGTERM in the middle of the batch, and is
// started again: every European rep ends with exactly one digest. The
// restarted daemon's /healthz, /readyz and /metrics answer with the
// expected series.
func TestDaemonFiresAndResumesAfterSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon test")
	}
	mp := mailpittest.Start(t)
	// 300 messages a minute spaces them 200 ms apart: the batch lasts
	// long enough to be interrupted.
	cfg := writeDaemonConfig(t, daemonConfig{Workbook: demoWorkbook(t, 30, 1), SMTPPort: mp.SMTPPort, Rate: 300})
	zones := recipientsByZone(t, cfg)
	want := europe(zones)
	if len(want) < 10 || len(zones["America/New_York"]) == 0 {
		t.Fatalf("the demo directory should have reps on both sides of the Atlantic: %v", zones)
	}

	d := startTestDaemon(t, cfg, paris("2026-11-30 06:59:58"))
	waitMessages(t, mp, 3, 30*time.Second, d)
	d.stop()
	first := mp.Count(t)
	if first >= len(want) {
		t.Fatalf("the batch was over (%d of %d) before SIGTERM: the test no longer stops it mid-batch", first, len(want))
	}
	for _, w := range []string{"stopping: no new work", "daemon stopped"} {
		if !strings.Contains(d.log.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, d.log)
		}
	}

	d2 := startTestDaemon(t, cfg, paris("2026-11-30 07:00:30"))
	waitMessages(t, mp, len(want), 60*time.Second, d2)
	time.Sleep(1500 * time.Millisecond) // room for a duplicate to show up
	checkOnce(t, mp, want)

	// Health and metrics of the restarted node.
	if code, body := d2.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := d2.get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
	m := d2.metrics()
	if got, want := m[series("crmdigest_deliveries_total", "schedule", daemonSched, "outcome", "sent")], float64(len(want)-first); got != want {
		t.Errorf("restarted node counts %v deliveries sent, want %v (the ones the first left)", got, want)
	}
	if got := m[series("crmdigest_firings_total", "schedule", daemonSched, "outcome", "enqueued")]; got != 0 {
		t.Errorf("restarted node enqueued %v firings, want 0: they were recorded before the restart", got)
	}
	ny, _ := time.LoadLocation("America/New_York")
	nextNY := time.Date(2026, 11, 30, 7, 0, 0, 0, ny)
	if got := m[series("crmdigest_next_firing_timestamp_seconds", "schedule", daemonSched)]; got != float64(nextNY.Unix()) {
		t.Errorf("next firing %v, want %v (07:00 in New York)", time.Unix(int64(got), 0), nextNY)
	}
	if got := m[series("crmdigest_runs_total", "schedule", daemonSched, "outcome", "ok")]; got < 1 {
		t.Errorf("no successful run counted: %v", got)
	}
	if m[series("crmdigest_last_success_timestamp_seconds", "schedule", daemonSched)] == 0 {
		t.Error("no last success time")
	}
	if got := m[series("crmdigest_source_rows_read", "source", "people")]; got < float64(len(want)) {
		t.Errorf("people rows read %v, fewer than the %d European reps", got, len(want))
	}
	for _, name := range []string{"crmdigest_delivery_duration_seconds_count", "crmdigest_run_duration_seconds_count"} {
		if m[series(name, "schedule", daemonSched)] == 0 {
			t.Errorf("%s is 0 or missing", name)
		}
	}
	// This node has read the directory only: the other sources are read
	// by a firing.
	if _, ok := m[series("crmdigest_source_rows_set_aside", "source", "people")]; !ok {
		t.Error("no set-aside series for the people source")
	}
	d2.stop()
}
