package pipeline

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/internal/mailpittest"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/templates"
)

// prebuilt is a Deliverer that sends messages built beforehand, the way
// Pipeline.Deliver sends the one it renders: BeforeEnd hook, the
// transport, classify. It leaves rendering out, so that the benchmark
// compares the job engine's path with sending straight to the server, the
// same messages both ways.
type prebuilt struct {
	msgs map[string]*delivery.Message
	tr   delivery.Transport
}

func (p prebuilt) Deliver(ctx context.Context, d jobs.Delivery, hooks jobs.Hooks) (jobs.Receipt, error) {
	msg, ok := p.msgs[d.Recipient]
	if !ok {
		return jobs.Receipt{}, jobs.Permanent(fmt.Errorf("no message for %s", d.Recipient))
	}
	msg.BeforeEnd = func() error { return hooks.BeforeEnd(ctx) }
	if err := p.tr.Send(ctx, msg); err != nil {
		return jobs.Receipt{}, classify(err)
	}
	return jobs.Receipt{MessageID: msg.MessageID, Reply: "250 accepted"}, nil
}

// BenchmarkEngineVsDirect sends b.N digests with a 200 KB attachment to
// Mailpit on loopback twice: straight through the SMTP transport from 4
// goroutines (as delivery's BenchmarkMailpitDirect does), then through the
// job engine on a SQLite store (run recorded, one River job per recipient,
// ledger rows going sending and sent, 4 workers, the transport behind the
// limiter at concurrency 4). Each clock runs from the first send (direct)
// or from StartRun (engine) to the moment Mailpit's API counts every
// message stored. It reports both rates and the engine's as a percentage
// of the direct one. Run it with -benchtime=300x or so.
func BenchmarkEngineVsDirect(b *testing.B) {
	const concurrency = 4
	ctx := context.Background()
	mp := mailpittest.Start(b)
	smtp, err := delivery.NewSMTP(delivery.SMTPConfig{Host: mp.SMTPHost, Port: mp.SMTPPort, TLS: delivery.TLSNone, AllowInsecure: true, Timeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	set, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	pdf := make([]byte, 200<<10)
	rand.Read(pdf) // compressed PDF streams look random to base64
	build := func(phase string) ([]*delivery.Message, map[string]*delivery.Message, []string) {
		var list []*delivery.Message
		byKey := map[string]*delivery.Message{}
		var keys []string
		bld := delivery.Builder{FromName: "Sales digest", FromAddress: "digest@example.com"}
		for i := range b.N {
			addr := fmt.Sprintf("%s%04d@example.com", phase, i)
			r, err := set.Render(templates.Email{Role: "rep", Locale: "en", RecipientName: addr, Period: "Week 48",
				AsOf: "30 Nov 2026", Headline: "Won revenue is up",
				Summary: []templates.Item{{Label: "Won revenue", Value: "€124,500", Comparison: "+12%"}}})
			if err != nil {
				b.Fatal(err)
			}
			m, err := bld.Build(delivery.Spec{Schedule: "bench", Period: "2026-W48", Role: "rep",
				ToName: addr, ToAddress: addr, Rendered: r, PDF: pdf, PDFName: "digest.pdf"})
			if err != nil {
				b.Fatal(err)
			}
			list = append(list, m)
			byKey[addr] = m
			keys = append(keys, addr)
		}
		return list, byKey, keys
	}
	direct, _, _ := build("direct")
	_, engineMsgs, keys := build("engine")
	store, err := jobs.Open(ctx, filepath.Join(b.TempDir(), "state", "crmdigest.db"), jobs.Options{
		Deliverer: prebuilt{msgs: engineMsgs, tr: delivery.NewLimiter(smtp, 0, concurrency)},
		Workers:   concurrency, PollInterval: 100 * time.Millisecond, // as the command line sets it
	})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	b.SetBytes(int64(len(direct[0].Bytes())))
	b.ResetTimer()

	// Straight to Mailpit.
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan *delivery.Message)
	for range concurrency {
		wg.Go(func() {
			for m := range next {
				if err := smtp.Send(ctx, m); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for _, m := range direct {
		next <- m
	}
	close(next)
	wg.Wait()
	if n := mp.WaitCount(b, b.N, time.Minute); n < b.N {
		b.Fatalf("mailpit stored %d of %d", n, b.N)
	}
	directRate := float64(b.N) / time.Since(start).Seconds()

	b.StopTimer()
	mp.DeleteAll(b)
	if err := store.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = store.Stop(sctx)
	}()
	b.StartTimer()

	// Through the job engine.
	start = time.Now()
	id, err := store.StartRun(ctx, jobs.RunSpec{Schedule: "bench", Period: kpi.Period{Kind: kpi.Week, Year: 2026, N: 48}, Recipients: keys})
	if err != nil {
		b.Fatal(err)
	}
	if n := mp.WaitCount(b, b.N, 2*time.Minute); n < b.N {
		b.Fatalf("mailpit stored %d of %d", n, b.N)
	}
	engineRate := float64(b.N) / time.Since(start).Seconds()
	b.StopTimer()
	sum, err := store.WaitRun(ctx, id, 10*time.Millisecond)
	if err != nil || sum.Sent != b.N {
		b.Fatalf("run: %d sent of %d, %d failed: %v", sum.Sent, b.N, sum.Failed, err)
	}
	b.ReportMetric(directRate, "direct-msgs/s")
	b.ReportMetric(engineRate, "engine-msgs/s")
	b.ReportMetric(100*engineRate/directRate, "engine-%")
}
