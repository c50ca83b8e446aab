package delivery

import (
	"bytes"
	"errors"
	"mime"
	"net/mail"
	"strings"
	"testing"
)

func TestBuildMIMEStructure(t *testing.T) {
	spec := testSpec(t, "Ana Díaz", "ana@example.com")
	m, err := testBuilder().Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	msg, leaves := parseMessage(t, m.Bytes())

	want := []string{
		"multipart/mixed>multipart/related>multipart/alternative>text/plain",
		"multipart/mixed>multipart/related>multipart/alternative>text/html",
		"multipart/mixed>multipart/related>image/png",
		"multipart/mixed>application/pdf",
	}
	var got []string
	for _, l := range leaves {
		got = append(got, l.path)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("MIME tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	crlf := strings.NewReplacer("\r\n", "\n")
	if crlf.Replace(string(leaves[0].body)) != spec.Rendered.Text {
		t.Errorf("text part differs from the rendered text")
	}
	if crlf.Replace(string(leaves[1].body)) != spec.Rendered.HTML {
		t.Errorf("html part differs from the rendered html")
	}
	if !bytes.Equal(leaves[2].body, spec.ChartPNG) {
		t.Errorf("inline png differs")
	}
	if cid := firstHeader(leaves[2].header, "Content-Id"); cid != "<chart@crmdigest>" {
		t.Errorf("inline png Content-ID = %q", cid)
	}
	if !bytes.Equal(leaves[3].body, spec.PDF) {
		t.Errorf("pdf attachment differs: %d bytes, want %d", len(leaves[3].body), len(spec.PDF))
	}
	_, dp, _ := mime.ParseMediaType(firstHeader(leaves[3].header, "Content-Disposition"))
	if dp["filename"] != "digest-2026-03.pdf" {
		t.Errorf("attachment file name = %q", dp["filename"])
	}

	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	if subj != spec.Rendered.Subject || m.Subject != subj {
		t.Errorf("subject %q, want %q", subj, spec.Rendered.Subject)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Ana Díaz" || to[0].Address != "ana@example.com" {
		t.Errorf("To = %v (%v)", to, err)
	}
	from, _ := msg.Header.AddressList("From")
	if len(from) != 1 || from[0].Address != "digest@example.com" || from[0].Name != "Sales Digest" {
		t.Errorf("From = %v", from)
	}
	if got := msg.Header.Get("Message-Id"); got != "<"+m.MessageID+">" {
		t.Errorf("Message-ID header %q, want <%s>", got, m.MessageID)
	}
	date, err := msg.Header.Date()
	if err != nil || !date.Equal(fixedNow) {
		t.Errorf("Date = %v (%v), want %v", date, err, fixedNow)
	}
	if msg.Header.Get(PreviewHeader) != "" {
		t.Errorf("a normal message carries %s", PreviewHeader)
	}
}

func TestBuildWithoutChart(t *testing.T) {
	spec := testSpec(t, "Bo", "bo@example.com")
	spec.ChartPNG, spec.ChartCID = nil, ""
	m, err := testBuilder().Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	_, leaves := parseMessage(t, m.Bytes())
	if len(leaves) != 3 || leaves[2].contentType != "application/pdf" || !bytes.Equal(leaves[2].body, spec.PDF) {
		t.Errorf("without a chart: %d leaves, last %s", len(leaves), leaves[len(leaves)-1].path)
	}
	spec.ChartCID = "x@y"
	if _, err := testBuilder().Build(spec); err == nil {
		t.Errorf("a CID without a PNG was accepted")
	}
}

func TestMessageIDIsDeterministicAndHidesTheAddress(t *testing.T) {
	a := MessageID("monthly", "Ana@Example.com", "2026-03", 0, false, "example.com")
	if b := MessageID("monthly", "ana@example.com", "2026-03", 0, false, "example.com"); a != b {
		t.Errorf("case of the address changes the id: %s vs %s", a, b)
	}
	if strings.Contains(strings.ToLower(a), "ana") {
		t.Errorf("id %s reveals the address", a)
	}
	others := []string{
		MessageID("weekly", "ana@example.com", "2026-03", 0, false, "example.com"),
		MessageID("monthly", "bo@example.com", "2026-03", 0, false, "example.com"),
		MessageID("monthly", "ana@example.com", "2026-04", 0, false, "example.com"),
		MessageID("monthly", "ana@example.com", "2026-03", 1, false, "example.com"),
		MessageID("monthly", "ana@example.com", "2026-03", 0, true, "example.com"),
	}
	for _, o := range others {
		if o == a {
			t.Errorf("different key, same id %s", o)
		}
	}
	if !strings.HasSuffix(others[3], ".r1@example.com") {
		t.Errorf("forced resend id %s lacks its suffix", others[3])
	}
	if _, err := mail.ParseAddress("<" + a + ">"); err != nil {
		t.Errorf("id %s is not a valid msg-id: %v", a, err)
	}
	// The built message carries the same id, built twice.
	spec := testSpec(t, "Ana", "ana@example.com")
	m1, _ := testBuilder().Build(spec)
	m2, _ := testBuilder().Build(spec)
	if m1.MessageID != m2.MessageID || m1.MessageID != a {
		t.Errorf("built ids %s, %s, want %s", m1.MessageID, m2.MessageID, a)
	}
	spec.Resend = 2
	m3, _ := testBuilder().Build(spec)
	if !strings.HasSuffix(m3.MessageID, ".r2@example.com") {
		t.Errorf("resend 2 id = %s", m3.MessageID)
	}
}

func TestHeaderInjection(t *testing.T) {
	spec := testSpec(t, "Eve\r\nBcc: victim@example.com", "eve@example.com")
	spec.Rendered.Subject = "Digest\r\nBcc: victim2@example.com\nX-Evil: 1"
	spec.PDFName = "x\r\nX-Evil: 2.pdf"
	b := testBuilder()
	b.FromName = "Digest\nBcc: victim3@example.com"
	m, err := b.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := parseMessage(t, m.Bytes())
	for _, h := range []string{"Bcc", "X-Evil"} {
		if v := msg.Header.Get(h); v != "" {
			t.Errorf("injected header %s: %q", h, v)
		}
	}
	head, _, _ := strings.Cut(string(m.Bytes()), "\r\n\r\n")
	if strings.Contains(head, "\nBcc:") || strings.Contains(head, "\nX-Evil") {
		t.Errorf("raw message contains an injected header line")
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "eve@example.com" {
		t.Errorf("To = %v, %v", to, err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject keeps a line break: %q", m.Subject)
	}
}

func TestInvalidRecipientIsATypedError(t *testing.T) {
	for _, addr := range []string{"", "not-an-address", "a@b", "Ana <ana@example.com>", "a@example.com, b@example.com",
		"ana@example.com\r\nRCPT TO:<x@example.com>", "ana@@example.com"} {
		spec := testSpec(t, "Ana", addr)
		m, err := testBuilder().Build(spec)
		var ae *AddressError
		if !errors.As(err, &ae) {
			t.Errorf("%q: err = %v (message %v), want *AddressError", addr, err, m != nil)
			continue
		}
		if ae.Name != "Ana" || !strings.Contains(err.Error(), "Ana") {
			t.Errorf("%q: error does not name the person: %v", addr, err)
		}
		if !IsPermanent(err) || IsRetryable(err) {
			t.Errorf("%q: an invalid address must be permanent", addr)
		}
	}
	b := testBuilder()
	b.FromAddress = "nobody"
	if _, err := b.Build(testSpec(t, "Ana", "ana@example.com")); err == nil || !strings.Contains(err.Error(), "sender") {
		t.Errorf("bad sender: %v", err)
	}
}

func TestRedirectMakesAPreview(t *testing.T) {
	b := testBuilder()
	b.RedirectTo = "admin@example.com"
	spec := testSpec(t, "Ana", "ana@example.com")
	m, err := b.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Preview || m.To.Address != "admin@example.com" || m.Recipient.Address != "ana@example.com" {
		t.Errorf("preview %v, to %v, recipient %v", m.Preview, m.To, m.Recipient)
	}
	msg, leaves := parseMessage(t, m.Bytes())
	if got := msg.Header.Get(PreviewHeader); got != "ana@example.com" {
		t.Errorf("%s = %q", PreviewHeader, got)
	}
	to, _ := msg.Header.AddressList("To")
	if len(to) != 1 || to[0].Address != "admin@example.com" {
		t.Errorf("To = %v", to)
	}
	if !strings.Contains(m.Subject, "preview") || !strings.Contains(m.Subject, "ana@example.com") {
		t.Errorf("subject not marked: %q", m.Subject)
	}
	normal, _ := testBuilder().Build(spec)
	if m.MessageID == normal.MessageID {
		t.Errorf("a preview shares the real message's id")
	}
	if !bytes.Equal(leaves[len(leaves)-1].body, spec.PDF) {
		t.Errorf("preview lost the pdf")
	}
	b.RedirectTo = "bad"
	if _, err := b.Build(spec); err == nil {
		t.Errorf("bad redirect address accepted")
	}
}

func TestBuildReplyTo(t *testing.T) {
	b := testBuilder()
	m, err := b.Build(testSpec(t, "Bo", "bo@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(m.Bytes(), []byte("Reply-To:")) {
		t.Errorf("a Reply-To header without ReplyTo set")
	}
	b.ReplyTo = "sales-ops@example.com"
	if m, err = b.Build(testSpec(t, "Bo", "bo@example.com")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(m.Bytes(), []byte("Reply-To: <sales-ops@example.com>")) {
		t.Errorf("no Reply-To header for the administrator:\n%s", m.Bytes()[:400])
	}
	b.ReplyTo = "not an address"
	if _, err := b.Build(testSpec(t, "Bo", "bo@example.com")); err == nil {
		t.Errorf("an invalid Reply-To was accepted")
	}
}

// TestBuildSizesItsBufferOnce checks the estimate Build sizes its buffer
// with: at least the message's length (else the buffer doubles, the
// allocation it is there to spare) and not far above it, for attachments
// of the sizes digests have.
func TestBuildSizesItsBufferOnce(t *testing.T) {
	for _, n := range []int{1, 40_000, 75_000, 300_000} {
		spec := testSpec(t, "Ana Díaz", "ana@example.com")
		spec.PDF = bytes.Repeat([]byte("%PDF-1.7 \x00\xff"), n/11+1)[:n]
		m, err := testBuilder().Build(spec)
		if err != nil {
			t.Fatal(err)
		}
		est := encodedSize(spec)
		if got := len(m.Bytes()); got > est || est > got+got/5+4096 {
			t.Errorf("PDF of %d bytes: message %d bytes, estimate %d", n, got, est)
		}
		// One allocation of est bytes, rounded up to its size class.
		if c, one := cap(m.Bytes()), cap(append([]byte(nil), make([]byte, est)...)); c != one {
			t.Errorf("PDF of %d bytes: buffer of %d bytes, want the %d of one allocation of the estimate %d", n, c, one, est)
		}
	}
}

// BenchmarkBuild builds the message of a digest-sized PDF (75 KB, the
// median rep PDF) with an inline chart.
func BenchmarkBuild(b *testing.B) {
	spec := testSpec(b, "Ana Díaz", "ana@example.com")
	spec.PDF = bytes.Repeat([]byte("%PDF-1.7 \x00\xff"), 75_000/11)
	spec.ChartPNG = bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 1, 2, 3}, 9_000/7)
	bld := testBuilder()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bld.Build(spec); err != nil {
			b.Fatal(err)
		}
	}
}
