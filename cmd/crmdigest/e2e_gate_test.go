package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/internal/mailpittest"
)

// The gate tests run on copies of the real Maven export, damaged the way
// exports are damaged in practice, with the clock of examples/maven.
const (
	gateClock  = "2018-01-01T08:00:00-05:00"
	gateSched  = "managers-weekly"
	gatePeriod = "2017-W52"
	gateAdmin  = "sales-ops@maventech.example.com"
)

// gateConfig copies testdata/maven-crm into a fresh folder and writes a
// config.yaml beside it: SMTP to Mailpit when port > 0, else the outbox.
// dealsExtra is added to the deals source (e.g. "date_format: DD/MM/YYYY").
func gateConfig(t *testing.T, port int, dealsExtra string) (cfgPath, dir string) {
	t.Helper()
	dir = t.TempDir()
	for _, f := range []string{"sales_teams.csv", "people.csv", "products.csv", "sales_pipeline.csv"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/maven-crm", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if dealsExtra != "" {
		dealsExtra = ", " + dealsExtra
	}
	transport := "transport: outbox\n  outbox: out/outbox"
	if port > 0 {
		transport = fmt.Sprintf("transport: smtp\n  smtp: {host: 127.0.0.1, port: %d, tls: none, allow_insecure: true, timeout: 20s}", port)
	}
	cfg := fmt.Sprintf(`organisation:
  name: MavenTech
  timezone: America/New_York
  currency: USD
  admin: %s
  clock: %q
sources:
  - {name: teams,    kind: people,   preset: maven, path: sales_teams.csv}
  - {name: people,   kind: people,   preset: maven, path: people.csv}
  - {name: products, kind: products, preset: maven, path: products.csv}
  - {name: pipeline, kind: deals,    preset: maven, path: sales_pipeline.csv%s}
delivery:
  from: "Sales digest <digest@maventech.example.com>"
  %s
store: state/crmdigest.db
schedules:
  - {name: %s, report: manager, cron: "0 8 * * MON", timezone: recipient, period: last_week}
log: {level: warn}
`, gateAdmin, gateClock, dealsExtra, transport, gateSched)
	cfgPath = filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, dir
}

// editPipeline rewrites the deals export of a gate test's folder.
func editPipeline(t *testing.T, dir string, edit func(lines []string) []string) {
	t.Helper()
	path := filepath.Join(dir, "sales_pipeline.csv")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if err := os.WriteFile(path, []byte(strings.Join(edit(lines), "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

var isoDate = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)

// toMonthFirst writes every ISO date of the export as M/D/YYYY, the way
// the Maven export was first published.
func toMonthFirst(lines []string) []string {
	for i := range lines {
		lines[i] = isoDate.ReplaceAllStringFunc(lines[i], func(s string) string {
			m := isoDate.FindStringSubmatch(s)
			mo, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			return fmt.Sprintf("%d/%d/%s", mo, d, m[1])
		})
	}
	return lines
}

// TestE2EGateDateFormat: date_format DD/MM/YYYY on an export written
// M/D/YYYY (three quarters of the rows set aside, day and month swapped in
// the rest). check, run and send exit non-zero naming the rules and the
// order that fits; nobody gets a digest and no ledger row is written; the
// runs are refused in status; the administrator gets one notice for the
// day however often it runs; --accept-quality delivers and records who
// accepted.
func TestE2EGateDateFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest and starts Mailpit")
	}
	t.Parallel()
	mp := mailpittest.Start(t)
	cfgPath, dir := gateConfig(t, mp.SMTPPort, "date_format: DD/MM/YYYY")
	editPipeline(t, dir, toMonthFirst)

	out, errOut, code := runBin(t, nil, "check", "--config", cfgPath)
	if code == 0 {
		t.Fatalf("check passed a DD/MM/YYYY reading of a M/D/YYYY export:\n%s", out)
	}
	for _, want := range []string{"max_set_aside", "date_format", `column "close_date" is read as DD/MM/YYYY, but MM/DD/YYYY fits more cells`, "set aside (75.8 %)"} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("check output lacks %q:\n%s%s", want, out, errOut)
		}
	}

	for i, args := range [][]string{
		{"run", "--config", cfgPath},
		{"send", "--config", cfgPath, "--schedule", gateSched, "--period", gatePeriod},
		{"run", "--config", cfgPath},
	} {
		out, errOut, code := runBin(t, nil, args...)
		if code == 0 || !strings.Contains(out, "refused by the data gate, nothing sent") || !strings.Contains(errOut, "--accept-quality") {
			t.Fatalf("%s #%d: exit %d\n%s%s", args[0], i, code, out, errOut)
		}
	}
	msgs := mp.Messages(t)
	if len(msgs) != 1 || msgs[0].To[0].Address != gateAdmin {
		t.Fatalf("after three refused runs Mailpit holds %d messages, want 1 notice to %s: %+v", len(msgs), gateAdmin, msgs)
	}
	nm := mp.Message(t, msgs[0].ID)
	for _, want := range []string{"pipeline", "max_set_aside", "date_format", "MM/DD/YYYY", "--accept-quality"} {
		if !strings.Contains(nm.Subject+nm.Text, want) {
			t.Errorf("the notice lacks %q:\n%s\n%s", want, nm.Subject, nm.Text)
		}
	}

	store := openTestStore(t, cfgPath)
	rep, err := store.Status(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 3 || len(rep.Attention) != 0 {
		t.Fatalf("status: %d runs, %d ledger rows needing attention; want 3 refused runs and none", len(rep.Runs), len(rep.Attention))
	}
	for _, r := range rep.Runs {
		if !r.Refused || r.Sent+r.Failed+r.Pending+r.Preview != 0 {
			t.Errorf("run %d is not a refused run with no recipient: %+v", r.ID, r)
		}
	}
	_, _, people := selectRecipients(t, cfgPath, gateSched)
	if len(people) == 0 {
		t.Fatal("the schedule has no recipients")
	}
	for _, p := range people {
		if _, ok, err := store.Ledger(t.Context(), gateSched, p.Key(), gatePeriod); ok || err != nil {
			t.Errorf("%s has a ledger row after refused runs (err %v)", p.Key(), err)
		}
	}
	store.Close()
	status := mustRun(t, 0, "status", "--config", cfgPath)
	if strings.Count(status, "REFUSED by the data gate") != 3 {
		t.Errorf("status does not show 3 refused runs:\n%s", status)
	}

	out = mustRun(t, 0, "run", "--config", cfgPath, "--accept-quality")
	if n := mp.WaitCount(t, len(people)+1, 0); n != len(people)+1 {
		t.Fatalf("--accept-quality: Mailpit holds %d messages, want %d digests and the notice\n%s", n, len(people), out)
	}
	status = mustRun(t, 0, "status", "--config", cfgPath)
	if !strings.Contains(status, "sent past the data gate, accepted by --accept-quality (source pipeline: max_set_aside, date_format)") {
		t.Errorf("status does not record the override:\n%s", status)
	}
}

// TestE2EGateDrop: after a good load, an export with half its rows gone is
// refused by max_drop, through the outbox transport: no digest file, only
// the administrator's notice, and check agrees.
func TestE2EGateDrop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest")
	}
	t.Parallel()
	cfgPath, dir := gateConfig(t, 0, "")
	out := mustRun(t, 0, "run", "--config", cfgPath, "--dry-run")
	if !strings.Contains(out, "rendered, nothing sent") {
		t.Fatalf("dry run on the intact export:\n%s", out)
	}
	editPipeline(t, dir, func(lines []string) []string {
		keep := lines[:1]
		for i, l := range lines[1:] {
			if i%2 == 0 {
				keep = append(keep, l)
			}
		}
		return keep
	})
	out, errOut, code := runBin(t, nil, "check", "--config", cfgPath)
	if code == 0 || !strings.Contains(out, "max_drop: 4,400 rows accepted, down from 8,800 in the last good load") {
		t.Fatalf("check after half the rows went: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runBin(t, nil, "run", "--config", cfgPath)
	if code == 0 || !strings.Contains(out, "max_drop") {
		t.Fatalf("run after half the rows went: exit %d\n%s%s", code, out, errOut)
	}
	var files []string
	filepath.WalkDir(filepath.Join(dir, "out"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, rel)
		}
		return nil
	})
	if len(files) != 1 || !strings.HasPrefix(files[0], filepath.Join("out", "outbox", "notice")) {
		t.Fatalf("outbox after a refused run holds %v, want the administrator's notice only", files)
	}
}

// TestE2EGateMissingAmount: an export without its amount column passes
// the loader (the column is optional for open deals) but not the gate:
// won revenue needs it.
func TestE2EGateMissingAmount(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest")
	}
	t.Parallel()
	cfgPath, dir := gateConfig(t, 0, "")
	editPipeline(t, dir, func(lines []string) []string {
		for i, l := range lines {
			lines[i] = l[:strings.LastIndexByte(l, ',')]
		}
		return lines
	})
	out, errOut, code := runBin(t, nil, "check", "--config", cfgPath)
	if code == 0 || !strings.Contains(out, "needed_column: no amount column: won revenue needs it") {
		t.Fatalf("check without an amount column: exit %d\n%s%s", code, out, errOut)
	}
	mustRun(t, 0, "check", "--config", cfgPath, "--accept-quality")
}

// TestE2EGateDaemon: a daemon firing on the damaged export delivers
// nothing, records a refused run, and tells the administrator once,
// although each of the managers' zones fires in turn.
func TestE2EGateDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end daemon test")
	}
	t.Parallel()
	mp := mailpittest.Start(t)
	cfgPath, dir := gateConfig(t, mp.SMTPPort, "date_format: DD/MM/YYYY")
	editPipeline(t, dir, toMonthFirst)
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// The daemon's fake clock replaces the pinned one.
	text := strings.Replace(string(b), fmt.Sprintf("  clock: %q\n", gateClock), "", 1) +
		"daemon: {listen: \"127.0.0.1:0\", max_lateness: 6h, max_data_age: 192h, stop_timeout: 20s}\n"
	text = strings.Replace(text, "log: {level: warn}", "log: {format: text, level: info}", 1)
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	// Two seconds before 08:00 in New York; the other US zones fire one,
	// two and three hours later, within the catch-up window of a restart.
	d := startTestDaemon(t, cfgPath, time.Date(2018, 1, 1, 7, 59, 58, 0, ny))
	waitMessages(t, mp, 1, 30*time.Second, d)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(d.log.String(), "run refused by the data gate") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	d.stop()
	// A later start catches up the zones that fired since: refused again,
	// with no second notice the same day.
	d2 := startTestDaemon(t, cfgPath, time.Date(2018, 1, 1, 11, 30, 0, 0, ny))
	deadline = time.Now().Add(30 * time.Second)
	for strings.Count(d2.log.String(), "run refused by the data gate") < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // room for a second notice to show up
	d2.stop()
	msgs := mp.Messages(t)
	if len(msgs) != 1 || msgs[0].To[0].Address != gateAdmin || !strings.Contains(msgs[0].Subject, "refused by the data gate") {
		t.Fatalf("Mailpit holds %d messages, want one notice to %s: %+v\n%s\n%s", len(msgs), gateAdmin, msgs, d.log, d2.log)
	}
	store := openTestStore(t, cfgPath)
	rep, err := store.Status(t.Context(), 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) < 2 || len(rep.Attention) != 0 {
		t.Fatalf("status: %d runs, %d ledger rows; want refused runs for at least two zones and no ledger row:\n%s", len(rep.Runs), len(rep.Attention), d2.log)
	}
	for _, r := range rep.Runs {
		if !r.Refused || r.At.IsZero() || r.Sent+r.Pending+r.Failed != 0 {
			t.Errorf("run %d (%s, fired %s) is not a refused firing: %+v", r.ID, r.Zone, r.At, r)
		}
	}
}

// TestE2EUnreadableSource: a run by hand whose deals export is missing
// exits non-zero, sends nothing and records a failed run that status
// shows with the reason, as the daemon records a firing it could not plan.
func TestE2EUnreadableSource(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest")
	}
	t.Parallel()
	cfgPath, dir := gateConfig(t, 0, "")
	if err := os.Remove(filepath.Join(dir, "sales_pipeline.csv")); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runBin(t, nil, "run", "--config", cfgPath)
	if code == 0 || !strings.Contains(out, "the sources could not be read, nothing sent") || !strings.Contains(errOut, "sales_pipeline.csv") {
		t.Fatalf("run without the deals export: exit %d\n%s%s", code, out, errOut)
	}
	filepath.WalkDir(filepath.Join(dir, "out"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("run without the deals export wrote %s", path)
		}
		return nil
	})
	status := mustRun(t, 0, "status", "--config", cfgPath)
	if !strings.Contains(status, "run failed: read sources:") || !strings.Contains(status, `source "pipeline"`) {
		t.Errorf("status does not show the failed run and its source:\n%s", status)
	}
	// A dry run records nothing.
	if _, _, code := runBin(t, nil, "run", "--config", cfgPath, "--dry-run"); code == 0 {
		t.Error("dry run without the deals export exited 0")
	}
	if n := strings.Count(mustRun(t, 0, "status", "--config", cfgPath), "run failed: read sources:"); n != 1 {
		t.Errorf("status shows %d failed runs after a run and a dry run, want 1", n)
	}
}
