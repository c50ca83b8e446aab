//go:build unix

package sources

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time so far, so that a
// benchmark on a shared machine can report rows per CPU-second besides
// rows per wall-clock second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
