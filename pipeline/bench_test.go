package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/internal/mailpittest"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/templates"
)

var (
	benchPairs   = flag.Int("pairs", 5, "BenchmarkEngineVsDirect: interleaved direct/engine pairs per store")
	benchWorkers = flag.Int("workers", 4, "BenchmarkEngineVsDirect: the engine's River workers (the SMTP sessions stay at 4)")
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

// BenchmarkEngineVsDirect compares the job engine's delivery rate with the
// SMTP server's own, on a SQLite store and (with CRMDIGEST_TEST_POSTGRES)
// on PostgreSQL. Each sub-benchmark starts one Mailpit and runs -pairs
// (default 5) interleaved pairs of phases, each sending b.N digests with a
// 200 KB attachment:
//
//   - direct: straight through the SMTP transport from 4 goroutines (as
//     delivery's BenchmarkMailpitDirect does), the clock running from the
//     first send;
//   - engine: a run through the job engine (run recorded, one River job per
//     recipient, ledger rows going sending and sent, 4 workers, the
//     transport behind the limiter at concurrency 4), the clock running
//     from StartRun. -workers sets the number of workers: with more
//     workers than SMTP sessions (config.yaml's default is 4 workers for 2
//     sessions), a job's ledger work overlaps the other jobs' sessions.
//
// Each clock stops when Mailpit's API counts every message stored; Mailpit
// is emptied between phases. Mailpit shares the cores with the engine, so
// the pairs are interleaved and the median is reported: engine-% is the
// median of the pairs' engine/direct ratios, every pair is logged. Run it
// with -benchtime=300x or so; -pairs sets the number of pairs.
func BenchmarkEngineVsDirect(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchEngineVsDirect(b, filepath.Join(b.TempDir(), "state", "crmdigest.db"), "")
	})
	b.Run("postgres", func(b *testing.B) {
		u := os.Getenv("CRMDIGEST_TEST_POSTGRES")
		if u == "" {
			b.Skip("CRMDIGEST_TEST_POSTGRES is not set")
		}
		benchEngineVsDirect(b, u, benchSchema(b, u))
	})
}

func benchEngineVsDirect(b *testing.B, storeURL, schema string) {
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
	store, err := jobs.Open(ctx, storeURL, jobs.Options{
		Deliverer: prebuilt{msgs: engineMsgs, tr: delivery.NewLimiter(smtp, 0, concurrency)},
		Workers:   *benchWorkers, PollInterval: 100 * time.Millisecond, // as the command line sets it
		Schema: schema,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if err := store.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = store.Stop(sctx)
	}()
	b.SetBytes(int64(len(direct[0].Bytes())))

	sendDirect := func() float64 {
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
		return float64(b.N) / time.Since(start).Seconds()
	}
	// Each engine phase is a new period, so the ledger sends to everyone.
	sendEngine := func(pair int) float64 {
		start := time.Now()
		id, err := store.StartRun(ctx, jobs.RunSpec{Schedule: "bench", Period: kpi.Period{Kind: kpi.Week, Year: 2026, N: 1 + pair}, Recipients: keys})
		if err != nil {
			b.Fatal(err)
		}
		if n := mp.WaitCount(b, b.N, 2*time.Minute); n < b.N {
			b.Fatalf("mailpit stored %d of %d", n, b.N)
		}
		rate := float64(b.N) / time.Since(start).Seconds()
		sum, err := store.WaitRun(ctx, id, 10*time.Millisecond)
		if err != nil || sum.Sent != b.N {
			b.Fatalf("run: %d sent of %d, %d failed: %v", sum.Sent, b.N, sum.Failed, err)
		}
		return rate
	}

	// go test first calls a benchmark with b.N = 1 to probe it: one pair
	// is enough for that, and its figures are not logged.
	pairs := max(*benchPairs, 1)
	if b.N == 1 {
		pairs = 1
	}
	var directs, engines, ratios []float64
	b.ResetTimer()
	for pair := range pairs {
		mp.DeleteAll(b)
		d := sendDirect()
		mp.DeleteAll(b)
		e := sendEngine(pair)
		directs, engines, ratios = append(directs, d), append(engines, e), append(ratios, 100*e/d)
		if b.N > 1 {
			b.Logf("pair %d (%d msgs): direct %.1f msgs/s, engine %.1f msgs/s, engine/direct %.1f %%", pair+1, b.N, d, e, 100*e/d)
		}
	}
	b.StopTimer()
	b.ReportMetric(median(directs), "direct-msgs/s")
	b.ReportMetric(median(engines), "engine-msgs/s")
	b.ReportMetric(median(ratios), "engine-%")
	b.ReportMetric(slices.Min(ratios), "min-engine-%")
	b.ReportMetric(slices.Max(ratios), "max-engine-%")
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// benchSchema is a fresh PostgreSQL schema, dropped when the benchmark ends.
func benchSchema(b *testing.B, u string) string {
	b.Helper()
	buf := make([]byte, 6)
	rand.Read(buf)
	schema := "pipeline_bench_" + hex.EncodeToString(buf)
	b.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	return schema
}
