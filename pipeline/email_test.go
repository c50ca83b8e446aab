package pipeline

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
)

// nowhere is a transport that must not be used: the test only builds.
type nowhere struct{ t *testing.T }

func (n nowhere) Send(context.Context, *delivery.Message) error {
	n.t.Error("a message was sent")
	return nil
}

// part is one leaf of a MIME message.
type part struct {
	contentType string
	header      map[string][]string
	body        []byte
}

// leaves walks a MIME message (or part) and returns its leaf parts,
// decoded.
func leaves(t *testing.T, contentType string, header map[string][]string, body io.Reader) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("content type %q: %v", contentType, err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		if enc := firstOf(header, "Content-Transfer-Encoding"); strings.EqualFold(enc, "base64") {
			b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
			if err != nil {
				t.Fatal(err)
			}
		} else if strings.EqualFold(enc, "quoted-printable") {
			b, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
			if err != nil {
				t.Fatal(err)
			}
		}
		return []part{{mt, header, b}}
	}
	var out []part
	r := multipart.NewReader(body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, leaves(t, p.Header.Get("Content-Type"), p.Header, p)...)
	}
}

func firstOf(h map[string][]string, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

var (
	tagRe    = regexp.MustCompile(`(?s)<head>.*?</head>|<[^>]*>`)
	figureRe = regexp.MustCompile(`[0-9](?:[0-9.,\x{00a0}\x{202f}]*[0-9])?`)
	urlLine  = regexp.MustCompile(`(?m)^\s*https?://\S+\s*$`)
)

// figures lists the numbers of a text, in order.
func figures(s string) []string { return figureRe.FindAllString(s, -1) }

// TestEmailMessages builds every demo digest's message as `run` would
// (config.yaml, the pinned clock) and checks the email: the inline PNG
// part carries the Content-ID the HTML's <img> references, with alt text
// that says the chart's figures, and the plain text says the same figures
// as the HTML (the text's link lines aside).
func TestEmailMessages(t *testing.T) {
	cfg, err := config.Load("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LinkSet().Empty() {
		t.Fatal("the demo config.yaml has no links: section")
	}
	ctx := context.Background()
	p, err := New(cfg, Options{Transport: nowhere{t}})
	if err != nil {
		t.Fatal(err)
	}
	dt, err := p.current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	runs := []struct{ schedule, period string }{
		{"reps-weekly", "2026-W48"}, {"managers-weekly", "2026-W48"}, {"directors-monthly", "2026-10"},
	}
	n := 0
	for _, r := range runs {
		period, err := kpi.ParsePeriod(r.period, time.January)
		if err != nil {
			t.Fatal(err)
		}
		send, _ := p.Recipients(dt.ds, p.schedules[r.schedule])
		if len(send) == 0 {
			t.Fatalf("%s: no recipients", r.schedule)
		}
		for _, person := range send {
			msg, err := p.Message(ctx, jobs.Delivery{Schedule: r.schedule, Recipient: person.Email, Period: period})
			if err != nil {
				t.Fatal(err)
			}
			checkEmail(t, person.Email, msg.Bytes())
			n++
		}
	}
	if n < 15 {
		t.Errorf("only %d messages checked", n)
	}
}

func checkEmail(t *testing.T, who string, raw []byte) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var text, body string
	var pngs []part
	for _, p := range leaves(t, m.Header.Get("Content-Type"), m.Header, m.Body) {
		switch p.contentType {
		case "text/plain":
			text = string(p.body)
		case "text/html":
			body = string(p.body)
		case "image/png":
			pngs = append(pngs, p)
		}
	}
	if len(pngs) != 1 {
		t.Fatalf("%s: %d PNG parts, want one inline chart", who, len(pngs))
	}
	cid := strings.Trim(firstOf(pngs[0].header, "Content-Id"), "<>")
	if cid == "" || !strings.Contains(body, `src="cid:`+cid+`"`) {
		t.Errorf("%s: the HTML does not show the PNG part's Content-ID %q", who, cid)
	}
	if d := firstOf(pngs[0].header, "Content-Disposition"); !strings.HasPrefix(d, "inline") {
		t.Errorf("%s: the chart's disposition is %q, want inline", who, d)
	}
	img, err := png.Decode(bytes.NewReader(pngs[0].body))
	if err != nil || img.Bounds().Dx() < 300 {
		t.Errorf("%s: the chart does not decode as a PNG of some width: %v", who, err)
	}
	alt := regexp.MustCompile(`<img [^>]*alt="([^"]*)"`).FindStringSubmatch(body)
	if alt == nil || len(figures(html.UnescapeString(alt[1]))) < 2 {
		t.Errorf("%s: the chart's alt text does not say its figures: %v", who, alt)
	}

	// The same figures in both parts: the HTML's visible text against the
	// text part without its link lines.
	visible := html.UnescapeString(tagRe.ReplaceAllString(body, " "))
	plain := urlLine.ReplaceAllString(text, "")
	// Sorted: the HTML puts a figure's comparison beside its label, the
	// text after its value.
	fh, ft := figures(visible), figures(plain)
	slices.Sort(fh)
	slices.Sort(ft)
	if len(fh) < 10 || !slices.Equal(fh, ft) {
		t.Errorf("%s: the HTML says the figures\n%v\nthe text part\n%v", who, fh, ft)
	}
}
