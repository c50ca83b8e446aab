package jobs

import (
	"errors"
	"time"
)

// NotReady is a Deliverer's answer for a delivery that cannot be made yet
// for a reason that is not a failure: the figures it needs are still being
// computed (outside the job, for every recipient that shares them). The
// job is put back in the queue for after (River's snooze: no attempt is
// counted, nothing is written to the ledger or the run history), so a
// computation longer than Options.JobTimeout, or than RescueAfter, fails
// no delivery. Return it only before Hooks.BeforeEnd was called.
func NotReady(after time.Duration, err error) error {
	return &notReadyError{after: max(after, 0), err: err}
}

type notReadyError struct {
	after time.Duration
	err   error
}

func (e *notReadyError) Error() string {
	if e.err == nil {
		return "not ready"
	}
	return "not ready: " + e.err.Error()
}

func (e *notReadyError) Unwrap() error { return e.err }

// notReadyAfter tells whether err is a NotReady, and for how long to put
// the job back.
func notReadyAfter(err error) (time.Duration, bool) {
	var nr *notReadyError
	if errors.As(err, &nr) {
		return nr.after, true
	}
	return 0, false
}
