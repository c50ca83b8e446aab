package delivery

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/internal/mailpittest"
)

func mailpitTransport(t testing.TB, mp *mailpittest.Server, auth string) *SMTP {
	t.Helper()
	cfg := SMTPConfig{Host: mp.SMTPHost, Port: mp.SMTPPort, TLS: TLSNone, AllowInsecure: true, Timeout: 30 * time.Second}
	if auth != "" {
		cfg.Auth, cfg.Username, cfg.Password = auth, "digest", "any-password"
	}
	tr, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestMailpitDelivery sends real messages to a real SMTP server and checks
// what it stored: recipients, subject, both bodies, the inline chart and the
// PDF byte for byte.
func TestMailpitDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Mailpit")
	}
	mp := mailpittest.Start(t)
	people := []struct{ name, addr, auth string }{
		{"Ana Díaz", "ana@example.com", ""},
		{"Bo Li", "bo@example.com", "plain"},
		{"Chloé Martin", "chloe@example.com", "login"},
	}
	specs := map[string]Spec{}
	for _, p := range people {
		spec := testSpec(t, p.name, p.addr)
		m, err := testBuilder().Build(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := mailpitTransport(t, mp, p.auth).Send(context.Background(), m); err != nil {
			t.Fatalf("%s via auth %q: %v\n%s", p.addr, p.auth, err, mp.Output())
		}
		specs[p.addr] = spec
	}
	list := mp.Messages(t)
	if len(list) != len(people) {
		t.Fatalf("mailpit holds %d messages, want %d", len(list), len(people))
	}
	for _, sum := range list {
		if len(sum.To) != 1 {
			t.Fatalf("message %s has %d recipients", sum.ID, len(sum.To))
		}
		spec, ok := specs[sum.To[0].Address]
		if !ok {
			t.Fatalf("unexpected recipient %v", sum.To[0])
		}
		delete(specs, sum.To[0].Address)
		msg := mp.Message(t, sum.ID)
		if msg.Subject != spec.Rendered.Subject {
			t.Errorf("subject %q, want %q", msg.Subject, spec.Rendered.Subject)
		}
		if msg.To[0].Name != spec.ToName {
			t.Errorf("to name %q, want %q", msg.To[0].Name, spec.ToName)
		}
		if msg.MessageID != MessageID("monthly", spec.ToAddress, "2026-03", 0, false, "example.com") {
			t.Errorf("message id %q", msg.MessageID)
		}
		if strings.ReplaceAll(msg.Text, "\r\n", "\n") != spec.Rendered.Text {
			t.Errorf("text body differs:\n%q\nwant\n%q", msg.Text, spec.Rendered.Text)
		}
		if !strings.Contains(msg.HTML, "&lt;script&gt;") || strings.Contains(msg.HTML, "<script>") {
			t.Errorf("html body lost its escaping")
		}
		if !strings.Contains(msg.HTML, spec.ToName) {
			t.Errorf("html body lacks the name")
		}
		if len(msg.Attachments) != 1 || msg.Attachments[0].FileName != "digest-2026-03.pdf" || msg.Attachments[0].ContentType != "application/pdf" {
			t.Fatalf("attachments %+v", msg.Attachments)
		}
		if got := mp.Part(t, sum.ID, msg.Attachments[0].PartID); !bytes.Equal(got, spec.PDF) {
			t.Errorf("pdf differs: %d bytes, want %d", len(got), len(spec.PDF))
		}
		if len(msg.Inline) != 1 || msg.Inline[0].ContentID != "chart@crmdigest" {
			t.Fatalf("inline parts %+v", msg.Inline)
		}
		if got := mp.Part(t, sum.ID, msg.Inline[0].PartID); !bytes.Equal(got, spec.ChartPNG) {
			t.Errorf("inline png differs")
		}
	}

	// A preview run: everything to one address, marked.
	mp.DeleteAll(t)
	b := testBuilder()
	b.RedirectTo = "admin@example.com"
	m, err := b.Build(testSpec(t, "Ana", "ana@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if err := mailpitTransport(t, mp, "").Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	list = mp.Messages(t)
	if len(list) != 1 || list[0].To[0].Address != "admin@example.com" {
		t.Fatalf("preview went to %+v", list)
	}
	if h := mp.Headers(t, list[0].ID)[PreviewHeader]; len(h) != 1 || h[0] != "ana@example.com" {
		t.Errorf("preview header %v", h)
	}
}

// BenchmarkMailpitDirect sends messages with a 200 KB attachment straight to
// Mailpit on loopback through the SMTP transport, 4 sessions at once, and
// reports messages per second counted when Mailpit has stored them all.
func BenchmarkMailpitDirect(b *testing.B) {
	mp := mailpittest.Start(b)
	tr := mailpitTransport(b, mp, "")
	pdf := make([]byte, 200<<10)
	rand.Read(pdf) // compressed PDF streams look random to base64
	spec := testSpec(b, "Ana", "ana@example.com")
	spec.PDF = pdf
	msgs := make([]*Message, b.N)
	for i := range msgs {
		spec.ToAddress = fmt.Sprintf("p%d@example.com", i)
		m, err := testBuilder().Build(spec)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = m
	}
	const workers = 4
	b.SetBytes(int64(len(msgs[0].Bytes())))
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan *Message)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range next {
				if err := tr.Send(context.Background(), m); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for _, m := range msgs {
		next <- m
	}
	close(next)
	wg.Wait()
	if n := mp.WaitCount(b, b.N, time.Minute); n < b.N {
		b.Fatalf("mailpit stored %d of %d", n, b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
