// Command crashtest works one batch of digests through the job engine
// against a real SMTP server, so that a test can kill it with SIGKILL at
// any point and start it again. It is the engine's half of the crash test:
// package jobs plus a plain net/smtp deliverer, nothing else of crmdigest.
//
//	crashtest -store DIR/jobs.db -smtp 127.0.0.1:1025 -n 200 -enqueue
//	crashtest -store DIR/jobs.db -smtp 127.0.0.1:1025   # after a kill
//
// With -enqueue it records a run of n recipients (rcpt000@example.test...)
// before working; without, it works what the store holds. It prints
// "DONE sent=N failed=N in_doubt=N" when the latest run is over and exits 0.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("crashtest", flag.ContinueOnError)
	store := fs.String("store", "", "store: SQLite path or postgres:// URL")
	schema := fs.String("schema", "", "PostgreSQL schema")
	addr := fs.String("smtp", "", "SMTP server host:port (plain, no auth)")
	n := fs.Int("n", 200, "recipients in the batch (with -enqueue)")
	enqueue := fs.Bool("enqueue", false, "record the run before working")
	policy := fs.String("policy", "resend", "in-doubt policy: resend or hold")
	workers := fs.Int("workers", 4, "River workers")
	dataDelay := fs.Duration("data-delay", 0, "pause in the middle of DATA, to widen the window a kill lands in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *store == "" || *addr == "" {
		return errors.New("-store and -smtp are required")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := jobs.Open(ctx, *store, jobs.Options{
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Deliverer:    &smtpDeliverer{addr: *addr, dataDelay: *dataDelay},
		Workers:      *workers,
		InDoubt:      jobs.InDoubtPolicy(*policy),
		RetryBase:    50 * time.Millisecond,
		RetryMax:     time.Second,
		JobTimeout:   10 * time.Second,
		RescueAfter:  20 * time.Second,
		PollInterval: 100 * time.Millisecond,
		Schema:       *schema,
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if *enqueue {
		rs := make([]string, *n)
		for i := range rs {
			rs[i] = fmt.Sprintf("rcpt%03d@example.test", i)
		}
		if _, err := s.StartRun(ctx, jobs.RunSpec{Schedule: "crash", Period: kpi.Period{Kind: kpi.Week, Year: 2026, N: 1, Until: crm.NoDay}, Recipients: rs}); err != nil {
			return err
		}
	}
	rep, err := s.Status(ctx, 1)
	if err != nil {
		return err
	}
	if len(rep.Runs) == 0 {
		return errors.New("no run in the store: use -enqueue")
	}
	if err := s.Start(ctx); err != nil {
		return err
	}
	sum, werr := s.WaitRun(ctx, rep.Runs[0].ID, 50*time.Millisecond)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.Stop(sctx); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	fmt.Fprintf(out, "DONE sent=%d failed=%d in_doubt=%d pending=%d\n", sum.Sent, sum.Failed, sum.InDoubt, sum.Pending)
	return nil
}

// smtpDeliverer sends a small message per delivery with net/smtp and
// classifies its errors the way package jobs reads them.
type smtpDeliverer struct {
	addr      string
	dataDelay time.Duration
}

func messageID(d jobs.Delivery) string {
	h := sha256.Sum256([]byte(d.Schedule + "\x00" + d.Recipient + "\x00" + d.Period.Key()))
	id := hex.EncodeToString(h[:8])
	if d.Resend > 0 {
		id += fmt.Sprintf(".r%d", d.Resend)
	}
	return "<" + id + "@crashtest.example>"
}

func (s *smtpDeliverer) Deliver(ctx context.Context, d jobs.Delivery, h jobs.Hooks) (jobs.Receipt, error) {
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return jobs.Receipt{}, jobs.Transient(err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(s.addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		_ = conn.Close()
		return jobs.Receipt{}, classify(err, false)
	}
	defer c.Close()
	if err := c.Hello("crashtest.example"); err != nil {
		return jobs.Receipt{}, classify(err, false)
	}
	if err := c.Mail("digest@crashtest.example"); err != nil {
		return jobs.Receipt{}, classify(err, false)
	}
	if err := c.Rcpt(d.Recipient); err != nil {
		return jobs.Receipt{}, classify(err, false)
	}
	if err := h.BeforeEnd(ctx); err != nil {
		return jobs.Receipt{}, err
	}
	w, err := c.Data()
	if err != nil {
		return jobs.Receipt{}, classify(err, false) // nothing was sent yet
	}
	id := messageID(d)
	head := fmt.Sprintf("From: digest@crashtest.example\r\nTo: %s\r\nSubject: digest %s %s\r\nMessage-ID: %s\r\n\r\n",
		d.Recipient, d.Schedule, d.Period, id)
	if _, err := io.WriteString(w, head+"Your numbers.\r\n"); err != nil {
		return jobs.Receipt{}, classify(err, true)
	}
	if s.dataDelay > 0 {
		time.Sleep(s.dataDelay)
	}
	if _, err := io.WriteString(w, "The end.\r\n"); err != nil {
		return jobs.Receipt{}, classify(err, true)
	}
	if err := w.Close(); err != nil { // sends "." and reads the reply
		return jobs.Receipt{}, classify(err, true)
	}
	_ = c.Quit()
	return jobs.Receipt{MessageID: id}, nil
}

// classify: an SMTP reply says what it is (4xx transient, 5xx permanent);
// any other failure is transient before DATA and in doubt after it.
func classify(err error, afterData bool) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		if te.Code >= 500 {
			return jobs.Permanent(err)
		}
		return jobs.Transient(err)
	}
	if afterData {
		return jobs.InDoubt(err)
	}
	return jobs.Transient(err)
}
