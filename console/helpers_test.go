package console_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/console"
	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/pipeline"
	"golang.org/x/crypto/bcrypt"
)

// The fixture: the real Maven export (testdata/maven-crm), its directors'
// monthly schedule, a real SQLite store and the outbox transport, with
// faults injected for two directors (a mail server cannot be made to drop
// the connection after DATA on demand).
const (
	inDoubtTo = "director.east@maventech.example.com"
	failedTo  = "director.west@maventech.example.com"
	period    = "2017-12"
	password  = "correct horse battery"
)

// faulty wraps the outbox: inDoubtTo's message is lost after DATA, and
// failedTo's address is refused with a 550.
type faulty struct{ next delivery.Transport }

func (f faulty) Send(ctx context.Context, m *delivery.Message) error {
	switch m.To.Address {
	case inDoubtTo:
		if m.BeforeEnd != nil {
			if err := m.BeforeEnd(); err != nil {
				return err
			}
		}
		return &delivery.SendError{InDoubt: true, Stage: "end-of-data", Err: errors.New("read tcp: connection reset by peer")}
	case failedTo:
		return &delivery.SendError{Permanent: true, Code: 550, Reply: "5.1.1 <" + failedTo + ">: mailbox unavailable", Stage: "rcpt",
			Err: errors.New("550 5.1.1 mailbox unavailable")}
	}
	return f.next.Send(ctx, m)
}

type fixture struct {
	cfg   *config.Config
	store *jobs.Store
	pipe  *pipeline.Pipeline
	srv   *httptest.Server
	runID int64
	dir   string
}

// newFixture builds the parts and runs directors-monthly for period once,
// leaving one delivery in doubt and one failed. users, if not empty, are
// the console's users (name -> password).
func newFixture(t *testing.T, users map[string]string) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	data, err := filepath.Abs("../testdata/maven-crm")
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
	if len(users) > 0 {
		var lines []string
		for name, pw := range users {
			h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, name+":"+string(h))
		}
		if err := os.WriteFile(filepath.Join(dir, "users"), []byte(strings.Join(lines, "\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		yaml += "console: {users_file: users}\n"
	}
	cfg, err := config.Parse([]byte(yaml), dir)
	if err != nil {
		t.Fatal(err)
	}
	pipe, err := pipeline.New(cfg, pipeline.Options{Wrap: func(t delivery.Transport) delivery.Transport { return faulty{t} }})
	if err != nil {
		t.Fatal(err)
	}
	store, err := jobs.Open(ctx, cfg.Store, jobs.Options{Deliverer: pipe, Planner: pipe, PollInterval: 50 * time.Millisecond,
		MaxAttempts: 2, RetryBase: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = store.Stop(sctx)
		_ = store.Close()
	})
	if _, err := pipe.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.Start(ctx); err != nil {
		t.Fatal(err)
	}
	people, _, err := pipe.People(ctx, "directors-monthly")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range people {
		keys = append(keys, p.Key())
	}
	id, err := store.StartRun(ctx, jobs.RunSpec{Schedule: "directors-monthly", Period: kpi.Period{Kind: kpi.Month, Year: 2017, N: 12}, Recipients: keys, DataFiles: pipe.DataFiles()})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	sum, err := store.WaitRun(wctx, id, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if sum.InDoubt != 1 || sum.Failed != 1 || sum.Sent != len(keys)-2 {
		t.Fatalf("fixture run: %+v", sum)
	}
	f := &fixture{cfg: cfg, store: store, pipe: pipe, runID: id, dir: dir}
	con, err := console.New(console.Options{Store: store, Digests: pipe, Config: cfg.Console, Addr: "127.0.0.1:0", Now: pipe.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(con.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed (the tests look at them).
func (f *fixture) client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf reads the token from a page's forms.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}

// login logs c in as user and returns the session's CSRF token.
func (f *fixture) login(t *testing.T, c *http.Client, user, pw string) string {
	t.Helper()
	_, page := get(t, c, f.srv.URL+"/login")
	resp, _ := post(t, c, f.srv.URL+"/login", url.Values{"csrf": {csrf(t, page)}, "user": {user}, "password": {pw}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: %s", user, resp.Status)
	}
	_, page = get(t, c, f.srv.URL+"/")
	return csrf(t, page)
}
