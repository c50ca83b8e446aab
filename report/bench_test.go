package report

import (
	"runtime"
	"testing"

	"github.com/crmdigest/crmdigest/demo"
)

// BenchmarkRepDigest builds and lays out one rep digest (model, PDF with
// its bullet graphs, sparklines and pipeline chart) per iteration, the
// set being computed once, as in a run. It reports digests per second.
func BenchmarkRepDigest(b *testing.B) {
	s := sets(b)[KindRep]
	reps := Recipients(demoData().Dataset, KindRep)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		render(b, s, reps[i%len(reps)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "digests/s")
}

// BenchmarkRepDigestParallel renders rep digests on every core.
func BenchmarkRepDigestParallel(b *testing.B) {
	s := sets(b)[KindRep]
	reps := Recipients(demoData().Dataset, KindRep)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			render(b, s, reps[i%len(reps)])
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "digests/s")
}

// BenchmarkManagerDigest and BenchmarkDirectorDigest render the other
// two kinds.
func BenchmarkManagerDigest(b *testing.B) { benchKind(b, KindManager) }

func BenchmarkDirectorDigest(b *testing.B) { benchKind(b, KindDirector) }

func benchKind(b *testing.B, k Kind) {
	s := sets(b)[k]
	ps := Recipients(demoData().Dataset, k)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		render(b, s, ps[i%len(ps)])
	}
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
