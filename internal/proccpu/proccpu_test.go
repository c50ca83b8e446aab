package proccpu

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestOfSelfGrows burns CPU in this process until /proc shows it (at 100
// ticks a second, within a few ticks), and checks that Since counts a new
// pid whole and a known one by its increase. No wall-clock threshold: a
// loaded machine only makes the loop longer.
func TestOfSelfGrows(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	pid := strconv.Itoa(os.Getpid())
	before := Of(pid)
	after, x := before, 0
	for deadline := time.Now().Add(time.Minute); after < before+50*time.Millisecond; after = Of(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("after a minute of busy loop (%d turns) /proc shows %v more CPU than %v", x, after-before, before)
		}
		for range 1_000_000 {
			x++
		}
	}
	if got := Since(map[string]time.Duration{pid: after, "new": time.Second}, map[string]time.Duration{pid: before}); got != after-before+time.Second {
		t.Errorf("Since = %v, want %v", got, after-before+time.Second)
	}
	if Of("no-such-pid") != 0 {
		t.Error("a missing process has CPU time")
	}
}
