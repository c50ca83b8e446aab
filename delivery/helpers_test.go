package delivery

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/templates"
)

// leaf is one non-multipart part found by parsing a message back.
type leaf struct {
	path        string // e.g. "multipart/mixed>multipart/related>multipart/alternative>text/plain"
	contentType string
	params      map[string]string
	header      map[string][]string
	body        []byte // transfer-decoded
}

// parseMessage reads raw with the standard library only and returns its
// headers and leaves in order.
func parseMessage(t *testing.T, raw []byte) (*mail.Message, []leaf) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v", err)
	}
	var leaves []leaf
	var walk func(header map[string][]string, body io.Reader, path string)
	walk = func(header map[string][]string, body io.Reader, path string) {
		ct := "text/plain"
		if v := firstHeader(header, "Content-Type"); v != "" {
			ct = v
		}
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("%s: bad content type %q: %v", path, ct, err)
		}
		if path != "" {
			path += ">"
		}
		path += mt
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("%s: next part: %v", path, err)
				}
				walk(p.Header, p, path)
			}
		}
		var r io.Reader = body
		switch strings.ToLower(firstHeader(header, "Content-Transfer-Encoding")) {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, r)
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: decode: %v", path, err)
		}
		leaves = append(leaves, leaf{path: path, contentType: mt, params: params, header: header, body: b})
	}
	walk(msg.Header, msg.Body, "")
	return msg, leaves
}

func firstHeader(h map[string][]string, key string) string {
	for k, v := range h {
		if strings.EqualFold(k, key) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var fixedNow = time.Date(2026, 4, 1, 7, 30, 0, 0, time.UTC)

func testBuilder() *Builder {
	return &Builder{FromName: "Sales Digest", FromAddress: "digest@example.com", Now: func() time.Time { return fixedNow }}
}

// testSpec renders real templates for a rep.
func testSpec(t testing.TB, name, addr string) Spec {
	t.Helper()
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Render(templates.Email{
		Role: "rep", Locale: "en", RecipientName: name, Period: "2026-03", AsOf: "2026-03-31",
		Headline: "Won revenue is up", Summary: []templates.Item{{Label: "Won revenue", Value: "124,500", Comparison: "+12 %"}},
		Alerts: []string{"Deal <script>alert(1)</script> is stuck"}, OverdueCount: 3,
		InlineChartCID: "chart@crmdigest",
	})
	if err != nil {
		t.Fatal(err)
	}
	return Spec{
		Schedule: "monthly", Period: "2026-03", Role: "rep",
		ToName: name, ToAddress: addr, Rendered: r,
		PDF: readTestdata(t, "digest.pdf"), PDFName: "digest-2026-03.pdf",
		ChartPNG: readTestdata(t, "chart.png"), ChartCID: "chart@crmdigest",
	}
}
