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
// collection found (above the floor), then to lift it when stopped; and
// to leave the limit alone when GOMEMLIMIT is set.
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
	// Another collection may run meanwhile: compare with the live heap
	// of the latest one.
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) != want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		metrics.Read(live)
		want = memoryLimitFor(live[0].Value.Uint64())
	}
	if got := debug.SetMemoryLimit(-1); got != want {
		t.Fatalf("limit %d after the collection, want %d", got, want)
	}
	runtime.KeepAlive(held)
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
