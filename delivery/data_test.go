package delivery

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/textproto"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"github.com/crmdigest/crmdigest/internal/mailpittest"
)

// textprotoDot is what Send wrote before dotStuff: net/textproto's
// DotWriter given msg in one Write and flushed (body), then closed (end).
func textprotoDot(t testing.TB, msg []byte) (body, end []byte) {
	t.Helper()
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	dw := textproto.NewWriter(bw).DotWriter()
	if _, err := dw.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	body = bytes.Clone(out.Bytes())
	out.Reset()
	if err := dw.Close(); err != nil {
		t.Fatal(err)
	}
	return body, bytes.Clone(out.Bytes())
}

// unchangedSeen and stuffedSeen count the inputs that took payload's
// shortcuts: the message as it is, and dots added to CRLF lines.
var unchangedSeen, stuffedSeen int

func checkDotStuff(t *testing.T, msg []byte) {
	t.Helper()
	wantBody, wantEnd := textprotoDot(t, msg)
	body, end := dotStuff(nil, msg)
	if !bytes.Equal(body, wantBody) || !bytes.Equal(end, wantEnd) {
		t.Fatalf("dotStuff(%q) = %q + %q, the DotWriter writes %q + %q", msg, body, end, wantBody, wantEnd)
	}
	keep := bytes.Clone(msg)
	body, end, release := payload(msg)
	if !bytes.Equal(body, wantBody) || !bytes.Equal(end, wantEnd) {
		t.Fatalf("payload(%q) = %q + %q, the DotWriter writes %q + %q", msg, body, end, wantBody, wantEnd)
	}
	if len(msg) > 0 && &body[0] == &msg[0] {
		unchangedSeen++
	} else if len(msg) > 0 && crlfOnly(msg) {
		stuffedSeen++
	}
	release()
	if !bytes.Equal(msg, keep) {
		t.Fatalf("payload changed its message %q to %q", keep, msg)
	}
}

// TestDotStuffMatchesTextproto compares dotStuff with the DotWriter it
// replaces on every input of up to 8 bytes over '.', CR, LF and one
// ordinary byte (all their orders of line starts, bare CRs and LFs, dots),
// on random longer ones, and on a built message with dotted lines.
func TestDotStuffMatchesTextproto(t *testing.T) {
	alphabet := []byte(".\r\na")
	var all func(prefix []byte, n int)
	all = func(prefix []byte, n int) {
		checkDotStuff(t, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			all(append(prefix, c), n-1)
		}
	}
	all(nil, 8)

	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		msg := make([]byte, r.IntN(400))
		for i := range msg {
			switch r.IntN(8) {
			case 0:
				msg[i] = '.'
			case 1:
				msg[i] = '\r'
			case 2:
				msg[i] = '\n'
			default:
				msg[i] = byte(r.IntN(256))
			}
		}
		checkDotStuff(t, msg)
	}

	m := dottedMessage(t)
	checkDotStuff(t, m.Bytes())
	plain := buildTest(t)
	checkDotStuff(t, plain.Bytes())
	if body, _, release := payload(plain.Bytes()); &body[0] != &plain.Bytes()[0] {
		t.Error("a built message without dotted lines is not sent as it is")
	} else {
		release()
	}
	if unchangedSeen < 100 || stuffedSeen < 100 {
		t.Errorf("only %d inputs were sent as they are and %d had dots added", unchangedSeen, stuffedSeen)
	}
	// The DotWriter is given a buffer that already holds something: the
	// pooled buffer is reused from its start.
	body, _ := dotStuff(make([]byte, 10, 20), m.Bytes())
	want, _ := textprotoDot(t, m.Bytes())
	if !bytes.Equal(body[10:], want) {
		t.Fatal("dotStuff into a used buffer differs")
	}
}

// dottedMessage is a built message whose text has lines that start with a
// dot, so that the payload is dot-stuffed.
func dottedMessage(t testing.TB) *Message {
	t.Helper()
	spec := testSpec(t, "Ana", "ana@example.com")
	spec.Rendered.Text = ".\n..\n.leading dot\nplain\n. \n" + spec.Rendered.Text + "\n."
	m, err := testBuilder().Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(m.Bytes(), []byte("\r\n.")) {
		t.Fatal("the message has no line starting with a dot: the test would not stuff anything")
	}
	return m
}

// recorder is a TCP proxy in front of an SMTP server that keeps, for
// each session, every byte the client sent.
type recorder struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	sessions [][]byte
	done     chan struct{} // one value per finished session
}

func startRecorder(t *testing.T, upstream string) *recorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{ln: ln, upstream: upstream, done: make(chan struct{}, 16)}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(c)
		}
	}()
	return r
}

func (r *recorder) serve(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", r.upstream)
	if err != nil {
		return
	}
	defer up.Close()
	var sent bytes.Buffer
	toClient := make(chan struct{})
	go func() {
		_, _ = io.Copy(c, up)
		close(toClient)
	}()
	_, _ = io.Copy(io.MultiWriter(up, &sent), c)
	_ = up.(*net.TCPConn).CloseWrite()
	<-toClient
	r.mu.Lock()
	r.sessions = append(r.sessions, sent.Bytes())
	r.mu.Unlock()
	r.done <- struct{}{}
}

// next waits for the next session to end and returns what the client sent.
func (r *recorder) next(t *testing.T) []byte {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatal("no SMTP session ended through the recorder")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[len(r.sessions)-1]
}

// sendWithDotWriter is Send as it was before dotStuff, for plain SMTP: the
// body through go-mail's Data writer (net/textproto's DotWriter), flushed,
// then the writer closed.
func sendWithDotWriter(addr string, m *Message) error {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	host, _, _ := net.SplitHostPort(addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if err := c.Mail("<" + m.From.Address + ">"); err != nil {
		return err
	}
	if err := c.Rcpt("<" + m.To.Address + ">"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.raw); err != nil {
		return err
	}
	if err := c.Text.W.Flush(); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// TestSMTPWireBytesUnchanged sends the same messages through the old path
// (the DotWriter) and through Send to a real Mailpit, behind a proxy that
// records the client's side of each session: the two sessions must be the
// same bytes, and Mailpit must store the same raw message for both, the
// message as built.
func TestSMTPWireBytesUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Mailpit")
	}
	mp := mailpittest.Start(t)
	rec := startRecorder(t, net.JoinHostPort(mp.SMTPHost, strconv.Itoa(mp.SMTPPort)))
	proxyHost, proxyPort, _ := net.SplitHostPort(rec.ln.Addr().String())
	port, _ := strconv.Atoi(proxyPort)
	tr, err := NewSMTP(SMTPConfig{Host: proxyHost, Port: port, TLS: TLSNone, AllowInsecure: true, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := testBuilder().Build(testSpec(t, "Bo", "bo@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range []*Message{dottedMessage(t), plain} {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			mp.DeleteAll(t)
			if err := sendWithDotWriter(rec.ln.Addr().String(), m); err != nil {
				t.Fatal(err)
			}
			old := rec.next(t)
			hooked := false
			m.BeforeEnd = func() error { hooked = true; return nil }
			if err := tr.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			m.BeforeEnd = nil
			now := rec.next(t)
			if !hooked {
				t.Error("BeforeEnd was not called")
			}
			if !bytes.Equal(old, now) {
				t.Fatalf("the session's bytes differ: %s", firstDiff(old, now))
			}
			if !bytes.Contains(now, m.raw[:100]) {
				t.Fatal("the recorded session does not hold the message")
			}
			if n := mp.WaitCount(t, 2, 10*time.Second); n != 2 {
				t.Fatalf("mailpit stored %d messages, want 2", n)
			}
			// Mailpit stores its Return-Path and Received lines (with the
			// time) and then what it received: the message as built.
			for _, s := range mp.Messages(t) {
				raw := mp.Raw(t, s.ID)
				if !bytes.HasSuffix(raw, m.raw) || !bytes.HasPrefix(raw, []byte("Return-Path: ")) {
					t.Fatalf("mailpit's raw message is not the message built after its own lines:\n%q", raw[:min(len(raw), 400)])
				}
			}
		})
	}
}

func firstDiff(a, b []byte) string {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return fmt.Sprintf("at byte %d of %d/%d: %q vs %q", i, len(a), len(b), a[max(0, i-20):min(len(a), i+20)], b[max(0, i-20):min(len(b), i+20)])
		}
	}
	return fmt.Sprintf("lengths %d and %d, equal for %d bytes", len(a), len(b), n)
}

// BenchmarkDotStuff is the payload of a message with a 200 KB attachment
// made by dotStuff and by the DotWriter it replaces.
func BenchmarkDotStuff(b *testing.B) {
	spec := testSpec(b, "Ana", "ana@example.com")
	spec.PDF = make([]byte, 200<<10)
	_, _ = rand.NewChaCha8([32]byte{3, 4}).Read(spec.PDF)
	m, err := testBuilder().Build(spec)
	if err != nil {
		b.Fatal(err)
	}
	spec.Rendered.Text = ".\n" + spec.Rendered.Text
	dotted, err := testBuilder().Build(spec)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"payload", m.raw}, {"payload-dotted", dotted.raw}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.raw)))
			for b.Loop() {
				_, _, release := payload(c.raw)
				release()
			}
		})
	}
	b.Run("textproto", func(b *testing.B) {
		b.SetBytes(int64(len(m.raw)))
		bw := bufio.NewWriter(io.Discard)
		tw := textproto.NewWriter(bw)
		for b.Loop() {
			w := tw.DotWriter()
			_, _ = w.Write(m.raw)
			_ = w.Close()
		}
	})
}
