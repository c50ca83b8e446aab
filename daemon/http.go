package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Server serves the daemon's health and metrics over HTTP:
//
//	/healthz  200 while the process runs (liveness)
//	/readyz   200 when the store answers and the schedules are loaded,
//	          503 with the reason otherwise, and while shutting down
//	/metrics  the Prometheus series of Metrics
type Server struct {
	d        *Daemon
	store    Store
	metrics  *Metrics
	stopping atomic.Bool
	srv      *http.Server
	ln       net.Listener
	mux      *http.ServeMux
	certFile string
	keyFile  string
}

// NewServer listens on addr (host:port; port 0 picks a free one) for the
// daemon d. It does not serve until Serve.
func NewServer(addr string, d *Daemon, store Store, m *Metrics) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	s := &Server{d: d, store: store, metrics: m, ln: ln, mux: mux}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.ready)
	if m != nil {
		mux.Handle("GET /metrics", m.Handler())
	}
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// Mount serves h (the web console) for every path but the health and
// metrics endpoints, over TLS when certFile and keyFile are set. Call it
// before Serve.
func (s *Server) Mount(h http.Handler, certFile, keyFile string) {
	s.mux.Handle("/", h)
	s.certFile, s.keyFile = certFile, keyFile
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Shutdown; it returns nil then.
func (s *Server) Serve() error {
	serve := func() error { return s.srv.Serve(s.ln) }
	if s.certFile != "" {
		serve = func() error { return s.srv.ServeTLS(s.ln, s.certFile, s.keyFile) }
	}
	if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// Stopping makes /readyz answer 503 from now on: a load balancer or a
// supervisor sees the node leave before it stops.
func (s *Server) Stopping() { s.stopping.Store(true) }

// Shutdown stops serving, waiting for requests in progress until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	fail := func(why string) {
		http.Error(w, why, http.StatusServiceUnavailable)
	}
	if s.stopping.Load() {
		fail("shutting down")
		return
	}
	if !s.d.Loaded() {
		fail("schedules not loaded: the recipients' zones could not be read yet")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		fail("store unreachable: " + err.Error())
		return
	}
	fmt.Fprintln(w, "ready")
}
