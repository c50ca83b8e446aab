package daemon

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/crmdigest/crmdigest/internal/clock"
)

// Clock is the daemon's idea of the time. The real clock is clock.Now; a
// fake one starts at a chosen instant and may run faster than real time,
// which is how the tests make a Monday 07:00 firing happen in a few
// seconds. Every part of one daemon process (the loop, the pipeline's
// as-of times) reads the same Clock.
type Clock struct {
	start  time.Time // fake time at origin; zero for the real clock
	origin time.Time // real time (with its monotonic reading) at start
	speed  float64
}

// RealClock is the wall clock.
func RealClock() *Clock { return &Clock{speed: 1} }

// FakeClock reads start now and advances speed times faster than real
// time (speed <= 0 means 1).
func FakeClock(start time.Time, speed float64) *Clock {
	if speed <= 0 {
		speed = 1
	}
	return &Clock{start: start, origin: clock.Now(), speed: speed}
}

// Environment variables of the testing hook: CRMDIGEST_FAKE_NOW is the
// instant (RFC 3339) the daemon's clock starts at, CRMDIGEST_FAKE_SPEED how
// many times faster than real time it runs (default 1).
const (
	EnvFakeNow   = "CRMDIGEST_FAKE_NOW"
	EnvFakeSpeed = "CRMDIGEST_FAKE_SPEED"
)

// ClockFromEnv returns the fake clock the environment asks for, or the
// real clock when CRMDIGEST_FAKE_NOW is unset. It is a testing hook, not a
// feature: a daemon in production follows the wall clock.
func ClockFromEnv(getenv func(string) string) (*Clock, error) {
	v := getenv(EnvFakeNow)
	if v == "" {
		return RealClock(), nil
	}
	start, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvFakeNow, err)
	}
	speed := 1.0
	if s := getenv(EnvFakeSpeed); s != "" {
		if speed, err = strconv.ParseFloat(s, 64); err != nil || speed <= 0 {
			return nil, fmt.Errorf("%s %q: want a positive number", EnvFakeSpeed, s)
		}
	}
	return FakeClock(start, speed), nil
}

// Fake tells whether the clock is not the wall clock.
func (c *Clock) Fake() bool { return !c.start.IsZero() }

// Now is the clock's current time.
func (c *Clock) Now() time.Time {
	if c.start.IsZero() {
		return clock.Now()
	}
	elapsed := clock.Since(c.origin)
	return c.start.Add(time.Duration(float64(elapsed) * c.speed))
}

// Sleep waits until the clock reads t, but no longer than max of real
// time (0: no cap), or until ctx is done. The cap makes a daemon on the
// wall clock look at the time again after a host's suspend, during which
// Go's monotonic timers stand still.
func (c *Clock) Sleep(ctx context.Context, t time.Time, max time.Duration) error {
	d := time.Duration(float64(t.Sub(c.Now())) / c.speed)
	if max > 0 && d > max {
		d = max
	}
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
