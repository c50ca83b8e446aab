package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// envMemProfile names a diagnostic hook: a file to write a heap profile to
// whenever the live heap reaches a new high (by 32 MB or more), so that the
// file left at the end shows what was held at the run's peak, not at its
// end. Measuring costs a little; it is meant for docs/PERFORMANCE.md work.
const envMemProfile = "CRMDIGEST_MEMPROFILE"

// startMemProfile starts the hook when the environment asks for it and
// returns the function that stops it.
func startMemProfile(log io.Writer) func() {
	path := os.Getenv(envMemProfile)
	if path == "" {
		return func() {}
	}
	runtime.MemProfileRate = 64 << 10 // coarser than the default: cheaper, still enough to rank holders
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var high uint64
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				fmt.Fprintf(log, "memprofile: highest live heap seen %d MB, profile in %s\n", high>>20, path)
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			v := sample[0].Value.Uint64()
			if v < high+32<<20 {
				continue
			}
			high = v
			f, err := os.Create(path)
			if err != nil {
				fmt.Fprintf(log, "memprofile: %v\n", err)
				return
			}
			// debug=0 after a GC would move the peak; the profile's
			// inuse figures are as of the last GC, which is close enough
			// to rank what holds memory.
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}()
	return func() { close(stop); <-done }
}

// envCPUProfile names the CPU counterpart: a file to write a CPU profile of
// the whole command to, for the same docs/PERFORMANCE.md work (a benchmark
// cannot hold a 2,000-rep organisation's run as the command runs it).
const envCPUProfile = "CRMDIGEST_CPUPROFILE"

// startCPUProfile starts the CPU profile when the environment asks for it
// and returns the function that stops it; a file that cannot be created is
// reported and the command runs unprofiled.
func startCPUProfile(log io.Writer) func() {
	path := os.Getenv(envCPUProfile)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(log, "cpuprofile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(log, "cpuprofile: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
