package delivery

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOutboxWritesPrivateAtomicFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	spec := testSpec(t, "Ana", "Ana.Diaz@example.com")
	m, err := testBuilder().Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	called := false
	path := o.Path(m)
	m.BeforeEnd = func() error {
		if called {
			return nil // the same message sent again below
		}
		called = true
		// The mark comes after the file is written, just before the
		// rename: the .eml is not there yet, its temporary file is.
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("BeforeEnd ran after %s was in place (%v)", path, err)
		}
		tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".partial-*.tmp"))
		if len(tmps) != 1 {
			t.Errorf("BeforeEnd ran with %d temporary files, want the written one", len(tmps))
		}
		return nil
	}
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if !called {
		t.Errorf("BeforeEnd not called")
	}
	if want := filepath.Join(dir, "monthly", "2026-03", "rep-ana.diaz@example.com.eml"); path != want {
		t.Errorf("path %s, want %s", path, want)
	}
	for _, p := range []string{dir, filepath.Join(dir, "monthly"), filepath.Dir(path)} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o700 {
			t.Errorf("%s mode %v, want 0700", p, st.Mode().Perm())
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", st.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, leaves := parseMessage(t, raw)
	if last := leaves[len(leaves)-1]; last.contentType != "application/pdf" || !bytes.Equal(last.body, spec.PDF) {
		t.Errorf("the .eml does not give back the pdf")
	}
	// Only the final file is in the folder: no temporary left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want 1", len(entries))
	}
	// A second run of the same key replaces the file; a forced resend and
	// a preview get names of their own.
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	spec.Resend = 1
	r1, _ := testBuilder().Build(spec)
	pb := testBuilder()
	pb.RedirectTo = "admin@example.com"
	spec.Resend = 0
	pv, _ := pb.Build(spec)
	for _, mm := range []*Message{r1, pv} {
		if err := o.Send(context.Background(), mm); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ = os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := "preview-rep-ana.diaz@example.com.eml rep-ana.diaz@example.com-r1.eml rep-ana.diaz@example.com.eml"
	if strings.Join(names, " ") != want {
		t.Errorf("files %v, want %s", names, want)
	}
}

// TestOutboxNoPartialFileVisible reads the folder while large messages are
// being written: every .eml seen must parse and hold the whole PDF.
func TestOutboxNoPartialFileVisible(t *testing.T) {
	dir := t.TempDir()
	o, _ := NewOutbox(dir)
	spec := testSpec(t, "Ana", "ana@example.com")
	spec.PDF = bytes.Repeat(spec.PDF, 400) // ~600 KB, many write calls
	m, err := testBuilder().Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	seen := 0
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.eml"))
			for _, f := range files {
				raw, err := os.ReadFile(f)
				if err != nil {
					continue // replaced between glob and read
				}
				seen++
				if !bytes.Equal(raw, m.Bytes()) {
					t.Errorf("partial or foreign content visible in %s: %d bytes", f, len(raw))
					return
				}
			}
		}
	}()
	for range 20 {
		if err := o.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if seen == 0 {
		t.Log("reader never saw a file; atomicity not exercised this run")
	}
}

func TestOutboxHonoursCancelledContext(t *testing.T) {
	o, _ := NewOutbox(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := buildTest(t)
	if err := o.Send(ctx, m); !IsRetryable(err) {
		t.Errorf("cancelled send: %v", err)
	}
	if _, err := os.Stat(o.Path(m)); err == nil {
		t.Errorf("file written despite cancel")
	}
}

type countingTransport struct {
	mu             sync.Mutex
	active, maxAct int
	starts         []time.Time
}

func (c *countingTransport) Send(ctx context.Context, m *Message) error {
	c.mu.Lock()
	c.active++
	c.maxAct = max(c.maxAct, c.active)
	c.starts = append(c.starts, time.Now())
	c.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	c.mu.Lock()
	c.active--
	c.mu.Unlock()
	return nil
}

func TestLimiterCapsConcurrencyAndRate(t *testing.T) {
	ct := &countingTransport{}
	l := NewLimiter(ct, 1200, 2) // one send every 50ms, two at once
	m := buildTest(t)
	t0 := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = l.Send(context.Background(), m) }()
	}
	wg.Wait()
	if ct.maxAct > 2 {
		t.Errorf("%d sends at once, cap 2", ct.maxAct)
	}
	// The limiter gives the sends the slots t0, t0+50ms, t0+100ms... or
	// later ones, and a timer never fires early: the k-th send to start
	// cannot start before t0+k*50ms. (Gaps between two sends may be
	// shorter when the first of them woke up late on a busy machine.)
	slices.SortFunc(ct.starts, time.Time.Compare)
	for k, at := range ct.starts {
		if early := t0.Add(time.Duration(k) * 50 * time.Millisecond).Sub(at); early > 0 {
			t.Errorf("send %d started %v before its slot at t0+%dms", k, early, k*50)
		}
	}
	if len(ct.starts) != 8 {
		t.Errorf("%d sends reached the transport, want 8", len(ct.starts))
	}

	// A waiting send gives up when its context ends.
	slow := NewLimiter(ct, 1, 0) // one a minute
	_ = slow.Send(context.Background(), m)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := slow.Send(ctx, m)
	if !IsRetryable(err) || time.Since(start) > time.Second {
		t.Errorf("cancelled wait: %v after %v", err, time.Since(start))
	}
}

// A failing mark (the ledger unreachable) leaves no message and no
// temporary file behind.
func TestOutboxBeforeEndErrorLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := testBuilder().Build(testSpec(t, "Ana", "ana@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	down := errors.New("ledger unavailable")
	m.BeforeEnd = func() error { return down }
	if err := o.Send(context.Background(), m); !errors.Is(err, down) {
		t.Fatalf("err = %v, want the hook's error", err)
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("files left behind: %v", files)
	}
}
