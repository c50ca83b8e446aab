package report

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/demo"
)

// BenchmarkRepDigest builds and lays out one rep digest (model, PDF with
// its bullet graphs, sparklines and pipeline chart) per iteration, the
// set being computed once, as in a run. It reports digests per second
// and the process CPU time per digest (cpu-ms/op, GC included), which
// other work on a shared machine disturbs less than wall time.
func BenchmarkRepDigest(b *testing.B) { benchKind(b, KindRep) }

// BenchmarkManagerDigest and BenchmarkDirectorDigest render the other
// two kinds.
func BenchmarkManagerDigest(b *testing.B) { benchKind(b, KindManager) }

func BenchmarkDirectorDigest(b *testing.B) { benchKind(b, KindDirector) }

// BenchmarkRepDigestParallel renders rep digests on every core (-cpu 2:
// two goroutines): digests/s is the throughput of the whole process.
func BenchmarkRepDigestParallel(b *testing.B) { benchKindParallel(b, KindRep) }

func BenchmarkManagerDigestParallel(b *testing.B) { benchKindParallel(b, KindManager) }

func BenchmarkDirectorDigestParallel(b *testing.B) { benchKindParallel(b, KindDirector) }

func benchKind(b *testing.B, k Kind) {
	s := sets(b)[k]
	ps := Recipients(demoData().Dataset, k)
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; b.Loop(); i++ {
		render(b, s, ps[i%len(ps)])
	}
	reportRate(b, start)
}

func benchKindParallel(b *testing.B, k Kind) {
	s := sets(b)[k]
	ps := Recipients(demoData().Dataset, k)
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			render(b, s, ps[i%len(ps)])
			i++
		}
	})
	reportRate(b, start)
}

// reportRate reports digests per wall-clock second and the process CPU
// time per digest since start.
func reportRate(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "digests/s")
	if per := (cpuTime() - start).Seconds() / float64(b.N); per > 0 {
		b.ReportMetric(per*1000, "cpu-ms/op")
	}
}

// cpuTime returns the CPU time (user + system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSetLarge computes the rep set of a 2,000-rep organisation:
// the four kpi results shared by every rep.
func BenchmarkSetLarge(b *testing.B) {
	d := demo.Build(demo.LargeOptions(2000))
	b.ResetTimer()
	for b.Loop() {
		if _, err := NewSet(d.Dataset, KindRep, pid("2026-W48"), demoAsOf, demoOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryFlat renders 2,000 rep digests and reports the live heap
// after a garbage collection at 200 and at 2,000 digests: rendering must
// not keep memory per digest, so the two stay close.
func BenchmarkMemoryFlat(b *testing.B) {
	s := sets(b)[KindRep]
	reps := Recipients(demoData().Dataset, KindRep)
	heap := func() float64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.HeapAlloc)
	}
	for b.Loop() {
		var at200 float64
		for i := range 2000 {
			render(b, s, reps[i%len(reps)])
			if i == 199 {
				at200 = heap()
			}
		}
		at2000 := heap()
		b.ReportMetric(at200/1e6, "MB-heap@200")
		b.ReportMetric(at2000/1e6, "MB-heap@2000")
		if at2000 > at200*1.2+1e6 {
			b.Errorf("heap grew from %.1f MB to %.1f MB", at200/1e6, at2000/1e6)
		}
	}
}

// BenchmarkRepEmailChart draws the email's inline chart (a PNG) of one rep
// digest per iteration, the digest being built once: a message carries it
// besides the PDF.
func BenchmarkRepEmailChart(b *testing.B) {
	s := sets(b)[KindRep]
	ps := Recipients(demoData().Dataset, KindRep)
	ds := make([]*Digest, len(ps))
	for i, p := range ps {
		d, err := s.Digest(p)
		if err != nil {
			b.Fatal(err)
		}
		ds[i] = d
	}
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; b.Loop(); i++ {
		png, _, err := ds[i%len(ds)].EmailChart()
		if err != nil || png == nil {
			b.Fatalf("no chart: %v", err)
		}
		b.SetBytes(int64(len(png)))
	}
	reportRate(b, start)
}
