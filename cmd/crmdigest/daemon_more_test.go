package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/internal/mailpittest"
)

// Two daemons on one PostgreSQL store fire the same Monday 07:00: the
// store keeps one firing per zone, the nodes share the deliveries, and each
// rep gets one message.
func TestDaemonTwoNodesPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon test")
	}
	store := postgresStore(t)
	mp := mailpittest.Start(t)
	cfg := writeDaemonConfig(t, daemonConfig{Workbook: demoWorkbook(t, 30, 1), SMTPPort: mp.SMTPPort, Store: store, Rate: 600})
	want := europe(recipientsByZone(t, cfg))

	// One after the other: the first creates the schema and runs the
	// migrations. Both clocks read 06:59:57 at their own start, so each
	// node fires 07:00 on its own, a second or so apart.
	a := startTestDaemon(t, cfg, paris("2026-11-30 06:59:57"))
	b := startTestDaemon(t, cfg, paris("2026-11-30 06:59:57"))
	waitMessages(t, mp, len(want), 60*time.Second, a)
	time.Sleep(2 * time.Second) // the later node's firing comes after the first's messages
	checkOnce(t, mp, want)

	ma, mb := a.metrics(), b.metrics()
	enq := func(m map[string]float64, outcome string) float64 {
		return m[series("crmdigest_firings_total", "schedule", daemonSched, "outcome", outcome)]
	}
	sent := func(m map[string]float64) float64 {
		return m[series("crmdigest_deliveries_total", "schedule", daemonSched, "outcome", "sent")]
	}
	// Paris and Madrid: two firings in all, whichever node recorded them.
	if got := enq(ma, "enqueued") + enq(mb, "enqueued"); got != 2 {
		t.Errorf("%v firings enqueued by the two nodes, want 2 (Paris and Madrid)", got)
	}
	if got := enq(ma, "duplicate") + enq(mb, "duplicate"); got != 2 {
		t.Errorf("%v firings found already recorded, want 2 (the later node's)", got)
	}
	if got := sent(ma) + sent(mb); got != float64(len(want)) {
		t.Errorf("the nodes sent %v messages together, want %d", got, len(want))
	}
	t.Logf("deliveries: node a %v, node b %v", sent(ma), sent(mb))
	a.stop()
	b.stop()
}

// A firing missed while no daemon ran is caught up once on start; a
// restart does not run it again; a firing missed by more than max_lateness
// is skipped and logged once.
func TestDaemonCatchUp(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon test")
	}
	mp := mailpittest.Start(t)
	cfg := writeDaemonConfig(t, daemonConfig{Workbook: demoWorkbook(t, 12, 1), SMTPPort: mp.SMTPPort})
	zones := recipientsByZone(t, cfg)
	europeans, ny := europe(zones), zones["America/New_York"]
	if len(ny) == 0 {
		t.Fatalf("no rep in New York: %v", zones)
	}

	// Monday 09:00 in Paris: 07:00 in Paris and Madrid was missed by 2h.
	d := startTestDaemon(t, cfg, paris("2026-11-30 09:00:00"))
	waitMessages(t, mp, len(europeans), 30*time.Second, d)
	if n := strings.Count(d.log.String(), "catching up a firing missed"); n != 2 {
		t.Errorf("%d catch-up lines, want 2 (Paris, Madrid):\n%s", n, d.log)
	}
	d.stop()
	checkOnce(t, mp, europeans)

	// A restart half an hour later finds them recorded.
	d = startTestDaemon(t, cfg, paris("2026-11-30 09:30:00"))
	time.Sleep(2 * time.Second)
	d.stop()
	if log := d.log.String(); strings.Contains(log, "msg=firing") || strings.Contains(log, "catching up") {
		t.Errorf("the restart fired again:\n%s", log)
	}
	checkOnce(t, mp, europeans)

	// A week later at 14:00 in Paris: 07:00 in Paris and Madrid is 7h
	// old, beyond max_lateness (6h): skipped. 07:00 in New York (13:00 in
	// Paris) is 1h old: caught up, for the first time in that zone.
	mp.DeleteAll(t)
	d = startTestDaemon(t, cfg, paris("2026-12-07 14:00:00"))
	waitMessages(t, mp, len(ny), 30*time.Second, d)
	time.Sleep(1500 * time.Millisecond)
	d.stop()
	log := d.log.String()
	if n := strings.Count(log, "missed firing skipped"); n != 2 {
		t.Errorf("%d skipped lines, want 2 (Paris, Madrid):\n%s", n, log)
	}
	if !strings.Contains(log, "more than daemon.max_lateness") {
		t.Errorf("the skip does not say why:\n%s", log)
	}
	checkOnce(t, mp, ny)

	// And the skipped firings are not reported again.
	d = startTestDaemon(t, cfg, paris("2026-12-07 14:30:00"))
	time.Sleep(1 * time.Second)
	d.stop()
	if log := d.log.String(); strings.Contains(log, "skipped") || strings.Contains(log, "msg=firing") {
		t.Errorf("the restart reported or fired again:\n%s", log)
	}
	checkOnce(t, mp, ny)
}

// Data older than max_data_age: the firing's run fails, no rep gets last
// month's numbers, and the administrator gets an email saying why.
func TestDaemonStaleDataTellsAdmin(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon test")
	}
	mp := mailpittest.Start(t)
	dir := t.TempDir()
	mustRun(t, 0, "demo", "--out", dir, "--reps", "6", "--years", "1", "--end", "2026-10-30")
	cfg := writeDaemonConfig(t, daemonConfig{
		Workbook: filepath.Join(dir, "crmdigest-demo-2026-10-30.xlsx"), SMTPPort: mp.SMTPPort,
	})
	d := startTestDaemon(t, cfg, paris("2026-11-30 06:59:58"))
	waitMessages(t, mp, 1, 30*time.Second, d)
	time.Sleep(1500 * time.Millisecond)
	m := d.metrics()
	d.stop()

	msgs := mp.Messages(t)
	for _, s := range msgs {
		if len(s.To) != 1 || s.To[0].Address != "admin@example.com" {
			t.Errorf("message to %v (%q): only the administrator should hear of stale data", s.To, s.Subject)
			continue
		}
		full := mp.Message(t, s.ID)
		if !strings.Contains(full.Subject, "did not run") || !strings.Contains(full.Text, "stale data") || !strings.Contains(full.Text, "max_data_age") {
			t.Errorf("admin notice does not say why:\n%s\n%s", full.Subject, full.Text)
		}
	}
	if got := m[series("crmdigest_runs_total", "schedule", daemonSched, "outcome", "failed")]; got < 1 {
		t.Errorf("failed runs %v, want at least 1", got)
	}
	if !strings.Contains(d.log.String(), "run failed") {
		t.Errorf("the failed run is not logged:\n%s", d.log)
	}
}

// /readyz says 503 while the directory cannot be read; /healthz still
// says the process is alive. The daemon keeps running and fires in the
// organisation's zone, so the failure reaches the administrator.
func TestDaemonNotReadyWithoutDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon test")
	}
	dir := t.TempDir()
	book := filepath.Join(dir, "missing.xlsx")
	cfg := writeDaemonConfig(t, daemonConfig{Workbook: book, SMTPPort: 1})
	p := startTestDaemonUnready(t, cfg, paris("2026-11-30 06:00:00"))
	if code, body := p.get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not loaded") {
		t.Errorf("/readyz: %d %q, want 503 not loaded", code, body)
	}
	if code, _ := p.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d, want 200", code)
	}
	p.stop()
	_ = os.Remove(book)
}
