package delivery

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/crmdigest/crmdigest/internal/clock"
	"github.com/crmdigest/crmdigest/templates"
)

// PreviewHeader marks a message redirected to an administrator (preview
// mode); its value is the address the message was meant for.
const PreviewHeader = "X-Crmdigest-Preview"

// Spec is one person's digest to be made into a message.
type Spec struct {
	Schedule string // schedule name, part of the Message-ID
	Period   string // the period's canonical key (kpi.Period.Key) such as "2026-03": part of the Message-ID and the outbox folder
	Role     string // rep, manager, director: names the outbox file
	// To is the person the digest is for.
	ToName    string
	ToAddress string
	Rendered  templates.Rendered
	PDF       []byte
	PDFName   string // file name shown to the reader, e.g. "digest-2026-03.pdf"
	// ChartPNG is an optional chart shown inline; ChartCID is its
	// Content-ID without angle brackets (templates.Email.InlineChartCID).
	ChartPNG []byte
	ChartCID string
	// Resend counts forced resends of the same (schedule, recipient,
	// period): 0 for the first message, 1 for the first forced resend...
	// It gives the Message-ID a suffix so that each resend is told apart.
	Resend int
}

// Builder makes messages for one run: the sender, the clock and the preview
// redirection are the same for every recipient.
type Builder struct {
	FromName    string
	FromAddress string
	// Now gives the Date header; nil means clock.Now.
	Now func() time.Time
	// RedirectTo, when not empty, sends every message to this address
	// instead of its recipient (preview mode, --redirect-to). Such messages
	// carry PreviewHeader, a subject marked as a preview and a Message-ID of
	// their own, and Message.Preview is true so that they are not counted as
	// delivered.
	RedirectTo string
	// ReplyTo, when not empty, is where a reader's reply goes: the
	// administrator, since the sender address is usually unattended.
	ReplyTo string
}

// Message is an email ready for any transport. Its bytes are fixed when it is
// built, so an outbox file and an SMTP message are the same.
type Message struct {
	Schedule, Period, Role string
	// Recipient is the person the digest is for; To is where it goes
	// (the same unless Preview).
	Recipient mail.Address
	To        mail.Address
	From      mail.Address
	Subject   string
	// MessageID is the Message-ID header value without angle brackets.
	MessageID string
	Date      time.Time
	Preview   bool
	Resend    int

	// BeforeEnd, if set, is called by a transport at the last moment
	// before the message can arrive: by SMTP after the body has been
	// written and just before the final "." of DATA, by the outbox after
	// the file is written and synced, just before it is renamed into
	// place. A non-nil error aborts the send (nothing arrives) and is
	// returned by Send (wrapped). The job engine marks its ledger
	// "sending" here, so that a crash before the mark is a plain failure
	// and only one after it leaves the message in doubt.
	BeforeEnd func() error

	raw []byte
}

// Bytes returns the message as RFC 5322 text with CRLF line endings.
func (m *Message) Bytes() []byte { return m.raw }

// WriteTo writes the message's RFC 5322 text to w.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(m.raw)
	return int64(n), err
}

// AddressError says that one recipient's address cannot be used. The run
// goes on for everyone else; the job engine records it as permanent.
type AddressError struct {
	Name    string
	Address string
	Err     error
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("recipient %q: invalid address %q: %v", e.Name, e.Address, e.Err)
}

func (e *AddressError) Unwrap() error { return e.Err }

// ParseAddress checks that addr is one bare address (no display name, no
// list, no control characters) and returns it with name attached.
func ParseAddress(name, addr string) (mail.Address, error) {
	fail := func(err error) (mail.Address, error) {
		return mail.Address{}, &AddressError{Name: name, Address: addr, Err: err}
	}
	if addr == "" {
		return fail(errors.New("empty"))
	}
	if strings.ContainsFunc(addr, isControl) {
		return fail(errors.New("contains a control character"))
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return fail(err)
	}
	if a.Name != "" || a.Address != strings.TrimSpace(addr) {
		return fail(errors.New("expected a bare address such as name@example.com"))
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || !strings.Contains(a.Address[at+1:], ".") && a.Address[at+1:] != "localhost" {
		return fail(errors.New("the domain has no dot"))
	}
	return mail.Address{Name: oneLine(name), Address: a.Address}, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// oneLine replaces control characters, CR and LF among them, with spaces
// and trims the result: a name or subject then cannot start a new header.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// MessageID returns the Message-ID (without angle brackets) of the digest of
// (schedule, recipient, period): a hash, so that the header does not repeat
// the address, with ".rN" for the Nth forced resend and ".preview" for a
// preview. domain is the right-hand side, normally the sender's domain.
func MessageID(schedule, recipient, period string, resend int, preview bool, domain string) string {
	h := sha256.Sum256([]byte(schedule + "\x00" + strings.ToLower(recipient) + "\x00" + period))
	id := "crmdigest." + hex.EncodeToString(h[:16])
	if resend > 0 {
		id += fmt.Sprintf(".r%d", resend)
	}
	if preview {
		id += ".preview"
	}
	return id + "@" + domain
}

var cidPattern = regexp.MustCompile(`^[A-Za-z0-9._@-]+$`)

// Build makes the message of s. An unusable recipient address gives an
// *AddressError; everything else wrong with s is a plain error.
func (b *Builder) Build(s Spec) (*Message, error) {
	from, err := ParseAddress(b.FromName, b.FromAddress)
	if err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	rcpt, err := ParseAddress(s.ToName, s.ToAddress)
	if err != nil {
		return nil, err
	}
	if s.Schedule == "" || s.Period == "" {
		return nil, errors.New("build message: schedule and period are needed for the Message-ID")
	}
	if len(s.PDF) == 0 {
		return nil, errors.New("build message: no PDF to attach")
	}
	if (len(s.ChartPNG) == 0) != (s.ChartCID == "") {
		return nil, errors.New("build message: an inline chart needs both ChartPNG and ChartCID")
	}
	if s.ChartCID != "" && !cidPattern.MatchString(s.ChartCID) {
		return nil, fmt.Errorf("build message: chart content id %q has characters outside [A-Za-z0-9._@-]", s.ChartCID)
	}
	now := clock.Now
	if b.Now != nil {
		now = b.Now
	}
	m := &Message{
		Schedule:  s.Schedule,
		Period:    s.Period,
		Role:      s.Role,
		Recipient: rcpt,
		To:        rcpt,
		From:      from,
		Subject:   oneLine(s.Rendered.Subject),
		Date:      now(),
		Resend:    s.Resend,
	}
	if b.RedirectTo != "" {
		to, err := ParseAddress("", b.RedirectTo)
		if err != nil {
			return nil, fmt.Errorf("redirect: %w", err)
		}
		m.To, m.Preview = to, true
		m.Subject = oneLine(fmt.Sprintf("[preview for %s] %s", rcpt.Address, m.Subject))
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	m.MessageID = MessageID(s.Schedule, rcpt.Address, s.Period, s.Resend, m.Preview, domain)

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(&mail.Address{Name: from.Name, Address: from.Address})
	msg.ToMailAddress(&mail.Address{Name: m.To.Name, Address: m.To.Address})
	msg.Subject(m.Subject)
	if b.ReplyTo != "" {
		if err := msg.ReplyTo(b.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to %q: %w", b.ReplyTo, err)
		}
	}
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.Date)
	msg.SetUserAgent("crmdigest")
	// RFC 3834: tells auto-responders (out-of-office) not to answer.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if m.Preview {
		msg.SetGenHeader(PreviewHeader, rcpt.Address)
	}
	msg.SetBodyString(gomail.TypeTextPlain, s.Rendered.Text)
	if s.Rendered.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, s.Rendered.HTML)
	}
	if len(s.ChartPNG) > 0 {
		// The ReadSeeker forms read the bytes when the message is written;
		// the Reader forms copy them first (io.ReadAll), for nothing here.
		msg.EmbedReadSeeker("chart.png", bytes.NewReader(s.ChartPNG),
			gomail.WithFileContentID("<"+s.ChartCID+">"), gomail.WithFileContentType("image/png"))
	}
	name := oneLine(s.PDFName)
	if name == "" {
		name = "digest-" + oneLine(s.Period) + ".pdf"
	}
	msg.AttachReadSeeker(name, bytes.NewReader(s.PDF), gomail.WithFileContentType("application/pdf"))
	// No SetBoundary: go-mail reuses one boundary for every nested part,
	// and readers then lose the attachment. Random boundaries it is.
	var buf bytes.Buffer
	// go-mail writes the message in lines of 76 base64 characters; a
	// buffer sized for the whole message at once spares the doublings,
	// the largest allocations of a delivery.
	buf.Grow(encodedSize(s))
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	m.raw = buf.Bytes()
	return m, nil
}

// encodedSize is about the size of the message of s: its attachments in
// base64 (4 characters for 3 bytes, CRLF after 76), its two bodies in
// quoted-printable (a tenth more for the escapes, a guess that only costs a
// growth when short) and room for the headers.
func encodedSize(s Spec) int {
	b64 := func(n int) int { e := (n + 2) / 3 * 4; return e + e/76*2 + 2 }
	qp := func(n int) int { return n + n/10 }
	return b64(len(s.PDF)) + b64(len(s.ChartPNG)) + qp(len(s.Rendered.Text)) + qp(len(s.Rendered.HTML)) + 4096
}

// BuildNotice builds a plain-text message to the administrator (a failed
// run, stale data). It has no attachment and its Message-ID is derived from
// key, so that one notice per run is recognisable as such.
func (b *Builder) BuildNotice(to, subject, text, key string) (*Message, error) {
	from, err := ParseAddress(b.FromName, b.FromAddress)
	if err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	rcpt, err := ParseAddress("", to)
	if err != nil {
		return nil, err
	}
	now := clock.Now
	if b.Now != nil {
		now = b.Now
	}
	m := &Message{Schedule: "notice", Period: key, Role: "admin", Recipient: rcpt, To: rcpt, From: from,
		Subject: oneLine(subject), Date: now()}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	m.MessageID = MessageID("notice", rcpt.Address, key, 0, false, domain)
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(&mail.Address{Name: from.Name, Address: from.Address})
	msg.ToMailAddress(&mail.Address{Address: rcpt.Address})
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.Date)
	msg.SetUserAgent("crmdigest")
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, text)
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("write notice: %w", err)
	}
	m.raw = buf.Bytes()
	return m, nil
}
