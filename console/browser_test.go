package console_test

import (
	"bytes"
	"context"
	"flag"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/crmdigest/crmdigest/internal/browsertest"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
)

// -update-screenshots writes the pages the browser tests visit to
// docs/img/console-*.png, for docs/CONSOLE.md and the README.
var updateScreenshots = flag.Bool("update-screenshots", false, "write docs/img/console-*.png from the browser tests")

// browser starts a headless Chromium for the console's pages; extra are
// more command-line flags.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	return browsertest.Start(t, 90*time.Second, extra...)
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// shot saves the viewport as docs/img/console-NAME.png under
// -update-screenshots.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "img", "console-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserOperator is the operator's round in a real browser: log in,
// open a run, filter its failures, preview a digest (the PDF's bytes and
// Content-Type as the browser received them), resolve the in-doubt
// delivery and see the ledger change, and have a form posted without its
// CSRF token refused.
func TestBrowserOperator(t *testing.T) {
	f := newFixture(t, map[string]string{"alice": password})
	ctx := browser(t)
	u := f.srv.URL

	do(t, ctx, chromedp.Navigate(u+"/"), chromedp.WaitVisible(`input[name=user]`))
	shot(t, ctx, "login")
	do(t, ctx,
		chromedp.SetValue(`input[name=user]`, "alice"),
		chromedp.SetValue(`input[name=password]`, password),
		chromedp.Submit(`input[name=password]`),
		chromedp.WaitVisible(`//h1[text()="Overview"]`),
	)
	if who := text(t, ctx, "header .who"); !strings.Contains(who, "alice") {
		t.Errorf("the header does not name the user: %q", who)
	}
	shot(t, ctx, "overview")

	run := strconv.FormatInt(f.runID, 10)
	do(t, ctx, chromedp.Click(`//a[text()="Runs"]`), chromedp.WaitVisible(`//h1[text()="Runs"]`))
	shot(t, ctx, "runs")
	do(t, ctx, chromedp.Click(`//a[text()="#`+run+`"]`), chromedp.WaitVisible(`#deliveries`))
	if all := text(t, ctx, "#deliveries"); !strings.Contains(all, inDoubtTo) || !strings.Contains(all, failedTo) {
		t.Fatalf("the run page lacks a delivery:\n%s", all)
	}
	shot(t, ctx, "run")
	do(t, ctx, chromedp.SetValue(`select[name=state]`, "failed"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(`//button[text()="Filter"]`)); err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "state=failed") {
		t.Errorf("after Filter the page is %s", loc)
	}
	failed := text(t, ctx, "#deliveries")
	if !strings.Contains(failed, failedTo) || !strings.Contains(failed, "550 5.1.1") || strings.Contains(failed, inDoubtTo) {
		t.Errorf("filtered on failed:\n%s", failed)
	}

	// The preview: the PDF pane's response as the browser received it,
	// caught at the Fetch domain's response stage (the network domain
	// would give the viewer's placeholder page: headless Chromium draws no PDF).
	q := url.Values{"schedule": {"directors-monthly"}, "person": {"director.central@maventech.example.com"}, "period": {period}}.Encode()
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	enable := func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
			{URLPattern: "*/preview/pdf?*", RequestStage: fetch.RequestStageResponse}}})
		return chromedp.Void{}, err
	}
	do(t, ctx, enable)
	// The page's load waits for its frames, and the PDF frame waits for
	// us: navigate in the background.
	navigated := make(chan error, 1)
	go func() { navigated <- chromedp.Do(ctx, chromedp.Navigate(u+"/preview?"+q)) }()
	var body []byte
	var contentType string
	for ev, err := range paused {
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range ev.ResponseHeaders {
			if strings.EqualFold(h.Name, "Content-Type") {
				contentType = h.Value
			}
		}
		body, err = chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
			r, err := cdp.Call(ctx, t, fetch.GetResponseBody, fetch.GetResponseBodyParams{RequestID: ev.RequestID})
			if err != nil {
				return nil, err
			}
			_, err = cdp.Call(ctx, t, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			return r.Body, err
		})
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if err := <-navigated; err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.WaitVisible(`iframe[title=PDF]`), func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, fetch.Disable, cdp.Empty{})
		return chromedp.Void{}, err
	})
	if contentType != "application/pdf" {
		t.Errorf("PDF pane's Content-Type %q", contentType)
	}
	want, err := f.pipe.Preview(context.Background(), "directors-monthly", "director.central@maventech.example.com", kpi.Period{Kind: kpi.Month, Year: 2017, N: 12})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(body, []byte("%PDF-")) || !bytes.Equal(body, want.PDF) {
		t.Errorf("the browser's PDF (%d bytes, starts %q) is not the digest (%d bytes)", len(body), body[:min(8, len(body))], len(want.PDF))
	}
	if subject := text(t, ctx, "main h2"); subject != want.Subject {
		t.Errorf("preview subject %q, want %q", subject, want.Subject)
	}
	time.Sleep(300 * time.Millisecond) // let the email pane paint for the picture
	shot(t, ctx, "preview")

	// Resolve the in-doubt delivery from its run's page.
	do(t, ctx, chromedp.Navigate(u+"/runs/"+run+"?state=in_doubt"), chromedp.WaitVisible(`#deliveries`))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(`//button[text()="Mark delivered"]`)); err != nil {
		t.Fatal(err)
	}
	if n := text(t, ctx, "p.notice"); n != "Marked delivered." {
		t.Errorf("notice %q", n)
	}
	e, _, err := f.store.Ledger(context.Background(), "directors-monthly", inDoubtTo, period)
	if err != nil || e.State != jobs.StateSent || e.LastError != "marked delivered by alice" {
		t.Errorf("ledger after the click: %+v %v", e, err)
	}
	do(t, ctx, chromedp.Navigate(u+"/runs/"+run), chromedp.WaitVisible(`table.actions`))
	if acts := text(t, ctx, "table.actions"); !strings.Contains(acts, "alice") || !strings.Contains(acts, "mark-delivered") {
		t.Errorf("the run page does not show who resolved it:\n%s", acts)
	}
	shot(t, ctx, "run-resolved")

	// A form whose CSRF token was taken out is refused.
	do(t, ctx,
		chromedp.Navigate(u+"/"),
		chromedp.WaitVisible(`//h1[text()="Overview"]`),
		chromedp.RemoveAttribute(`//form[@action="/actions/pause"]/input[@name="csrf"]`, "name"),
	)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(`//form[@action="/actions/pause"]//button[text()="Pause"]`))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 403 || !strings.Contains(text(t, ctx, "body"), "CSRF token") {
		t.Errorf("a POST without its token: %d %q", resp.Status, text(t, ctx, "body"))
	}
	if ps, _ := f.store.Pauses(context.Background()); len(ps) != 0 {
		t.Errorf("a form without its token paused: %+v", ps)
	}
}

// TestBrowserForeignHost: a console without login, reached under another
// host name (what a DNS-rebinding page does: Chromium resolves
// rebind.example to 127.0.0.1 here), answers 421 and shows nothing.
func TestBrowserForeignHost(t *testing.T) {
	f := newFixture(t, nil)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(f.srv.URL, "http://"))
	ctx := browser(t, chromedp.Flag("host-resolver-rules", "MAP rebind.example 127.0.0.1"))
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse("http://rebind.example:"+port+"/"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 421 {
		t.Errorf("foreign host: status %d, want 421", resp.Status)
	}
	if body := text(t, ctx, "body"); strings.Contains(body, "Overview") || !strings.Contains(body, "localhost only") {
		t.Errorf("foreign host saw: %q", body)
	}
	resp, err = chromedp.Run(ctx, chromedp.NavigateResponse("http://localhost:"+port+"/"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || !strings.Contains(text(t, ctx, "h1"), "Overview") {
		t.Errorf("localhost: status %d", resp.Status)
	}
}
