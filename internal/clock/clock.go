// Package clock is the one source of "now" for crmdigest's non-test code.
//
// Tests must be able to run on any day: CRMDIGEST_TEST_CLOCK_SHIFT (a Go
// duration such as 8760h) moves this clock by that much, so that CI can run
// the whole suite a year ahead. libfaketime has no effect on Go binaries,
// which read the time through vDSO, hence a variable of our own. The shift
// is read once, at start; a shifted clock keeps Go's monotonic reading, so
// the time elapsed between two readings is unaffected. Instants handed to
// something that reads the system clock itself take Wall instead.
package clock

import (
	"fmt"
	"os"
	"time"
)

// ShiftEnv names the test-only variable that moves the clock.
const ShiftEnv = "CRMDIGEST_TEST_CLOCK_SHIFT"

var (
	shift    time.Duration
	shiftErr error
)

func init() {
	shift, shiftErr = parseShift(os.Getenv(ShiftEnv))
}

// parseShift reads the variable's value; empty means no shift.
func parseShift(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a Go duration such as 8760h: clock not moved", ShiftEnv, v)
	}
	return d, nil
}

// Now is time.Now moved by the test-only shift, if any.
func Now() time.Time {
	if shift == 0 {
		return time.Now()
	}
	return time.Now().Add(shift)
}

// Since is the time elapsed since t by this clock.
func Since(t time.Time) time.Duration { return Now().Sub(t) }

// Until is the time left until t by this clock.
func Until(t time.Time) time.Duration { return t.Sub(Now()) }

// Wall is the system's time, never shifted. It is only for instants that
// something outside crmdigest compares with the system clock: network
// deadlines (net.Conn.SetDeadline) and the times handed to River, which
// schedules jobs by its own clock. Everything else reads Now.
func Wall() time.Time { return time.Now() }

// Shift is the test-only shift in force (0 normally), so that a command can
// warn when it runs on a moved clock.
func Shift() time.Duration { return shift }

// ShiftError is why CRMDIGEST_TEST_CLOCK_SHIFT was ignored, or nil.
func ShiftError() error { return shiftErr }
