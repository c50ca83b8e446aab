//go:build unix

package jobs

import (
	"fmt"
	"os"
	"syscall"
)

// storeLock is an flock(2) on PATH.lock beside a SQLite store. Every open
// store holds it shared; the first to find it free holds it exclusively
// for a moment and so knows that no other process has the store open, and
// that jobs marked running were left by a process that died.
type storeLock struct{ f *os.File }

func lockStore(path string) (*storeLock, bool, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("open store lock: %w", err)
	}
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		return &storeLock{f}, true, nil
	}
	if err := syscall.Flock(fd, syscall.LOCK_SH); err != nil {
		_ = f.Close()
		return nil, false, fmt.Errorf("lock store: %w", err)
	}
	return &storeLock{f}, false, nil
}

// share turns the exclusive lock into a shared one.
func (l *storeLock) share() error {
	return syscall.Flock(int(l.f.Fd()), syscall.LOCK_SH)
}

func (l *storeLock) release() {
	if l != nil {
		_ = l.f.Close() // closing drops the lock
	}
}
