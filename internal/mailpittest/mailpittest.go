// Package mailpittest starts a real SMTP server, Mailpit, for tests: built
// from source by the Go tool chain through the tools module (tools/go.mod),
// cached between test runs, listening on free loopback ports, and read back
// through its HTTP API.
//
// The first use on a machine builds Mailpit (about two minutes on two
// cores); later runs reuse the binary in the user cache folder. Set
// CRMDIGEST_MAILPIT to the path of a Mailpit binary to skip the build.
package mailpittest

import (
	"bytes"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Server is a running Mailpit.
type Server struct {
	SMTPHost string
	SMTPPort int
	// URL is the base of the web UI and API, e.g. "http://127.0.0.1:43210".
	URL string

	cmd    *exec.Cmd
	output *syncBuffer
	done   chan struct{} // closed when the process has exited
	client *http.Client
}

// SMTPAddr is "127.0.0.1:port".
func (s *Server) SMTPAddr() string {
	return net.JoinHostPort(s.SMTPHost, strconv.Itoa(s.SMTPPort))
}

// Start builds Mailpit if needed, starts it on free 127.0.0.1 ports and
// waits until it answers its readiness probe and accepts SMTP connections.
// It is stopped when the test ends. Mailpit accepts any SMTP login, plain
// text included, and keeps every message (no 500-message cap).
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary(tb)
	var lastErr error
	for range 3 {
		s, err := start(bin, tb.TempDir())
		if err == nil {
			tb.Cleanup(s.stop)
			return s
		}
		// Another process may have taken a port between the probe and
		// Mailpit's bind: try again with fresh ports.
		lastErr = err
	}
	tb.Fatalf("mailpittest: start mailpit: %v", lastErr)
	return nil
}

func start(bin, dir string) (*Server, error) {
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		SMTPHost: "127.0.0.1",
		SMTPPort: smtpPort,
		URL:      "http://127.0.0.1:" + strconv.Itoa(httpPort),
		output:   &syncBuffer{},
		done:     make(chan struct{}),
		client:   &http.Client{Timeout: 30 * time.Second},
	}
	s.cmd = exec.Command(bin,
		"--smtp", s.SMTPAddr(),
		"--listen", net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--max", "0",
		"--disable-version-check",
		"--smtp-auth-accept-any",
		"--smtp-auth-allow-insecure",
		"--smtp-disable-rdns",
		"--quiet",
	)
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return nil, &startError{s.output.String()}
		case <-time.After(50 * time.Millisecond):
		}
		if s.ready() {
			return s, nil
		}
	}
	s.stop()
	return nil, &startError{"not ready after 30s: " + s.output.String()}
}

type startError struct{ output string }

func (e *startError) Error() string { return "mailpit did not start: " + e.output }

func (s *Server) ready() bool {
	resp, err := s.client.Get(s.URL + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c, err := net.DialTimeout("tcp", s.SMTPAddr(), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// stop ends Mailpit: an interrupt first so it closes its database, then a
// kill if it lingers.
func (s *Server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(interruptSignal)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Output is what Mailpit printed so far, for a failing test's message.
func (s *Server) Output() string { return s.output.String() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
