package delivery

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// faultServer is an in-process SMTP server whose behaviour a test chooses:
// the hand-written fake for faults that a real server will not produce.
type faultServer struct {
	// onData decides what happens once the body has been read; it runs on
	// the server's goroutine. nil accepts the message.
	onData func(n int, c *gosmtp.Conn) error
	// stallGreeting holds the connection open without a greeting.
	stallGreeting time.Duration
	// user and pass enable AUTH PLAIN and LOGIN.
	user, pass string

	mu       sync.Mutex
	bodies   [][]byte
	rcpts    []string
	authed   []string
	attempts atomic.Int32
	// received counts the body bytes of the current message read so far,
	// before the final dot.
	received atomic.Int64
}

// countingReader counts what the server has read of a message body.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (f *faultServer) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	return &faultSession{f: f, c: c}, nil
}

type faultSession struct {
	f *faultServer
	c *gosmtp.Conn
}

func (s *faultSession) AuthMechanisms() []string {
	if s.f.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *faultSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != s.f.user || pass != s.f.pass {
			return &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.f.mu.Lock()
		s.f.authed = append(s.f.authed, mech+":"+user)
		s.f.mu.Unlock()
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, u, p string) error { return check(u, p) }), nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

func (s *faultSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *faultSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.f.mu.Lock()
	s.f.rcpts = append(s.f.rcpts, to)
	s.f.mu.Unlock()
	return nil
}
func (s *faultSession) Reset()        {}
func (s *faultSession) Logout() error { return nil }

func (s *faultSession) Data(r io.Reader) error {
	s.f.received.Store(0)
	// One byte at a time: go-smtp's reader blocks until a read's buffer
	// is full, which would hide the bytes already arrived.
	var buf bytes.Buffer
	_, err := io.CopyBuffer(struct{ io.Writer }{&buf}, struct{ io.Reader }{countingReader{r, &s.f.received}}, make([]byte, 1))
	b := buf.Bytes()
	if err != nil {
		return err
	}
	n := int(s.f.attempts.Add(1))
	if s.f.onData != nil {
		if err := s.f.onData(n, s.c); err != nil {
			return err
		}
	}
	s.f.mu.Lock()
	s.f.bodies = append(s.f.bodies, b)
	s.f.mu.Unlock()
	return nil
}

// start serves f on a free loopback port and returns a plain-text SMTP
// transport configured for it.
func (f *faultServer) start(t *testing.T, timeout time.Duration) *SMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if f.stallGreeting > 0 {
		// A listener that accepts and says nothing: the client waits for
		// a greeting that never comes.
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() { time.Sleep(f.stallGreeting); c.Close() }()
			}
		}()
		t.Cleanup(func() { l.Close() })
	} else {
		srv := gosmtp.NewServer(f)
		srv.Domain = "fault.test"
		srv.AllowInsecureAuth = true
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
	}
	port := l.Addr().(*net.TCPAddr).Port
	cfg := SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, AllowInsecure: true, Timeout: timeout}
	if f.user != "" {
		cfg.Auth, cfg.Username, cfg.Password = "plain", f.user, Secret(f.pass)
	}
	tr, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func buildTest(t *testing.T) *Message {
	t.Helper()
	m, err := testBuilder().Build(testSpec(t, "Ana", "ana@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func asSendError(t *testing.T, err error) *SendError {
	t.Helper()
	var se *SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %T %v, want *SendError", err, err)
	}
	return se
}

func TestSMTPSuccessAndBeforeEndOrder(t *testing.T) {
	f := &faultServer{}
	tr := f.start(t, 5*time.Second)
	m := buildTest(t)
	var hookCalls int
	m.BeforeEnd = func() error {
		hookCalls++
		// The whole body has reached the server before the mark: wait
		// for the server to read it (it arrives asynchronously), which
		// never happens if the client still holds part of it.
		want := int64(len(bytes.TrimRight(m.Bytes(), "\r\n")))
		for deadline := time.Now().Add(3 * time.Second); f.received.Load() < want && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if got := f.received.Load(); got < want {
			t.Errorf("BeforeEnd ran with %d of %d body bytes at the server", got, want)
		}
		if f.attempts.Load() != 0 {
			t.Errorf("BeforeEnd ran after the final dot: the server already has the message")
		}
		return nil
	}
	if err := tr.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if hookCalls != 1 || len(f.bodies) != 1 {
		t.Fatalf("hook calls %d, bodies %d", hookCalls, len(f.bodies))
	}
	if f.rcpts[0] != "ana@example.com" {
		t.Errorf("rcpt = %q", f.rcpts[0])
	}
	if !bytes.Equal(bytes.TrimRight(f.bodies[0], "\r\n"), bytes.TrimRight(m.Bytes(), "\r\n")) {
		t.Errorf("server received other bytes than built")
	}
}

func TestSMTPBeforeEndErrorAbortsWithoutSending(t *testing.T) {
	f := &faultServer{}
	tr := f.start(t, 5*time.Second)
	m := buildTest(t)
	ledgerDown := errors.New("ledger unavailable")
	m.BeforeEnd = func() error { return ledgerDown }
	err := tr.Send(context.Background(), m)
	if !errors.Is(err, ledgerDown) {
		t.Fatalf("err = %v, want the hook's error", err)
	}
	var se *SendError
	if errors.As(err, &se) {
		t.Errorf("hook error dressed as a SendError: %v", se)
	}
	if f.attempts.Load() != 0 {
		t.Errorf("the message was sent although BeforeEnd failed")
	}
}

func TestSMTPTransientThenSuccess(t *testing.T) {
	f := &faultServer{onData: func(n int, _ *gosmtp.Conn) error {
		if n == 1 {
			return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		return nil
	}}
	tr := f.start(t, 5*time.Second)
	m := buildTest(t)
	err := tr.Send(context.Background(), m)
	se := asSendError(t, err)
	if se.Permanent || se.InDoubt || !se.Retryable() || !IsRetryable(err) {
		t.Errorf("451 classified as %+v", se)
	}
	if se.Code != 451 || !strings.Contains(se.Reply, "try again later") || se.Stage != "end-of-data" {
		t.Errorf("reply not recorded: code %d reply %q stage %s", se.Code, se.Reply, se.Stage)
	}
	// The caller retries; the second attempt is accepted.
	if err := tr.Send(context.Background(), m); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if len(f.bodies) != 1 {
		t.Errorf("stored %d messages, want 1", len(f.bodies))
	}
}

func TestSMTPPermanent(t *testing.T) {
	f := &faultServer{onData: func(int, *gosmtp.Conn) error {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}}
	tr := f.start(t, 5*time.Second)
	err := tr.Send(context.Background(), buildTest(t))
	se := asSendError(t, err)
	if !se.Permanent || se.InDoubt || se.Retryable() || !IsPermanent(err) {
		t.Errorf("550 classified as %+v", se)
	}
	if se.Code != 550 || !strings.Contains(se.Reply, "mailbox unavailable") {
		t.Errorf("reply: %d %q", se.Code, se.Reply)
	}
	if !strings.Contains(err.Error(), "550") {
		t.Errorf("error text lacks the code: %v", err)
	}
}

func TestSMTPDroppedAfterDataIsInDoubt(t *testing.T) {
	f := &faultServer{onData: func(_ int, c *gosmtp.Conn) error {
		// The body, final dot included, has been read: close the socket
		// before any reply.
		c.Conn().Close()
		return nil
	}}
	tr := f.start(t, 5*time.Second)
	m := buildTest(t)
	err := tr.Send(context.Background(), m)
	se := asSendError(t, err)
	if !se.InDoubt || se.Permanent || se.Retryable() || !IsInDoubt(err) {
		t.Errorf("drop after data classified as %+v", se)
	}
	if se.Stage != "end-of-data" {
		t.Errorf("stage = %s", se.Stage)
	}
}

func TestSMTPStallIsTransientTimeout(t *testing.T) {
	f := &faultServer{stallGreeting: 5 * time.Second}
	tr := f.start(t, 300*time.Millisecond)
	start := time.Now()
	err := tr.Send(context.Background(), buildTest(t))
	took := time.Since(start)
	se := asSendError(t, err)
	if !se.Timeout || se.Permanent || se.InDoubt || !se.Retryable() {
		t.Errorf("stall classified as %+v (%v)", se, err)
	}
	if took > 2*time.Second {
		t.Errorf("timeout of 300ms took %v", took)
	}
}

func TestSMTPContextCancelStopsAStall(t *testing.T) {
	f := &faultServer{stallGreeting: 5 * time.Second}
	tr := f.start(t, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	err := tr.Send(ctx, buildTest(t))
	if time.Since(start) > 2*time.Second {
		t.Errorf("cancel took %v", time.Since(start))
	}
	if !errors.Is(err, context.Canceled) || !IsRetryable(err) {
		t.Errorf("err = %v, want a retryable error wrapping context.Canceled", err)
	}
}

func TestSMTPRefusedConnectionIsTransient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	tr, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, AllowInsecure: true})
	if err != nil {
		t.Fatal(err)
	}
	err = tr.Send(context.Background(), buildTest(t))
	se := asSendError(t, err)
	if !se.Retryable() || se.Stage != "dial" {
		t.Errorf("refused connection classified as %+v", se)
	}
}

func TestSMTPStartTLSRequiredByDefault(t *testing.T) {
	f := &faultServer{}
	plain := f.start(t, 5*time.Second)
	cfg := plain.cfg
	cfg.TLS, cfg.AllowInsecure = "", false
	tr, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = tr.Send(context.Background(), buildTest(t))
	se := asSendError(t, err)
	if !se.Permanent || se.Stage != "tls" || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("server without STARTTLS: %v (%+v)", err, se)
	}
	if f.attempts.Load() != 0 {
		t.Errorf("a message went out in plain text")
	}
	if _, err := NewSMTP(SMTPConfig{Host: "h", Port: 25, TLS: TLSNone}); err == nil {
		t.Errorf("tls none without allow_insecure accepted")
	}
}

func TestSMTPAuth(t *testing.T) {
	f := &faultServer{user: "digest", pass: "s3cret-pw"}
	tr := f.start(t, 5*time.Second)
	if err := tr.Send(context.Background(), buildTest(t)); err != nil {
		t.Fatal(err)
	}
	if len(f.authed) != 1 || f.authed[0] != "PLAIN:digest" {
		t.Errorf("authenticated as %v", f.authed)
	}
	// LOGIN and CRAM-MD5 are exercised against Mailpit.
	cfg := tr.cfg
	cfg.Password = "wrong"
	bad, _ := NewSMTP(cfg)
	err := bad.Send(context.Background(), buildTest(t))
	se := asSendError(t, err)
	if !se.Permanent || se.Code != 535 || se.Stage != "auth" {
		t.Errorf("bad password: %+v", se)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestSMTPPasswordFile(t *testing.T) {
	f := &faultServer{user: "digest", pass: "from-file"}
	tr := f.start(t, 5*time.Second)
	cfg := tr.cfg
	cfg.Password = ""
	cfg.PasswordFile = t.TempDir() + "/pw"
	if err := writeFileAtomic(cfg.PasswordFile, []byte("from-file\n"), nil); err != nil {
		t.Fatal(err)
	}
	ftr, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ftr.Send(context.Background(), buildTest(t)); err != nil {
		t.Fatal(err)
	}
}

func TestConfigNeverShowsThePassword(t *testing.T) {
	cfg := SMTPConfig{Host: "smtp.example.com", Port: 587, Auth: "plain", Username: "u", Password: "hunter2-secret"}
	for _, s := range []string{cfg.String(), cfg.LogValue().String(), cfg.Password.String(),
		cfg.Password.GoString(), cfg.Password.LogValue().String()} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("leak: %s", s)
		}
	}
	if !strings.Contains(cfg.String(), "smtp.example.com:"+strconv.Itoa(587)) {
		t.Errorf("String lost the address: %s", cfg)
	}
}
