package delivery

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// testCert makes a self-signed certificate for 127.0.0.1 and localhost,
// in memory, and returns it with a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "crmdigest test relay"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// tlsRelay is an in-process SMTP server with TLS that records, for each
// authentication and each message, whether the session was encrypted.
// It offers PLAIN, LOGIN and CRAM-MD5 and refuses AUTH outside TLS.
type tlsRelay struct {
	user, pass string

	mu      sync.Mutex
	bodies  [][]byte
	rcpts   []string
	dataTLS []bool   // per message: was the session TLS at DATA
	authed  []string // "MECH:user" per successful AUTH
	authTLS []bool   // per successful AUTH: was the session TLS
	tlsVers []uint16 // per message: negotiated TLS version
}

func (r *tlsRelay) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	return &tlsRelaySession{r: r, c: c}, nil
}

type tlsRelaySession struct {
	r *tlsRelay
	c *gosmtp.Conn
}

func (s *tlsRelaySession) AuthMechanisms() []string {
	return []string{sasl.Plain, sasl.Login, "CRAM-MD5"}
}

func (s *tlsRelaySession) Auth(mech string) (sasl.Server, error) {
	ok := func(user string) {
		_, isTLS := s.c.TLSConnectionState()
		s.r.mu.Lock()
		s.r.authed = append(s.r.authed, mech+":"+user)
		s.r.authTLS = append(s.r.authTLS, isTLS)
		s.r.mu.Unlock()
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error {
			if user != s.r.user || pass != s.r.pass {
				return errBadCredentials
			}
			ok(user)
			return nil
		}), nil
	case sasl.Login:
		return &loginServer{check: func(user, pass string) error {
			if user != s.r.user || pass != s.r.pass {
				return errBadCredentials
			}
			ok(user)
			return nil
		}}, nil
	case "CRAM-MD5":
		return &cramMD5Server{
			challenge: "<" + rand.Text() + "@tls.test>",
			secret:    func(user string) (string, bool) { return s.r.pass, user == s.r.user },
			done:      ok,
		}, nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

func (s *tlsRelaySession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *tlsRelaySession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.r.mu.Lock()
	s.r.rcpts = append(s.r.rcpts, to)
	s.r.mu.Unlock()
	return nil
}
func (s *tlsRelaySession) Reset()        {}
func (s *tlsRelaySession) Logout() error { return nil }

func (s *tlsRelaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	state, isTLS := s.c.TLSConnectionState()
	s.r.mu.Lock()
	s.r.bodies = append(s.r.bodies, b)
	s.r.dataTLS = append(s.r.dataTLS, isTLS)
	s.r.tlsVers = append(s.r.tlsVers, state.Version)
	s.r.mu.Unlock()
	return nil
}

var errBadCredentials = &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}

// loginServer is the server side of AUTH LOGIN (draft-murchison-sasl-login),
// which go-sasl no longer ships: ask for the user name, then the password.
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if resp != nil { // an initial response carries the user name
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	case 3:
		return nil, true, l.check(l.user, string(resp))
	}
	return nil, false, errors.New("unexpected LOGIN step")
}

// cramMD5Server is the server side of CRAM-MD5 (RFC 2195), which go-sasl
// does not ship: send a challenge, expect "user hex(HMAC-MD5(secret, challenge))".
type cramMD5Server struct {
	challenge string
	sent      bool
	secret    func(user string) (string, bool)
	done      func(user string)
}

func (c *cramMD5Server) Next(resp []byte) ([]byte, bool, error) {
	if !c.sent {
		c.sent = true
		return []byte(c.challenge), false, nil
	}
	user, digest, found := strings.Cut(string(resp), " ")
	if !found {
		return nil, false, errors.New("malformed CRAM-MD5 response")
	}
	secret, known := c.secret(user)
	mac := hmac.New(md5.New, []byte(secret))
	mac.Write([]byte(c.challenge))
	want := hex.EncodeToString(mac.Sum(nil))
	if !known || !hmac.Equal([]byte(digest), []byte(want)) {
		return nil, false, errBadCredentials
	}
	c.done(user)
	return nil, true, nil
}

// serve starts r on a free loopback port with cert: STARTTLS on a plain
// listener, or TLS from the first byte when implicit. AllowInsecureAuth
// stays false, so AUTH before TLS is refused by the server itself.
func (r *tlsRelay) serve(t *testing.T, cert tls.Certificate, implicit bool) int {
	t.Helper()
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	var l net.Listener
	var err error
	if implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", tc)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := gosmtp.NewServer(r)
	srv.Domain = "tls.test"
	srv.TLSConfig = tc
	srv.AllowInsecureAuth = false
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

func (r *tlsRelay) snapshot() (bodies [][]byte, dataTLS, authTLS []bool, authed []string, vers []uint16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.bodies...), append([]bool(nil), r.dataTLS...),
		append([]bool(nil), r.authTLS...), append([]string(nil), r.authed...), append([]uint16(nil), r.tlsVers...)
}

// checkDeliveredOverTLS asserts that exactly one message, m, reached r over
// TLS, authenticated with mech (none when ""), also over TLS.
func checkDeliveredOverTLS(t *testing.T, r *tlsRelay, m *Message, mech string) {
	t.Helper()
	bodies, dataTLS, authTLS, authed, vers := r.snapshot()
	if len(bodies) != 1 {
		t.Fatalf("relay stored %d messages, want 1", len(bodies))
	}
	if !dataTLS[0] {
		t.Errorf("the message was sent outside TLS")
	}
	if vers[0] < tls.VersionTLS12 {
		t.Errorf("TLS version %s, want 1.2 or later", tls.VersionName(vers[0]))
	}
	if !bytes.Equal(bytes.TrimRight(bodies[0], "\r\n"), bytes.TrimRight(m.Bytes(), "\r\n")) {
		t.Errorf("relay received other bytes than built")
	}
	if mech == "" {
		if len(authed) != 0 {
			t.Errorf("authenticated as %v without auth configured", authed)
		}
		return
	}
	if len(authed) != 1 || authed[0] != mech+":"+r.user {
		t.Fatalf("authenticated as %v, want %s:%s", authed, mech, r.user)
	}
	if !authTLS[0] {
		t.Errorf("AUTH %s ran outside TLS", mech)
	}
}

func TestSMTPStartTLSDeliversWithAuth(t *testing.T) {
	cert, pool := testCert(t)
	for _, tc := range []struct{ auth, mech string }{
		{"", ""},
		{"plain", sasl.Plain},
		{"login", sasl.Login},
		{"cram-md5", "CRAM-MD5"},
	} {
		name := tc.auth
		if name == "" {
			name = "no-auth"
		}
		t.Run(name, func(t *testing.T) {
			r := &tlsRelay{user: "digest", pass: "s3cret-over-tls"}
			port := r.serve(t, cert, false)
			cfg := SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSStartTLS,
				TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second}
			if tc.auth != "" {
				cfg.Auth, cfg.Username, cfg.Password = tc.auth, r.user, Secret(r.pass)
			}
			tr, err := NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			m := buildTest(t)
			if err := tr.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			checkDeliveredOverTLS(t, r, m, tc.mech)
		})
	}
}

// TestSMTPStartTLSIsTheDefault leaves TLS empty: the transport must still
// upgrade the session before sending.
func TestSMTPStartTLSIsTheDefault(t *testing.T) {
	cert, pool := testCert(t)
	r := &tlsRelay{user: "digest", pass: "pw"}
	port := r.serve(t, cert, false)
	tr, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLSConfig: &tls.Config{RootCAs: pool},
		Auth: "plain", Username: "digest", Password: "pw", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m := buildTest(t)
	if err := tr.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	checkDeliveredOverTLS(t, r, m, sasl.Plain)
}

// TestSMTPRelayRefusesAuthWithoutTLS checks the test relay itself: with
// tls none the same credentials are refused, so the TLS seen by the other
// tests is what made AUTH possible.
func TestSMTPRelayRefusesAuthWithoutTLS(t *testing.T) {
	cert, _ := testCert(t)
	r := &tlsRelay{user: "digest", pass: "pw"}
	port := r.serve(t, cert, false)
	tr, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, AllowInsecure: true,
		Auth: "plain", Username: "digest", Password: "pw", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = tr.Send(context.Background(), buildTest(t))
	se := asSendError(t, err)
	if !se.Permanent || se.Stage != "auth" || se.Code != 523 {
		t.Errorf("AUTH in plain text: %v (%+v)", err, se)
	}
	if bodies, _, _, authed, _ := r.snapshot(); len(bodies) != 0 || len(authed) != 0 {
		t.Errorf("relay accepted %d messages, auth %v without TLS", len(bodies), authed)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	cert, pool := testCert(t)
	for _, tc := range []struct{ auth, mech string }{
		{"plain", sasl.Plain},
		{"cram-md5", "CRAM-MD5"},
	} {
		t.Run(tc.auth, func(t *testing.T) {
			r := &tlsRelay{user: "digest", pass: "implicit-pw"}
			port := r.serve(t, cert, true)
			tr, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSImplicit,
				TLSConfig: &tls.Config{RootCAs: pool}, Auth: tc.auth, Username: r.user,
				Password: Secret(r.pass), Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			m := buildTest(t)
			if err := tr.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			checkDeliveredOverTLS(t, r, m, tc.mech)
		})
	}
}

// TestSMTPUnverifiedCertificateIsPermanent: a certificate the client cannot
// verify (unknown authority, or a name it was not issued for) fails before
// anything is sent, and retrying would not help.
func TestSMTPUnverifiedCertificateIsPermanent(t *testing.T) {
	cert, pool := testCert(t)
	for _, tc := range []struct {
		name     string
		implicit bool
		tls      *tls.Config
	}{
		{"starttls-unknown-authority", false, nil},
		{"implicit-unknown-authority", true, nil},
		{"starttls-wrong-name", false, &tls.Config{RootCAs: pool, ServerName: "mail.example.org"}},
		{"implicit-wrong-name", true, &tls.Config{RootCAs: pool, ServerName: "mail.example.org"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &tlsRelay{user: "digest", pass: "pw"}
			port := r.serve(t, cert, tc.implicit)
			mode := TLSStartTLS
			if tc.implicit {
				mode = TLSImplicit
			}
			tr, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: mode, TLSConfig: tc.tls,
				Auth: "plain", Username: "digest", Password: "pw", Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			m := buildTest(t)
			hook := 0
			m.BeforeEnd = func() error { hook++; return nil }
			err = tr.Send(context.Background(), m)
			se := asSendError(t, err)
			if !se.Permanent || se.InDoubt || se.Retryable() || !IsPermanent(err) {
				t.Errorf("unverified certificate classified as %+v (%v)", se, err)
			}
			var verr *tls.CertificateVerificationError
			if !errors.As(err, &verr) {
				t.Errorf("err = %v, want a certificate verification error", err)
			}
			if hook != 0 {
				t.Errorf("BeforeEnd ran: the ledger would mark an undelivered message as sending")
			}
			if bodies, _, _, authed, _ := r.snapshot(); len(bodies) != 0 || len(authed) != 0 {
				t.Errorf("relay stored %d messages, auth %v", len(bodies), authed)
			}
		})
	}
}

func TestNewSMTPTLSPolicy(t *testing.T) {
	for _, tc := range []struct {
		cfg  SMTPConfig
		ok   bool
		mode string
	}{
		{SMTPConfig{Host: "h", Port: 587}, true, TLSStartTLS},
		{SMTPConfig{Host: "h", Port: 465, TLS: TLSImplicit}, true, TLSImplicit},
		{SMTPConfig{Host: "h", Port: 25, TLS: TLSNone}, false, ""},
		{SMTPConfig{Host: "h", Port: 25, TLS: TLSNone, AllowInsecure: true}, true, TLSNone},
		{SMTPConfig{Host: "h", Port: 25, TLS: "ssl"}, false, ""},
		// AllowInsecure does not lower a TLS mode that was asked for.
		{SMTPConfig{Host: "h", Port: 587, AllowInsecure: true}, true, TLSStartTLS},
	} {
		tr, err := NewSMTP(tc.cfg)
		if (err == nil) != tc.ok {
			t.Errorf("NewSMTP(tls=%q allow_insecure=%v): err = %v", tc.cfg.TLS, tc.cfg.AllowInsecure, err)
			continue
		}
		if err == nil && tr.cfg.tlsMode() != tc.mode {
			t.Errorf("tls=%q: mode %s, want %s", tc.cfg.TLS, tr.cfg.tlsMode(), tc.mode)
		}
	}
}
