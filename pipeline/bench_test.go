package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"github.com/crmdigest/crmdigest/internal/proccpu"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
	benchWorkers = flag.Int("workers", 4, "BenchmarkEngineVsDirect: the engine's River workers (the SMTP sessions stay at 4; 8 is config.yaml's default ratio, 4 workers for 2 sessions)")
	benchPause   = flag.Duration("pause-for", 3*time.Millisecond, "BenchmarkMailpitPattern: the pause before the final dot of the pause variant")
	benchBurn    = flag.Float64("burn-for", 0.4, "BenchmarkMailpitPattern: the share of a core the burn variant keeps busy")
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
//     from StartRun to the run's end (the store's OnRunFinished, then
//     Mailpit's count). -workers sets the number of workers: -workers 8
//     is config.yaml's default ratio (4 workers for 2 sessions), where a
//     job's ledger work (claim, outcome, River's fetch) overlaps the other
//     jobs' sessions. Both phases have the same transport and at most 4
//     sessions at once. With -workers 4 on PostgreSQL, Mailpit, its
//     sessions stalling, waits and wakes about 1.5 times as often per
//     message as in the direct phase (docs/PERFORMANCE.md, delivery end
//     to end).
//
// Each clock stops when Mailpit's API counts every message stored; Mailpit
// is emptied between phases. Mailpit shares the cores with the engine, so
// the pairs are interleaved and the median is reported: engine-% is the
// median of the pairs' engine/direct ratios, every pair is logged. So is
// the CPU each phase took per message (medians reported): this process's,
// Mailpit's and the PostgreSQL server's (the whole server, from /proc), the
// figures a shared machine blurs less than the rates. Run it with
// -benchtime=300x or so; -pairs sets the number of pairs.
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
	finished := make(chan int64, 16)
	store, err := jobs.Open(ctx, storeURL, jobs.Options{
		OnRunFinished: func(_ context.Context, sum jobs.RunSummary) { finished <- sum.ID },
		Deliverer:     prebuilt{msgs: engineMsgs, tr: delivery.NewLimiter(smtp, 0, concurrency)},
		Workers:       *benchWorkers, PollInterval: 100 * time.Millisecond, // as the command line sets it
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
		// Wait for the run to finish (the last outcome recorded), told
		// by the store rather than by polling Mailpit's API all along:
		// the direct phase asks Mailpit only once its sends have
		// returned, and polling it during the engine's phase took
		// Mailpit's CPU from the engine's sessions.
		timeout := time.After(2 * time.Minute)
		for done := false; !done; {
			select {
			case got := <-finished:
				done = got == id
			case <-timeout:
				b.Fatalf("run %d not finished after 2 minutes", id)
			}
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
	// CPU per message in each phase, ms: this process, Mailpit, the
	// PostgreSQL server.
	var dSelf, eSelf, dMailpit, eMailpit, dPG, ePG []float64
	// Mailpit's context switches per message in each phase.
	var dVol, eVol, dInvol, eInvol []float64
	b.ResetTimer()
	for pair := range pairs {
		mp.DeleteAll(b)
		c0 := readCPU()
		d := sendDirect()
		c1 := readCPU()
		mp.DeleteAll(b)
		c2 := readCPU()
		e := sendEngine(pair)
		c3 := readCPU()
		directs, engines, ratios = append(directs, d), append(engines, e), append(ratios, 100*e/d)
		dSelf, eSelf = append(dSelf, perMsg(c0.self, c1.self, b.N)), append(eSelf, perMsg(c2.self, c3.self, b.N))
		dMailpit, eMailpit = append(dMailpit, perMsg(c0.children, c1.children, b.N)), append(eMailpit, perMsg(c2.children, c3.children, b.N))
		dPG, ePG = append(dPG, perMsg(0, c1.postgresSince(c0), b.N)), append(ePG, perMsg(0, c3.postgresSince(c2), b.N))
		n := float64(b.N)
		dVol, eVol = append(dVol, float64(c1.vol-c0.vol)/n), append(eVol, float64(c3.vol-c2.vol)/n)
		dInvol, eInvol = append(dInvol, float64(c1.invol-c0.invol)/n), append(eInvol, float64(c3.invol-c2.invol)/n)
		if b.N > 1 {
			b.Logf("pair %d (%d msgs): direct %.1f msgs/s, engine %.1f msgs/s, engine/direct %.1f %%; CPU ms/msg direct|engine: this process %.2f|%.2f, mailpit %.2f|%.2f, postgres server %.2f|%.2f; mailpit context switches/msg direct|engine: waits %.1f|%.1f, preempted %.1f|%.1f",
				pair+1, b.N, d, e, 100*e/d, dSelf[pair], eSelf[pair], dMailpit[pair], eMailpit[pair], dPG[pair], ePG[pair],
				dVol[pair], eVol[pair], dInvol[pair], eInvol[pair])
		}
	}
	b.StopTimer()
	b.ReportMetric(median(directs), "direct-msgs/s")
	b.ReportMetric(median(engines), "engine-msgs/s")
	b.ReportMetric(median(ratios), "engine-%")
	b.ReportMetric(slices.Min(ratios), "min-engine-%")
	b.ReportMetric(slices.Max(ratios), "max-engine-%")
	b.ReportMetric(median(dSelf), "direct-cpu-ms/msg")
	b.ReportMetric(median(eSelf), "engine-cpu-ms/msg")
	b.ReportMetric(median(dMailpit), "direct-mailpit-cpu-ms/msg")
	b.ReportMetric(median(eMailpit), "engine-mailpit-cpu-ms/msg")
	b.ReportMetric(median(dVol), "direct-mailpit-waits/msg")
	b.ReportMetric(median(eVol), "engine-mailpit-waits/msg")
	b.ReportMetric(median(dInvol), "direct-mailpit-preempted/msg")
	b.ReportMetric(median(eInvol), "engine-mailpit-preempted/msg")
	if schema != "" {
		b.ReportMetric(median(dPG), "direct-postgres-cpu-ms/msg")
		b.ReportMetric(median(ePG), "engine-postgres-cpu-ms/msg")
	}
}

// BenchmarkMailpitPattern asks why Mailpit spends more CPU per message
// when the job engine sends than when the benchmark sends directly: it
// sends b.N messages straight to one Mailpit in rotating variants, each
// with the same transport and 4 sessions, and reports Mailpit's CPU per
// message (median over -pairs rounds) for each:
//
//   - plain: as EngineVsDirect's direct phase;
//   - pause: each session waits -pause-for (3 ms) after the body and
//     before the final dot, as it waits for the ledger's mark under the
//     engine, using no CPU;
//   - burn: plain, while a goroutine of this process keeps about
//     -burn-for (0.4) of a core busy, as the engine and the database
//     server do beside Mailpit.
func BenchmarkMailpitPattern(b *testing.B) {
	const concurrency = 4
	ctx := context.Background()
	mp := mailpittest.Start(b)
	smtp, err := delivery.NewSMTP(delivery.SMTPConfig{Host: mp.SMTPHost, Port: mp.SMTPPort, TLS: delivery.TLSNone, AllowInsecure: true, Timeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	msgs := benchMessages(b, "pattern", b.N)
	send := func(pause time.Duration) {
		var wg sync.WaitGroup
		next := make(chan *delivery.Message)
		for range concurrency {
			wg.Go(func() {
				for m := range next {
					if pause > 0 {
						m.BeforeEnd = func() error { time.Sleep(pause); return nil }
					} else {
						m.BeforeEnd = nil
					}
					if err := smtp.Send(ctx, m); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for _, m := range msgs {
			next <- m
		}
		close(next)
		wg.Wait()
		if n := mp.WaitCount(b, b.N, time.Minute); n < b.N {
			b.Fatalf("mailpit stored %d of %d", n, b.N)
		}
	}
	burn := func(stop <-chan struct{}) {
		// Busy for share of each 10 ms, asleep for the rest.
		busy := time.Duration(*benchBurn * float64(10*time.Millisecond))
		x := 0
		for {
			select {
			case <-stop:
				return
			default:
			}
			t := time.Now()
			for time.Since(t) < busy {
				for i := range 1000 {
					x += i * x
				}
			}
			time.Sleep(10*time.Millisecond - busy)
		}
	}
	variants := []string{"plain", "pause", "burn"}
	cpu := map[string][]float64{}
	rate := map[string][]float64{}
	rounds := max(*benchPairs, 1)
	if b.N == 1 {
		rounds = 1
	}
	b.ResetTimer()
	for r := range rounds {
		for _, v := range variants {
			mp.DeleteAll(b)
			stop := make(chan struct{})
			var burner sync.WaitGroup
			if v == "burn" {
				burner.Go(func() { burn(stop) })
			}
			c0, t0 := readCPU(), time.Now()
			pause := time.Duration(0)
			if v == "pause" {
				pause = *benchPause
			}
			send(pause)
			el, c1 := time.Since(t0), readCPU()
			close(stop)
			burner.Wait()
			cpu[v] = append(cpu[v], perMsg(c0.children, c1.children, b.N))
			rate[v] = append(rate[v], float64(b.N)/el.Seconds())
			if b.N > 1 {
				b.Logf("round %d %s: %.1f msgs/s, mailpit %.2f ms/msg, this process %.2f ms/msg",
					r+1, v, rate[v][r], cpu[v][r], perMsg(c0.self, c1.self, b.N))
			}
		}
	}
	b.StopTimer()
	for _, v := range variants {
		b.ReportMetric(median(cpu[v]), v+"-mailpit-cpu-ms/msg")
		b.ReportMetric(median(rate[v]), v+"-msgs/s")
	}
}

// benchMessages builds n rep digests with a 200 KB attachment of random
// bytes, addressed PREFIXnnnn@example.com.
func benchMessages(b *testing.B, prefix string, n int) []*delivery.Message {
	set, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	pdf := make([]byte, 200<<10)
	rand.Read(pdf)
	bld := delivery.Builder{FromName: "Sales digest", FromAddress: "digest@example.com"}
	var list []*delivery.Message
	for i := range n {
		addr := fmt.Sprintf("%s%04d@example.com", prefix, i)
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
	}
	return list
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

// cpuTimes are CPU times (user + system) so far: this process's, its child
// processes' (Mailpit) and those of the PostgreSQL server's processes, by
// pid (whoever they serve: other tests on the machine add to it). The
// children's and the server's come from /proc, in clock ticks (10 ms); on
// a system without /proc they stay 0.
type cpuTimes struct {
	self, children time.Duration
	postgres       map[string]time.Duration
	// switches are the context switches of the child processes' threads
	// (Mailpit): voluntary (it waited) and involuntary (it was preempted).
	vol, invol int64
}

func readCPU() cpuTimes {
	var c cpuTimes
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, pid := range strings.Fields(string(b)) {
			c.children += proccpu.Of(pid)
			v, i := procSwitches(pid)
			c.vol, c.invol = c.vol+v, c.invol+i
		}
	}
	c.postgres = proccpu.Named("postgres")
	return c
}

// postgresSince is the CPU the server's processes used since a.
func (c cpuTimes) postgresSince(a cpuTimes) time.Duration {
	return proccpu.Since(c.postgres, a.postgres)
}

// procSwitches sums the voluntary and involuntary context switches of the
// threads of process pid (/proc/pid/task/*/status).
func procSwitches(pid string) (vol, invol int64) {
	fs, _ := filepath.Glob("/proc/" + pid + "/task/*/status")
	for _, f := range fs {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			switch k {
			case "voluntary_ctxt_switches":
				vol += n
			case "nonvoluntary_ctxt_switches":
				invol += n
			}
		}
	}
	return vol, invol
}

// perMsg is the CPU spent between a and b, in ms per message.
func perMsg(a, b time.Duration, n int) float64 {
	return float64(b-a) / float64(time.Millisecond) / float64(n)
}
