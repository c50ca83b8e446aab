package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// TestMemoryLimitFollowsLiveHeap holds 320 MB live, collects, and expects
// the policy to set the soft limit to limitFactor times the live heap the
// collection found (above the floor); then lets the 320 MB go, collects
// again, and expects the limit to stay at the high mark (a limit that came
// down with the live heap made the collector run more often while digests
// were built, for no lower peak); then to lift it when
// stopped; and to leave the limit alone when GOMEMLIMIT is set.
func TestMemoryLimitFollowsLiveHeap(t *testing.T) {
	for _, env := range []string{"GOMEMLIMIT", "GOGC", envMemLimit} {
		t.Setenv(env, "")
	}
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	stop := startMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got < limitFloor || got == math.MaxInt64 {
		t.Fatalf("limit %d at the start, want the floor %d or more", got, limitFloor)
	}
	held := make([]byte, 320<<20)
	for i := range held {
		held[i] = byte(i)
	}
	runtime.GC()
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	want := memoryLimitFor(live[0].Value.Uint64())
	if want <= limitFloor || want < int64(limitFactor*float64(len(held))) {
		t.Fatalf("live heap %d bytes with %d held: limit %d", live[0].Value.Uint64(), len(held), want)
	}
	// Another collection may run meanwhile, and the limit follows the
	// highest live heap found: it is at least the latest one's, and not
	// more than 16 MB of live heap above it.
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		metrics.Read(live)
		want = memoryLimitFor(live[0].Value.Uint64())
	}
	got := debug.SetMemoryLimit(-1)
	if got < want || got > memoryLimitFor(live[0].Value.Uint64()+16<<20) {
		t.Fatalf("limit %d after the collection, want %d (limitFactor × %d bytes live)", got, want, live[0].Value.Uint64())
	}
	want = got
	runtime.KeepAlive(held)
	held = nil
	cycles := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(cycles)
	before := cycles[0].Value.Uint64()
	runtime.GC()
	runtime.GC()
	metrics.Read(live)
	if live[0].Value.Uint64() >= 160<<20 {
		t.Fatalf("live heap %d bytes once the 320 MB went: the test holds it still", live[0].Value.Uint64())
	}
	// Let the policy see the collections (it polls every 20 ms).
	for range 20 {
		time.Sleep(10 * time.Millisecond)
	}
	metrics.Read(cycles)
	if cycles[0].Value.Uint64() < before+2 {
		t.Fatalf("%d collections, want 2", cycles[0].Value.Uint64()-before)
	}
	if got := debug.SetMemoryLimit(-1); got != want {
		t.Fatalf("limit %d once the live heap fell to %d bytes, want it kept at %d", got, live[0].Value.Uint64(), want)
	}
	stop()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("limit %d once stopped, want none", got)
	}

	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	stop = startMemoryLimit()
	runtime.GC()
	time.Sleep(100 * time.Millisecond)
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Fatalf("limit %d with GOMEMLIMIT=1GiB, want it left alone", got)
	}
	stop()
}
