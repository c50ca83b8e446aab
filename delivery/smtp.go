package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"github.com/crmdigest/crmdigest/internal/clock"
)

// TLS modes of SMTPConfig.TLS.
const (
	TLSStartTLS = "starttls" // required: a server without STARTTLS is refused
	TLSImplicit = "implicit" // TLS from the first byte, usually port 465
	TLSNone     = "none"     // plain text; only with AllowInsecure
)

// SMTPConfig says how to reach the relay. It mirrors config.yaml's
// delivery.smtp; its String and LogValue never show the password.
type SMTPConfig struct {
	Host string
	Port int
	// TLS is TLSStartTLS (the default when empty), TLSImplicit or TLSNone.
	TLS string
	// AllowInsecure must be true for TLSNone: plain SMTP is for a relay on
	// the same host or network only.
	AllowInsecure bool
	// Auth is "", "plain", "login", "cram-md5" or "xoauth2".
	Auth     string
	Username string
	// Password is the password (or, for xoauth2, the access token); when
	// PasswordFile is set the file is read at each session instead.
	Password     Secret
	PasswordFile string
	// Timeout bounds one whole SMTP session, dial to QUIT; 30 s when 0.
	Timeout time.Duration
	// HeloName is the name given in EHLO; "localhost" when empty.
	HeloName string
	// TLSConfig overrides the TLS settings (a private CA's RootCAs, for
	// example); ServerName defaults to Host.
	TLSConfig *tls.Config
}

func (c SMTPConfig) String() string {
	pw := ""
	if c.Password != "" || c.PasswordFile != "" {
		pw = " password=" + redacted
	}
	return fmt.Sprintf("smtp %s tls=%s auth=%s user=%s%s",
		net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.tlsMode(), c.Auth, c.Username, pw)
}

// LogValue keeps the password out of structured logs.
func (c SMTPConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

func (c SMTPConfig) tlsMode() string {
	if c.TLS == "" {
		return TLSStartTLS
	}
	return c.TLS
}

// SMTP sends each message over its own SMTP session. Use a Limiter to cap
// the number of sessions and the message rate.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP checks cfg and returns a transport.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: no host")
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("smtp: port %d out of range", cfg.Port)
	}
	switch cfg.tlsMode() {
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if !cfg.AllowInsecure {
			return nil, errors.New("smtp: tls none needs allow_insecure (only for a local relay)")
		}
	default:
		return nil, fmt.Errorf("smtp: tls %q: expected starttls, implicit or none", cfg.TLS)
	}
	switch cfg.Auth {
	case "", "plain", "login", "cram-md5", "xoauth2":
	default:
		return nil, fmt.Errorf("smtp: auth %q: expected plain, login, cram-md5 or xoauth2", cfg.Auth)
	}
	if cfg.Auth != "" && cfg.Password == "" && cfg.PasswordFile == "" {
		return nil, fmt.Errorf("smtp: auth %s needs a password or password_file", cfg.Auth)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.HeloName == "" {
		cfg.HeloName = "localhost"
	}
	return &SMTP{cfg: cfg}, nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		tc = s.cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = s.cfg.Host
	}
	return tc
}

func (s *SMTP) auth() (smtp.Auth, error) {
	pw := s.cfg.Password
	if s.cfg.PasswordFile != "" {
		var err error
		if pw, err = ReadSecretFile(s.cfg.PasswordFile); err != nil {
			return nil, err
		}
	}
	// allowUnencrypted: the TLS policy is enforced by this transport
	// (TLSNone needs AllowInsecure), not by go-mail's localhost rule.
	allowPlain := s.cfg.tlsMode() == TLSNone
	switch s.cfg.Auth {
	case "plain":
		return smtp.PlainAuth("", s.cfg.Username, pw.Reveal(), s.cfg.Host, allowPlain), nil
	case "login":
		return smtp.LoginAuth(s.cfg.Username, pw.Reveal(), s.cfg.Host, allowPlain), nil
	case "cram-md5":
		return smtp.CRAMMD5Auth(s.cfg.Username, pw.Reveal()), nil
	case "xoauth2":
		return smtp.XOAuth2Auth(s.cfg.Username, pw.Reveal()), nil
	}
	return nil, nil
}

// Send delivers m in one SMTP session. It calls m.BeforeEnd once the
// message body has been written to the server and right before the final
// "." of DATA, and returns nil only after the server's 250 reply to the
// message. Failures are *SendError (see classify), or BeforeEnd's error.
func (s *SMTP) Send(ctx context.Context, m *Message) (err error) {
	if m == nil || len(m.raw) == 0 {
		return errors.New("smtp: message not built")
	}
	stage, afterBody := "dial", false
	defer func() {
		if err == nil {
			return
		}
		var hookErr *beforeDataError
		if errors.As(err, &hookErr) {
			err = hookErr.err
			return
		}
		se := classify(stage, err, afterBody)
		if ctx.Err() != nil && !errors.Is(se.Err, ctx.Err()) {
			se.Err = fmt.Errorf("%w (%v)", ctx.Err(), se.Err)
		}
		err = se
	}()

	deadline := clock.Wall().Add(s.cfg.Timeout) // net deadlines follow the system clock
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	dialer := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	if s.cfg.tlsMode() == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: s.tlsConfig()}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	if err = conn.SetDeadline(deadline); err != nil {
		return err
	}
	// A cancelled ctx unblocks whatever read or write is waiting.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	stage = "greeting"
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return err
	}
	stage = "hello"
	if err = c.Hello(s.cfg.HeloName); err != nil {
		return err
	}
	if s.cfg.tlsMode() == TLSStartTLS {
		stage = "tls"
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return &SendError{Permanent: true, Stage: stage,
				Err: fmt.Errorf("server %s does not offer STARTTLS, which is required (set tls: none and allow_insecure only for a local relay)", addr)}
		}
		if err = c.StartTLS(s.tlsConfig()); err != nil {
			return err
		}
	}
	if s.cfg.Auth != "" {
		stage = "auth"
		a, aerr := s.auth()
		if aerr != nil {
			return &SendError{Permanent: true, Stage: stage, Err: aerr}
		}
		if err = c.Auth(a); err != nil {
			return err
		}
	}
	stage = "mail"
	if err = c.Mail("<" + m.From.Address + ">"); err != nil {
		return err
	}
	stage = "rcpt"
	if err = c.Rcpt("<" + m.To.Address + ">"); err != nil {
		return err
	}
	stage = "data"
	// DATA is sent here rather than through c.Data, whose writer
	// dot-stuffs the message a byte at a time (data.go): the payload is
	// stuffed once, the same bytes, and written in one call.
	if err = dataCommand(c); err != nil {
		return err
	}
	stage = "body"
	body, end, release := payload(m.raw)
	defer release()
	// Push the whole body to the server now, so that only the final dot
	// is left to send after the hook: the window in which a crash leaves
	// the message in doubt is one small write.
	if _, err = c.Text.W.Write(body); err != nil {
		return err
	}
	if err = c.Text.W.Flush(); err != nil {
		return err
	}
	if m.BeforeEnd != nil {
		if herr := m.BeforeEnd(); herr != nil {
			// Closing the connection without the final dot makes the
			// server drop the message (RFC 5321 §3.8).
			return &beforeDataError{fmt.Errorf("before end of data: %w", herr)}
		}
	}
	// From here the final dot may reach the server: a broken connection
	// leaves the message in doubt.
	stage, afterBody = "end-of-data", true
	if _, err = c.Text.W.Write(end); err != nil {
		return err
	}
	if err = c.Text.W.Flush(); err != nil {
		return err
	}
	if _, _, err = c.Text.ReadResponse(250); err != nil {
		return err
	}
	_ = c.Quit() // delivered; a failing QUIT changes nothing
	return nil
}

// dataCommand sends DATA and reads the server's 354, as go-mail's
// Client.Data does before it hands out its writer.
func dataCommand(c *smtp.Client) error {
	id, err := c.Text.Cmd("DATA")
	if err != nil {
		return err
	}
	c.Text.StartResponse(id)
	defer c.Text.EndResponse(id)
	_, _, err = c.Text.ReadResponse(354)
	return err
}

// beforeDataError carries the hook's error past classification unchanged.
type beforeDataError struct{ err error }

func (e *beforeDataError) Error() string { return e.err.Error() }
