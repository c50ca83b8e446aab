// Package console is crmdigest's web console: server-rendered pages for
// the person who runs it (the schedules and their next firings, the run
// history and every delivery, previews of any person's digest) and the
// actions that answer "why didn't I get my report?" (resend, resolve an
// in-doubt delivery, pause and resume, run a schedule, dry run first).
//
// Pages are html/template with embedded assets and no script at all. The
// console reads the job store and the pipeline's last reading of the
// exports; long actions are queued as jobs, never run in the request.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"github.com/crmdigest/crmdigest/kpi"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/pipeline"
	"github.com/crmdigest/crmdigest/schedule"
)

//go:embed files
var files embed.FS

// Store is what the console reads and changes in the job store.
type Store interface {
	Status(ctx context.Context, recent int) (jobs.StatusReport, error)
	Run(ctx context.Context, id int64) (jobs.RunSummary, error)
	StartRun(ctx context.Context, spec jobs.RunSpec) (int64, error)
	LatestLoads(ctx context.Context) ([]jobs.SourceLoad, error)
	NextAttempts(ctx context.Context, runID int64) (map[string]time.Time, error)
	Actions(ctx context.Context, runID int64, limit int) ([]jobs.Action, error)
	RecordAction(ctx context.Context, a jobs.Action) error
	Pauses(ctx context.Context) ([]jobs.Pause, error)
	SetPause(ctx context.Context, scope, name, who string, paused bool) error
	MarkDelivered(ctx context.Context, schedule, recipient, period, who string, runID int64) error
	Resend(ctx context.Context, r jobs.ResendSpec) (int64, error)
	CreateSession(ctx context.Context, who string, ttl time.Duration) (string, jobs.Session, error)
	Session(ctx context.Context, token string) (jobs.Session, error)
	DeleteSession(ctx context.Context, token string) error
	RecordLoginFailure(ctx context.Context, addr string, window time.Duration) (int, error)
	LoginFailures(ctx context.Context, addr string, window time.Duration) (int, error)
}

var _ Store = (*jobs.Store)(nil)

// Digests is what the console asks of the pipeline: the schedules, the
// last reading of the sources, and previews built from it.
type Digests interface {
	ScheduleNames() []string
	Schedule(name string) (*schedule.Schedule, bool)
	People(ctx context.Context, schedule string) ([]crm.Person, []string, error)
	NextFirings(ctx context.Context, schedule string, now time.Time, n int) ([]schedule.Firing, error)
	CurrentPeriod(schedule string, t time.Time) (kpi.Period, error)
	ParsePeriod(id string) (kpi.Period, error)
	Preview(ctx context.Context, schedule, recipient string, period kpi.Period) (pipeline.Preview, error)
	Quality() []crm.SourceReport
	DataFiles() []string
}

var _ Digests = (*pipeline.Pipeline)(nil)

// Options build a Server.
type Options struct {
	Store   Store
	Digests Digests
	Config  config.Console
	// Addr is the address the console listens on: it decides whether
	// logging in may be skipped (loopback only).
	Addr   string
	Now    func() time.Time
	Logger *slog.Logger
}

// Server is the console's HTTP handler.
type Server struct {
	store   Store
	digests Digests
	cfg     config.Console
	open    bool // no login: loopback only, foreign Host headers refused
	tls     bool
	now     func() time.Time
	log     *slog.Logger
	pages   map[string]*template.Template
	mux     *http.ServeMux
}

// ErrInsecure is returned by New when the console may not be served on its
// address as configured.
var ErrInsecure = errors.New("console refused")

// Loopback tells whether addr (host:port) listens on a loopback address
// only: 127.0.0.0/8, ::1 or localhost. An empty host (all addresses) is not.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// New checks that the console may be served on o.Addr and builds it. Off
// loopback it needs users (console.users_file or CRMDIGEST_CONSOLE_USERS)
// and TLS or a trusted proxy; console.auth none, or no users at all, is
// allowed on loopback only.
func New(o Options) (*Server, error) {
	c := o.Config
	loop := Loopback(o.Addr)
	s := &Server{store: o.Store, digests: o.Digests, cfg: c, now: o.Now, log: o.Logger,
		tls: c.TLSCert != ""}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.open = c.Auth == "none" || len(c.Users) == 0
	switch {
	case c.Auth == "none" && !loop:
		return nil, fmt.Errorf("%w: console.auth none is allowed on a loopback address only, and %s is not one", ErrInsecure, o.Addr)
	case s.open && !loop:
		return nil, fmt.Errorf("%w: %s is not a loopback address and no console user is configured (console.users_file or %s)", ErrInsecure, o.Addr, config.EnvConsoleUsers)
	case !loop && !s.tls && len(c.Proxies) == 0:
		return nil, fmt.Errorf("%w: %s is not a loopback address: set console.tls_cert and console.tls_key, or console.trusted_proxy for a proxy that terminates HTTPS", ErrInsecure, o.Addr)
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// Open tells whether the console lets anyone on loopback in without a login.
func (s *Server) Open() bool { return s.open }

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when":  func(t time.Time) string { return formatTime(t) },
		"ago":   ago,
		"lower": strings.ToLower,
		"inzone": func(t time.Time, zone string) string {
			if loc, err := time.LoadLocation(zone); err == nil {
				t = t.In(loc)
			}
			return t.Format("Mon 2006-01-02 15:04")
		},
	}
	names, err := fs.Glob(files, "files/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if strings.HasSuffix(n, "/layout.html") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "files/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console templates: %w", err)
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(n, "files/"), ".html")] = t
	}
	return pages, nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ago is a rough age: "3 h", "2 d".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.UTC().Format("2006-01-02") // a pinned demo clock
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d d", int(d.Hours()/24))
}
