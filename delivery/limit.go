package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/crmdigest/crmdigest/internal/clock"
)

// Limiter caps how fast and how many at once messages reach the transport
// it wraps, whatever the number of workers calling Send: relays such as
// Office 365 refuse more than a set number of messages per minute, and some
// refuse more than a few sessions at once.
type Limiter struct {
	next     Transport
	slots    chan struct{} // nil: no concurrency cap
	interval time.Duration // 0: no rate cap

	mu     sync.Mutex
	nextAt time.Time // earliest start of the next send
}

// NewLimiter wraps next. perMinute <= 0 means no rate limit; concurrency
// <= 0 means no cap on simultaneous sends. Sends are spaced evenly
// (60s/perMinute apart) rather than allowed in bursts.
func NewLimiter(next Transport, perMinute, concurrency int) *Limiter {
	l := &Limiter{next: next}
	if concurrency > 0 {
		l.slots = make(chan struct{}, concurrency)
	}
	if perMinute > 0 {
		l.interval = time.Minute / time.Duration(perMinute)
	}
	return l
}

// Send waits for a free slot and for the message's turn, then sends. A
// cancelled ctx ends the wait with a transient *SendError.
func (l *Limiter) Send(ctx context.Context, m *Message) error {
	if l.slots != nil {
		select {
		case l.slots <- struct{}{}:
			defer func() { <-l.slots }()
		case <-ctx.Done():
			return &SendError{Stage: "limit", Err: ctx.Err()}
		}
	}
	if l.interval > 0 {
		l.mu.Lock()
		now := clock.Now()
		at := l.nextAt
		if at.Before(now) {
			at = now
		}
		l.nextAt = at.Add(l.interval)
		l.mu.Unlock()
		if wait := clock.Until(at); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return &SendError{Stage: "limit", Err: ctx.Err()}
			}
		}
	}
	return l.next.Send(ctx, m)
}
