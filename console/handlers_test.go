package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/console"
	"github.com/crmdigest/crmdigest/jobs"
)

// TestLoginRequired: with users, every page sends to the login; a wrong
// password is 401, the sixth failure from an address in 15 minutes is 429
// even with the right password; the session cookie is HttpOnly and
// SameSite=Strict (not Secure: this is plain HTTP on loopback).
func TestLoginRequired(t *testing.T) {
	f := newFixture(t, map[string]string{"alice": password})
	c := f.client(t)
	resp, _ := get(t, c, f.srv.URL+"/runs")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("GET /runs without a session: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	_, page := get(t, c, f.srv.URL+"/login")
	token := csrf(t, page)
	resp, _ = post(t, c, f.srv.URL+"/login", url.Values{"csrf": {token}, "user": {"alice"}, "password": {password}})
	cookie := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") || strings.Contains(cookie, "Secure") {
		t.Errorf("login: %s, cookie %q", resp.Status, cookie)
	}
	if resp, page := get(t, c, f.srv.URL+"/runs"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "alice") {
		t.Errorf("logged in GET /runs: %s", resp.Status)
	}
	bad := f.client(t)
	for i := 1; i <= 5; i++ {
		_, page := get(t, bad, f.srv.URL+"/login")
		resp, _ := post(t, bad, f.srv.URL+"/login", url.Values{"csrf": {csrf(t, page)}, "user": {"alice"}, "password": {"guess " + strconv.Itoa(i)}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %s", i, resp.Status)
		}
	}
	_, page = get(t, bad, f.srv.URL+"/login")
	resp, _ = post(t, bad, f.srv.URL+"/login", url.Values{"csrf": {csrf(t, page)}, "user": {"alice"}, "password": {password}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sixth attempt: %s, want 429", resp.Status)
	}
}

// TestCSRF: a POST without the session's token, or with another one, is
// refused and changes nothing; a login form without its token too.
func TestCSRF(t *testing.T) {
	f := newFixture(t, map[string]string{"alice": password})
	c := f.client(t)
	token := f.login(t, c, "alice", password)
	for _, form := range []url.Values{
		{"scope": {"schedule"}, "name": {"directors-monthly"}, "paused": {"1"}},
		{"scope": {"schedule"}, "name": {"directors-monthly"}, "paused": {"1"}, "csrf": {strings.Repeat("0", len(token))}},
	} {
		resp, _ := post(t, c, f.srv.URL+"/actions/pause", form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %v: %s, want 403", form, resp.Status)
		}
	}
	if ps, _ := f.store.Pauses(context.Background()); len(ps) != 0 {
		t.Errorf("a refused POST paused: %+v", ps)
	}
	form := url.Values{"scope": {"schedule"}, "name": {"directors-monthly"}, "paused": {"1"}, "csrf": {token}}
	if resp, _ := post(t, c, f.srv.URL+"/actions/pause", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("POST with the token: %s", resp.Status)
	}
	if ps, _ := f.store.Pauses(context.Background()); len(ps) != 1 || ps[0].Who != "alice" {
		t.Errorf("pauses: %+v", ps)
	}
	fresh := f.client(t)
	resp, _ := post(t, fresh, f.srv.URL+"/login", url.Values{"user": {"alice"}, "password": {password}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without its token: %s, want 403", resp.Status)
	}
}

// TestOpenConsole: without users on loopback nobody logs in, but a Host
// header that is not a loopback name (DNS rebinding) is refused, and
// pages carry the CSP without scripts and frame-ancestors 'none'.
func TestOpenConsole(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client(t)
	resp, page := get(t, c, f.srv.URL+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "no login") {
		t.Fatalf("open console: %s", resp.Status)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if strings.Contains(csp, "script-src") || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(page, "<script") {
		t.Errorf("a page holds a script")
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/", nil)
	req.Host = "attacker.example:80"
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: %s, want 421", resp.Status)
	}
	for _, h := range []string{"localhost:9464", "[::1]:9464"} {
		req.Host = h
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("Host %s: %s", h, resp.Status)
		}
	}
}

// TestNewRefusesInsecure: off loopback the console needs users and TLS or
// a trusted proxy; auth none is loopback only.
func TestNewRefusesInsecure(t *testing.T) {
	users := map[string][]byte{"alice": []byte("$2a$04$abcdefghijklmnopqrstuu1234567890123456789012345678901")}
	pfx, _ := config.Parse([]byte("sources: [{name: d, kind: deals, path: d.csv}]\ndelivery: {from: a@example.com}\nconsole: {trusted_proxy: [10.0.0.1]}\n"), t.TempDir())
	for _, c := range []struct {
		addr string
		cfg  config.Console
		ok   bool
	}{
		{"127.0.0.1:9464", config.Console{}, true},
		{"localhost:9464", config.Console{Auth: "none"}, true},
		{"0.0.0.0:9464", config.Console{}, false},
		{":9464", config.Console{Users: users}, false},
		{"192.0.2.1:9464", config.Console{Auth: "none"}, false},
		{"192.0.2.1:9464", config.Console{Users: users, TLSCert: "c.pem", TLSKey: "k.pem"}, true},
		{"192.0.2.1:9464", config.Console{Users: users, Proxies: pfx.Console.Proxies}, true},
	} {
		_, err := console.New(console.Options{Addr: c.addr, Config: c.cfg})
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, console.ErrInsecure)) {
			t.Errorf("%s %+v: %v", c.addr, c.cfg, err)
		}
	}
}

// TestRunPageAndResolve: the run page lists every delivery with its state
// and the server's reply, filters by state and by name; marking the
// in-doubt one delivered changes the ledger and is shown with who did it.
func TestRunPageAndResolve(t *testing.T) {
	f := newFixture(t, map[string]string{"alice": password})
	c := f.client(t)
	token := f.login(t, c, "alice", password)
	run := f.srv.URL + "/runs/" + strconv.FormatInt(f.runID, 10)
	_, page := get(t, c, run+"?state=failed")
	if !strings.Contains(page, failedTo) || !strings.Contains(page, "550 5.1.1") || strings.Contains(page, inDoubtTo) {
		t.Errorf("failed filter:\n%s", page)
	}
	_, page = get(t, c, run+"?name=EAST")
	if !strings.Contains(page, inDoubtTo) || strings.Contains(page, failedTo) || !strings.Contains(page, "in_doubt") {
		t.Errorf("name filter:\n%s", page)
	}
	if resp, _ := get(t, c, run+"?state=bogus"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown state: %s", resp.Status)
	}
	resp, _ := post(t, c, f.srv.URL+"/actions/mark-delivered", url.Values{"csrf": {token}, "schedule": {"directors-monthly"},
		"recipient": {inDoubtTo}, "period": {period}, "run": {strconv.FormatInt(f.runID, 10)}, "back": {"/runs/1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark delivered: %s", resp.Status)
	}
	e, _, _ := f.store.Ledger(context.Background(), "directors-monthly", inDoubtTo, period)
	if e.State != jobs.StateSent || e.LastError != "marked delivered by alice" {
		t.Errorf("ledger: %+v", e)
	}
	_, page = get(t, c, run)
	if !strings.Contains(page, "mark-delivered") || !strings.Contains(page, "<td>alice</td>") {
		t.Errorf("the run page does not show the action:\n%s", page)
	}
	resp, _ = post(t, c, f.srv.URL+"/actions/mark-delivered", url.Values{"csrf": {token}, "schedule": {"directors-monthly"},
		"recipient": {failedTo}, "period": {period}})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("marking a failed delivery: %s, want 409", resp.Status)
	}
}

// TestEscaping: text from the store (a paused name here) that holds markup
// or CR/LF is shown as text; the redirect back never leaves the site.
func TestEscaping(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client(t)
	_, page := get(t, c, f.srv.URL+"/")
	evil := "<script>alert(1)</script>\r\nSet-Cookie: x=1"
	resp, _ := post(t, c, f.srv.URL+"/actions/pause", url.Values{"csrf": {csrf(t, page)}, "scope": {"person"}, "name": {evil}, "paused": {"1"}, "back": {"//evil.example/"}})
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/?") {
		t.Errorf("redirect to %q", loc)
	}
	if resp.Header.Get("Set-Cookie") != "" && strings.Contains(resp.Header.Get("Set-Cookie"), "x=1") {
		t.Errorf("header injected")
	}
	_, page = get(t, c, f.srv.URL+"/")
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the name is not escaped")
	}
}

// TestOverviewSources: the overview shows each source's last load as the
// store recorded it, with the data gate's verdict and reasons, and each
// schedule's next firings in its recipients' zones and its last run.
func TestOverviewSources(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client(t)
	_, page := get(t, c, f.srv.URL+"/")
	if !strings.Contains(page, "not judged yet") || !strings.Contains(page, "sales_pipeline.csv") || !strings.Contains(page, "America/Chicago") ||
		!strings.Contains(page, `href="/runs/`+strconv.FormatInt(f.runID, 10)+`"`) {
		t.Errorf("overview before any recorded load:\n%s", page)
	}
	err := f.store.RecordLoad(context.Background(), jobs.SourceLoad{Source: "pipeline", Kind: "deals", File: "/data/deals.csv",
		RowsRead: 4100, RowsAccepted: 4000, RowsSetAside: 100, Verdict: jobs.VerdictRefused,
		Reasons: []string{"rows fell from 8800 to 4000 (<b>-55%</b>)"}})
	if err != nil {
		t.Fatal(err)
	}
	_, page = get(t, c, f.srv.URL+"/")
	for _, want := range []string{"/data/deals.csv", "4000", "refused", "rows fell from 8800 to 4000 (&lt;b&gt;-55%&lt;/b&gt;)"} {
		if !strings.Contains(page, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if strings.Contains(page, "not judged yet") {
		t.Errorf("the overview still shows the unjudged reading once a load is recorded")
	}
}

// TestActions: a real run needs a finished dry run of the same schedule
// and period; a bad period is refused; the dry run previews every
// recipient; the real run sends what the ledger lacks; a resend is a
// forced one-person run; all are in the audit log with who. The preview
// bodies may be framed by the console only.
func TestActions(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	c := f.client(t)
	_, page := get(t, c, f.srv.URL+"/")
	token := csrf(t, page)
	runForm := func(dry, per string) url.Values {
		return url.Values{"csrf": {token}, "schedule": {"directors-monthly"}, "period": {per}, "dry": {dry}}
	}
	if resp, body := post(t, c, f.srv.URL+"/actions/run", runForm("0", period)); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "dry run") {
		t.Errorf("a real run before a dry run: %s %s", resp.Status, body)
	}
	if resp, body := post(t, c, f.srv.URL+"/actions/run", runForm("1", "2017-13")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "period") {
		t.Errorf("a bad period: %s %s", resp.Status, body)
	}
	newRun := func(resp *http.Response) jobs.RunSummary {
		t.Helper()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("action: %s", resp.Status)
		}
		loc := resp.Header.Get("Location")
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/runs/"), 10, 64)
		if err != nil {
			t.Fatalf("redirect to %q", loc)
		}
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		sum, err := f.store.WaitRun(wctx, id, 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	resp, _ := post(t, c, f.srv.URL+"/actions/run", runForm("1", period))
	if dry := newRun(resp); !dry.DryRun || dry.Preview != 4 {
		t.Errorf("dry run: %+v", dry)
	}
	resp, _ = post(t, c, f.srv.URL+"/actions/run", runForm("0", period))
	if real := newRun(resp); real.DryRun || real.Skipped != 2 || real.InDoubt != 1 || real.Failed != 1 {
		t.Errorf("real run after the first one: %+v", real)
	}
	const head = "head.of.sales@maventech.example.com"
	resp, _ = post(t, c, f.srv.URL+"/actions/resend", url.Values{"csrf": {token}, "schedule": {"directors-monthly"},
		"recipient": {head}, "period": {period}, "run": {strconv.FormatInt(f.runID, 10)}, "back": {"/runs/1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %s", resp.Status)
	}
	acts, _ := f.store.Actions(ctx, f.runID, 10)
	if len(acts) != 1 || acts[0].Action != "resend" || acts[0].Who != "local" || acts[0].NewRun == 0 {
		t.Fatalf("resend's audit entry: %+v", acts)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if sum, err := f.store.WaitRun(wctx, acts[0].NewRun, 50*time.Millisecond); err != nil || sum.Sent != 1 || !sum.Force {
		t.Errorf("resend run: %+v %v", sum, err)
	}
	if e, _, _ := f.store.Ledger(ctx, "directors-monthly", head, period); e.Resends != 1 || e.State != jobs.StateSent {
		t.Errorf("ledger after the resend: %+v", e)
	}
	all, _ := f.store.Actions(ctx, 0, 10)
	var names []string
	for _, a := range all {
		names = append(names, a.Action)
	}
	if got := strings.Join(names, " "); got != "resend run dry-run" {
		t.Errorf("audit log %q", got)
	}

	q := url.Values{"schedule": {"directors-monthly"}, "person": {head}, "period": {period}}.Encode()
	for _, p := range []string{"/preview/email?", "/preview/pdf?"} {
		resp, _ := get(t, c, f.srv.URL+p+q)
		if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != 200 || !strings.Contains(csp, "frame-ancestors 'self'") || resp.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
			t.Errorf("%s: %s, CSP %q", p, resp.Status, csp)
		}
	}
	if resp, _ := get(t, c, f.srv.URL+"/preview/email?"+q); !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("the email body is not sandboxed")
	}
	if resp, page := get(t, c, f.srv.URL+"/preview?schedule=directors-monthly&person="+head+"&period=2017-W99"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "period:") {
		t.Errorf("preview with a bad period: %s", resp.Status)
	}
}
