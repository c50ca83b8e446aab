package report

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/crmdigest/crmdigest/internal/browsertest"
	"github.com/crmdigest/crmdigest/templates"
)

// -update-email-shots writes the screenshots of docs/REPORTS.md's email
// section (docs/img/email-*.png) from TestEmailInBrowser.
var updateEmailShots = flag.Bool("update-email-shots", false, "write docs/img/email-*.png from TestEmailInBrowser")

// textStyle is what the page says of one run of text: its computed size,
// and the contrast of its colour on the first opaque background behind it.
type textStyle struct {
	Text  string  `json:"text"`
	Size  float64 `json:"size"`
	Ratio float64 `json:"ratio"`
}

// measureText lists every non-blank text node of the page with its size
// and WCAG contrast ratio (relative luminance, (L1+0.05)/(L2+0.05)).
const measureText = `(() => {
  const parse = c => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(s => s).map(parseFloat);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ground = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const out = [];
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = w.nextNode());) {
    const text = n.textContent.trim();
    if (!text) continue;
    const el = n.parentElement, cs = getComputedStyle(el);
    const l1 = lum(parse(cs.color)), l2 = lum(ground(el));
    out.push({text: text.slice(0, 60), size: parseFloat(cs.fontSize),
      ratio: (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05)});
  }
  return out;
})()`

// TestEmailInBrowser loads the HTML body of every demo digest's email in
// headless Chromium at 375 and 1024 px wide, in the light and the dark
// colour scheme, and checks that nothing scrolls sideways, that every text
// is at least 14 px, that every text has a contrast of at least 4.5:1 on
// its ground, that the dark scheme is applied, and that the inline chart
// is there with its alt text.
func TestEmailInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browsertest.Start(t, 3*time.Minute)
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	shots := map[string]string{} // kind → the page of its first English recipient
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		s := linkedSet(t, k)
		for i, p := range Recipients(demoData().Dataset, k) {
			d, err := s.Digest(p)
			if err != nil {
				t.Fatal(err)
			}
			e := d.Email()
			png, alt, err := d.EmailChart()
			if err != nil {
				t.Fatal(err)
			}
			if png == nil {
				t.Fatalf("%s: no chart for the email", p.Email)
			}
			e.InlineChartCID, e.ChartAlt = EmailChartCID, alt
			r, err := set.Render(e)
			if err != nil {
				t.Fatal(err)
			}
			// A file has no parts to point cid: at: the image goes in as
			// a data: URL, the way the console's preview shows it.
			cid := "cid:" + EmailChartCID
			if !strings.Contains(r.HTML, `src="`+cid+`"`) {
				t.Fatalf("%s: the HTML does not show %s", p.Email, cid)
			}
			html := strings.Replace(r.HTML, cid, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(png), 1)
			file := filepath.Join(dir, fmt.Sprintf("%s-%d.html", k, i))
			if err := os.WriteFile(file, []byte(html), 0o644); err != nil {
				t.Fatal(err)
			}
			if p == firstEnglish(demoData().Dataset, k) && k != KindDirector {
				shots[string(k)] = file
			}
			checkEmailPage(t, ctx, p.Email, "file://"+file, alt)
		}
	}
	if *updateEmailShots || *updateDocImages {
		for kind, file := range shots {
			for _, v := range []struct {
				w      int64
				scheme string
			}{{375, "light"}, {1024, "light"}, {375, "dark"}} {
				shot, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
					if err := chromedp.Do(ctx, chromedp.EmulateViewport(v.w, 800), media(v.scheme), chromedp.Navigate("file://"+file)); err != nil {
						return nil, err
					}
					return chromedp.FullScreenshot(100)(ctx, tg)
				})
				if err != nil {
					t.Fatal(err)
				}
				suffix := ""
				if v.scheme == "dark" {
					suffix = "-dark"
				}
				name := filepath.Join("..", "docs", "img", fmt.Sprintf("email-%s-%d%s.png", kind, v.w, suffix))
				if err := os.WriteFile(name, shot, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// media emulates a colour scheme ("dark", "light"; "" for none).
func media(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := emulation.SetEmulatedMediaParams{}
		if scheme != "" {
			p.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
		}
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, p)
		return err
	})
}

func checkEmailPage(t *testing.T, ctx context.Context, who, url, alt string) {
	t.Helper()
	for _, w := range []int64{375, 1024} {
		for _, scheme := range []string{"light", "dark"} {
			where := fmt.Sprintf("%s at %d px, %s", who, w, scheme)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 800), media(scheme), chromedp.Navigate(url)); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			sw, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
			if err != nil {
				t.Fatal(err)
			}
			if sw > int(w) {
				t.Errorf("%s: the page is %d px wide: it scrolls sideways", where, sw)
			}
			texts, err := chromedp.Run(ctx, chromedp.Evaluate[[]textStyle](measureText))
			if err != nil {
				t.Fatal(err)
			}
			if len(texts) < 5 {
				t.Fatalf("%s: only %d texts measured", where, len(texts))
			}
			for _, ts := range texts {
				if ts.Size < 14 {
					t.Errorf("%s: %q is %.1f px, want 14 or more", where, ts.Text, ts.Size)
				}
				if ts.Ratio < 4.5 {
					t.Errorf("%s: %q has a contrast of %.2f:1, want 4.5:1 or more", where, ts.Text, ts.Ratio)
				}
			}
			// The dark scheme must really apply: a light page under it
			// would pass the contrast check and still glare.
			dark, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
				const m = getComputedStyle(document.querySelector('.card')).backgroundColor.match(/\d+/g).map(Number);
				return m[0] + m[1] + m[2] < 3 * 96;
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			if dark != (scheme == "dark") {
				t.Errorf("%s: the card's ground is dark=%v", where, dark)
			}
			img, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`(() => {
				const i = document.querySelector('img');
				return i ? [i.alt, i.naturalWidth, i.getBoundingClientRect().right] : ["", 0, 0];
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			if img[0] != alt || img[1].(float64) == 0 {
				t.Errorf("%s: image alt %q (want %q), natural width %v: the chart does not show", where, img[0], alt, img[1])
			}
			if right := img[2].(float64); right > float64(w) {
				t.Errorf("%s: the chart ends at %.0f px, beyond the page", where, right)
			}
		}
	}
}
