package proccpu

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestOfSelfGrows burns CPU in this process and checks that /proc says so,
// and that Since counts a new pid whole and a known one by its increase.
func TestOfSelfGrows(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	pid := strconv.Itoa(os.Getpid())
	before := Of(pid)
	x := 0
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
		x++
	}
	after := Of(pid)
	if after-before < 100*time.Millisecond {
		t.Errorf("after 300 ms of busy loop (%d turns) /proc shows %v more CPU", x, after-before)
	}
	if got := Since(map[string]time.Duration{pid: after, "new": time.Second}, map[string]time.Duration{pid: before}); got != after-before+time.Second {
		t.Errorf("Since = %v, want %v", got, after-before+time.Second)
	}
	if Of("no-such-pid") != 0 {
		t.Error("a missing process has CPU time")
	}
}
