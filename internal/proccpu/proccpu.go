// Package proccpu reads processes' CPU time from /proc, for the delivery
// benchmarks: on a shared two-core machine the CPU each process spends per
// message (this one, Mailpit, the PostgreSQL server) blurs less than a rate.
// Linux only; elsewhere every reading is zero.
package proccpu

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Of is utime + stime of process pid (/proc/pid/stat fields 14 and 15,
// counted after the command name in parentheses, which may hold spaces),
// at 100 ticks a second; 0 when the process is gone.
func Of(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// Named is the CPU time so far of every process whose command is name,
// by pid (empty where there is none).
func Named(name string) map[string]time.Duration {
	m := map[string]time.Duration{}
	procs, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, f := range procs {
		if b, _ := os.ReadFile(f); strings.TrimSpace(string(b)) == name {
			pid := filepath.Base(filepath.Dir(f))
			m[pid] = Of(pid)
		}
	}
	return m
}

// Since is what the processes of now added since then: of those still
// there, their increase (a process that ended meanwhile takes its share
// with it), and all of those started since.
func Since(now, then map[string]time.Duration) time.Duration {
	var d time.Duration
	for pid, t := range now {
		d += t - then[pid]
	}
	return d
}
