package main

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The memory limit policy. Go's collector lets the heap grow to twice
// what was live at the last collection (GOGC=100) before it collects
// again, so a run whose live heap peaks at 330 MB (a 2,000-rep
// organisation's model, one digest set and the PDFs being built) peaks
// near 700 MB of heap. The command therefore keeps a soft limit
// (runtime/debug.SetMemoryLimit) of limitFactor times the highest heap a
// collection has found live so far, and never less than limitFloor: the
// collector runs when the heap reaches the limit (or GOGC's twice live,
// whichever comes first). The limit follows the live heap up, so a larger
// organisation gets a larger one: it is no cap the program could be
// starved under, and the collector never runs back to back.
//
// It does not follow the live heap down. The peak is set by the highest
// live heap (a digest set being computed on top of the model), which the
// limit already allows for; once that heap is garbage, a limit lowered to
// limitFactor times the smaller live heap of rendering let the collector
// run after every 0.4 times that heap of allocation (GOGC alone: 1 time)
// while the 2,404 digests were built, without lowering the peak. Kept at
// the high mark, the limit leaves the collector the room the peak has
// already taken. docs/PERFORMANCE.md
// ("## end to end") has its measured cost in CPU and its effect on the
// peak.
//
// GOMEMLIMIT or GOGC in the environment turn the policy off (the runtime
// applies them as usual), as does CRMDIGEST_MEMLIMIT=off.
const (
	envMemLimit = "CRMDIGEST_MEMLIMIT"
	limitFactor = 1.4
	limitFloor  = 256 << 20
)

// memoryLimitFor is the limit once collections have found at most high
// bytes live.
func memoryLimitFor(high uint64) int64 {
	return max(limitFloor, int64(limitFactor*float64(high)))
}

// memoryPolicyOn reports whether the environment leaves the limit to the
// command.
func memoryPolicyOn() bool {
	return os.Getenv("GOMEMLIMIT") == "" && os.Getenv("GOGC") == "" && os.Getenv(envMemLimit) != "off"
}

// startMemoryLimit applies the policy and returns the function that stops
// it (and lifts the limit).
func startMemoryLimit() func() {
	if !memoryPolicyOn() {
		return func() {}
	}
	debug.SetMemoryLimit(limitFloor)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		samples := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}}
		var cycles, high uint64
		// Polled: the runtime has no hook at the end of a collection
		// (a finalizer runs late and only while garbage is made). A
		// collection every 20 ms at most is far apart enough for this.
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			metrics.Read(samples)
			if c := samples[0].Value.Uint64(); c != cycles {
				cycles = c
				if live := samples[1].Value.Uint64(); live > high {
					high = live
					debug.SetMemoryLimit(memoryLimitFor(high))
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		debug.SetMemoryLimit(math.MaxInt64)
	}
}
