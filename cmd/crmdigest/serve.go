package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/console"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/pipeline"
	"golang.org/x/crypto/bcrypt"
)

// runServe is `crmdigest serve`: the web console alone, without firing
// schedules. It works the jobs its actions queue (a resend, a dry run), as
// `send` would; the schedules stay the daemon's.
func runServe(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("serve", "--config FILE [--listen HOST:PORT] | --hash-password")
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	listen := fs.String("listen", "", "address to serve on (default daemon.listen)")
	hash := fs.Bool("hash-password", false, "read a password on standard input and print its bcrypt hash for console.users_file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *hash {
		return hashPassword(os.Stdin, m.Stdout)
	}
	e, err := loadEnv(*cfgPath)
	if err != nil {
		return err
	}
	addr := *listen
	if addr == "" {
		addr = e.cfg.Daemon.Listen
	}
	log := newLogger(e.cfg, m.Stderr)
	eng, err := openEngine(ctx, e.cfg, log, pipeline.Options{Now: e.now})
	if err != nil {
		return err
	}
	defer eng.close(ctx, e.cfg.Daemon.StopTimeout)
	con, err := newConsole(e.cfg, addr, eng.store, eng.pipe, e.now, log)
	if err != nil {
		return err
	}
	// One reading of the exports at start: the pages show it, and do not
	// read the exports again on every request.
	if _, err := eng.pipe.Reload(ctx); err != nil {
		log.Warn("sources not read: the overview shows no load until they can be", "err", err)
	}
	if err := eng.store.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: con.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() {
		if e.cfg.Console.TLSCert != "" {
			errc <- srv.ServeTLS(ln, e.cfg.Console.TLSCert, e.cfg.Console.TLSKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	scheme := "http"
	if e.cfg.Console.TLSCert != "" {
		scheme = "https"
	}
	log.Info("console serving", "url", scheme+"://"+ln.Addr().String()+"/", "login", !con.Open())
	fmt.Fprintf(m.Stdout, "console on %s://%s/\n", scheme, ln.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newConsole builds the console for addr; it refuses an address off
// loopback without users, or without TLS or a trusted proxy.
func newConsole(cfg *config.Config, addr string, store *jobs.Store, pipe *pipeline.Pipeline, now func() time.Time, log *slog.Logger) (*console.Server, error) {
	return console.New(console.Options{Store: store, Digests: pipe, Config: cfg.Console, Addr: addr, Now: now, Logger: log})
}

// hashPassword reads one line and prints its bcrypt hash.
func hashPassword(in io.Reader, out io.Writer) error {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if len(pw) < 8 {
		return usageError("the password is shorter than 8 characters")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	fmt.Fprintln(out, string(h))
	return nil
}
