//go:build unix

package mailpittest

import (
	"os"
	"syscall"
)

var interruptSignal os.Signal = syscall.SIGTERM

// lockFile holds an exclusive lock on f until unlock is called, so that two
// test binaries running at once build Mailpit only once.
func lockFile(f *os.File) (unlock func(), err error) {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }, nil
}
