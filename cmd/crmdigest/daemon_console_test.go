package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The daemon serves the console on its listen address beside /healthz on
// loopback; on an address that is not loopback, with no console user, it
// logs a warning, leaves the console off and still serves /healthz and
// /readyz. (No workbook here: the directory cannot be read, which the
// daemon survives, and the test needs nothing else.)
func TestDaemonConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon test")
	}
	book := filepath.Join(t.TempDir(), "missing.xlsx")
	cfg := writeDaemonConfig(t, daemonConfig{Workbook: book, SMTPPort: 1})
	p := startTestDaemonUnready(t, cfg, paris("2026-11-30 06:00:00"))
	if code, body := p.get("/"); code != http.StatusOK || !strings.Contains(body, "<h1>Overview</h1>") {
		t.Errorf("console on loopback: %d\n%s", code, body)
	}
	p.stop()

	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	open := strings.Replace(string(data), `listen: "127.0.0.1:0"`, `listen: "0.0.0.0:0"`, 1)
	if err := os.WriteFile(cfg, []byte(open), 0o600); err != nil {
		t.Fatal(err)
	}
	p = startTestDaemonUnready(t, cfg, paris("2026-11-30 06:00:00"))
	if code, _ := p.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with the console off: %d", code)
	}
	if code, body := p.get("/"); code != http.StatusNotFound || strings.Contains(body, "Overview") {
		t.Errorf("console on 0.0.0.0 without users: %d\n%s", code, body)
	}
	if log := p.log.String(); !strings.Contains(log, "web console off") || !strings.Contains(log, "no console user") {
		t.Errorf("no warning logged:\n%s", log)
	}
	p.stop()
}
