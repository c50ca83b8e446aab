package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"syscall"
)

// SendError is a failed send, classified for the job engine.
//
// Exactly one of three cases holds: Permanent (a 5xx reply, a refused
// address: do not retry), InDoubt (the connection broke after the whole
// message was sent and before the server's reply: it may have been
// delivered, so the ledger's in-doubt policy decides), or neither, which is
// transient (a 4xx reply, a refused, dropped or timed-out connection: retry
// with backoff).
type SendError struct {
	Permanent bool
	InDoubt   bool
	Timeout   bool
	// Code and Reply are the server's reply when there was one (Code 0
	// otherwise), to be recorded in the run history.
	Code  int
	Reply string
	// Stage is the step that failed: dial, tls, hello, auth, mail, rcpt,
	// data, body, end-of-data, write (outbox).
	Stage string
	Err   error
}

func (e *SendError) Error() string {
	kind := "transient"
	switch {
	case e.Permanent:
		kind = "permanent"
	case e.InDoubt:
		kind = "in doubt"
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s failure at %s: %d %s", kind, e.Stage, e.Code, e.Reply)
	}
	return fmt.Sprintf("%s failure at %s: %v", kind, e.Stage, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// Retryable reports whether sending again later may succeed without risking
// a duplicate: true for transient failures only.
func (e *SendError) Retryable() bool { return !e.Permanent && !e.InDoubt }

// IsRetryable reports whether err is a transient *SendError.
func IsRetryable(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Retryable()
}

// IsInDoubt reports whether err is a *SendError that may have been delivered.
func IsInDoubt(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.InDoubt
}

// IsPermanent reports whether err must not be retried: a permanent
// *SendError or an *AddressError.
func IsPermanent(err error) bool {
	var se *SendError
	var ae *AddressError
	return errors.As(err, &se) && se.Permanent || errors.As(err, &ae)
}

// classify turns an error met at stage into a *SendError. afterBody is true
// when the whole message, final dot included, may have reached the server.
// A reply from the server decides by its code (go-mail's IsTemp only looks
// at whether the text starts with "4"); anything else (refused, reset,
// closed, timed out) is a connection failure: transient before the body was
// sent, in doubt after.
func classify(stage string, err error, afterBody bool) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	e := &SendError{Stage: stage, Err: err}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		e.Code, e.Reply = tp.Code, tp.Msg
		switch {
		case tp.Code >= 500:
			e.Permanent = true
		case tp.Code >= 400:
			// transient
		default:
			// A 2xx or 3xx where another was expected: the dialogue is off
			// the rails; after the body we cannot know what happened.
			e.InDoubt = afterBody
		}
		return e
	}
	var ae *AddressError
	if errors.As(err, &ae) {
		e.Permanent = true
		return e
	}
	e.Timeout = isTimeout(err)
	if afterBody {
		e.InDoubt = true
		return e
	}
	if isConnection(err) || e.Timeout {
		return e // transient
	}
	// A local error we do not know (a TLS certificate that does not verify,
	// an auth mechanism the server lacks): retrying will not fix it.
	e.Permanent = true
	return e
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isConnection reports a failure of the connection itself rather than of
// what was said on it.
func isConnection(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.Canceled)
}
