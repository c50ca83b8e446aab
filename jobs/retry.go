package jobs

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// backoff is River's retry policy for our jobs: exponential from base,
// capped at max, with "equal jitter" (half fixed, half random) so that
// recipients failing together do not retry together.
type backoff struct {
	base, max time.Duration
	now       func() time.Time
}

func (b *backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return b.now().Add(b.delay(job.Attempt))
}

func (b *backoff) delay(attempt int) time.Duration {
	d := b.base
	for i := 1; i < attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	half := d / 2
	return half + rand.N(half+1)
}

// The Deliverer's errors say what kind of failure they are through these
// methods (any error in the chain may have them), so this package needs no
// import of the transport's packages.
type temporary interface{ Temporary() bool }
type inDoubt interface{ InDoubt() bool }

// class is how a delivery error is handled.
type class int

const (
	classTransient class = iota // retried with backoff up to MaxAttempts
	classPermanent              // recorded and not retried
	classInDoubt                // interrupted after the BeforeEnd mark, before the reply: per InDoubtPolicy
)

// classify reads an error's kind. An error that says nothing about itself
// is taken as transient: retrying a few times is cheaper than dropping
// someone's digest on an unclassified error.
func classify(err error) class {
	var d inDoubt
	if errors.As(err, &d) && d.InDoubt() {
		return classInDoubt
	}
	var t temporary
	if errors.As(err, &t) {
		if t.Temporary() {
			return classTransient
		}
		return classPermanent
	}
	return classTransient
}

// Permanent marks err as not worth retrying (a 5xx reply, a bad address).
func Permanent(err error) error { return &classified{err: err, temp: false} }

// Transient marks err as worth retrying (a 4xx reply, a refused connection).
func Transient(err error) error { return &classified{err: err, temp: true} }

// InDoubt marks err as an interruption after the DATA command: the message
// may have been delivered.
func InDoubt(err error) error { return &classified{err: err, temp: true, doubt: true} }

type classified struct {
	err         error
	temp, doubt bool
}

func (e *classified) Error() string   { return e.err.Error() }
func (e *classified) Unwrap() error   { return e.err }
func (e *classified) Temporary() bool { return e.temp }
func (e *classified) InDoubt() bool   { return e.doubt }
