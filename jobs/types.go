package jobs

import (
	"context"
	"time"
)

// Delivery is one digest for one recipient, as handed to the Deliverer.
type Delivery struct {
	Schedule  string
	Recipient string    // the recipient's key, as listed in the run (an email address or a person id)
	Period    string    // the period's id, e.g. 2026-W47
	Zone      string    // the firing's time zone, "" for a command-line run
	At        time.Time // the firing time; zero for a command-line run
	RunID     int64

	DryRun     bool   // render everything, send nothing
	RedirectTo string // send to this address instead, as a preview

	// Attempt counts from 1. Resend is how many forced resends preceded
	// this one: 0 for the original message, so a Message-ID can carry it
	// as a suffix. AfterDoubt says an earlier attempt was interrupted after
	// DATA, so this message may be a duplicate (it keeps the same
	// Message-ID, which makes the duplicate recognisable).
	Attempt    int
	Resend     int
	Forced     bool
	AfterDoubt bool
}

// Hooks are called by the Deliverer during one delivery.
type Hooks struct {
	// BeforeData must be called right before the SMTP DATA command (or
	// before an outbox file is renamed into place). It records the message
	// as being sent; if it returns an error, do not send and return that
	// error.
	BeforeData func(ctx context.Context) error
}

// Receipt is what a successful delivery reports.
type Receipt struct {
	MessageID string
	Reply     string // the server's reply to the end of DATA, for the record
}

// Deliverer renders and sends one digest. Its errors say what kind of
// failure they are through methods anywhere in their chain:
//
//	Temporary() bool // true: worth retrying (4xx, refused, timeout); false: permanent (5xx, bad address)
//	InDoubt() bool   // true: interrupted after DATA; the message may have arrived
//
// An error with neither method is retried, and taken as in doubt if
// BeforeData had been called. Permanent, Transient and InDoubt wrap an
// error with these methods. Error texts are stored in the run history: they
// must not hold credentials.
type Deliverer interface {
	Deliver(ctx context.Context, d Delivery, hooks Hooks) (Receipt, error)
}

// Firing is one firing of a schedule in one time zone.
type Firing struct {
	Schedule string
	Zone     string    // IANA zone name of this firing, "" if the schedule has one zone
	At       time.Time // the scheduled firing time
	Period   string    // the period it covers
}

// Plan is what a firing sends: its recipients' keys and the data files
// the numbers come from (recorded in the run history).
type Plan struct {
	Recipients []string
	DataFiles  []string
	Override   string // see RunSpec.Override
}

// Planner reads the sources for a firing and lists its recipients. An
// error with Temporary() == true is retried; any other fails the run, which
// is recorded and reported through Options.OnRunFinished (stale data, for
// instance).
type Planner interface {
	Plan(ctx context.Context, f Firing) (Plan, error)
}

// RunSpec is a run started from the command line (`crmdigest send`).
type RunSpec struct {
	Schedule   string
	Period     string
	Zone       string
	At         time.Time
	Recipients []string
	DataFiles  []string
	Force      bool // resend to recipients who already have their digest
	DryRun     bool
	RedirectTo string
	// Override, when set, says the data gate found a breach and who
	// accepted it ("--accept-quality", "quality.accept"); the run records it.
	Override string
}

// Ledger and run-recipient states.
const (
	StatePending = "pending" // queued, or being retried
	StateSending = "sending" // DATA issued, no reply recorded yet
	StateSent    = "sent"
	StateFailed  = "failed"   // permanent error, or attempts exhausted
	StateSkipped = "skipped"  // already sent in an earlier run
	StateInDoubt = "in_doubt" // interrupted after DATA: may have arrived
	StatePreview = "preview"  // dry run or redirected: not a delivery
)
