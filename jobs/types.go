package jobs

import (
	"context"
	"time"

	"github.com/crmdigest/crmdigest/kpi"
)

// Delivery is one digest for one recipient, as handed to the Deliverer.
type Delivery struct {
	Schedule  string
	Recipient string     // the recipient's key, as listed in the run (an email address or a person id)
	Period    kpi.Period // the period, as parsed at the edge (flag or schedule)
	Zone      string     // the firing's time zone, "" for a command-line run
	At        time.Time  // the firing time; zero for a command-line run
	RunID     int64

	DryRun     bool   // render everything, send nothing
	RedirectTo string // send to this address instead, as a preview

	// Attempt counts from 1. Resend is how many forced resends preceded
	// this one: 0 for the original message, so a Message-ID can carry it
	// as a suffix. AfterDoubt says an earlier attempt was interrupted after
	// its BeforeEnd mark, so this message may be a duplicate (it keeps the same
	// Message-ID, which makes the duplicate recognisable).
	Attempt    int
	Resend     int
	Forced     bool
	AfterDoubt bool
}

// Hooks are called by the Deliverer during one delivery.
type Hooks struct {
	// BeforeEnd must be called at the last moment before the message can
	// arrive: after the message body has been written to the SMTP server
	// and right before the final "." of DATA (or before an outbox file is
	// renamed into place). It durably records the message as being sent:
	// a crash after it leaves the delivery in doubt, a crash before it is
	// a plain failure, retried. If it returns an error, do not finish the
	// message (drop the connection without the dot) and return that error.
	BeforeEnd func(ctx context.Context) error
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
//	InDoubt() bool   // true: interrupted after the final "." of DATA, before the reply; the message may have arrived
//
// An error with neither method is retried, and taken as in doubt if
// BeforeEnd had been called. Permanent, Transient and InDoubt wrap an
// error with these methods. Error texts are stored in the run history: they
// must not hold credentials.
type Deliverer interface {
	Deliver(ctx context.Context, d Delivery, hooks Hooks) (Receipt, error)
}

// Firing is one firing of a schedule in one time zone.
type Firing struct {
	Schedule string
	Zone     string     // IANA zone name of this firing, "" if the schedule has one zone
	At       time.Time  // the scheduled firing time
	Period   kpi.Period // the period it covers
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
	Period     kpi.Period
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
	StateSending = "sending" // body written, final "." about to go; no reply recorded yet
	StateSent    = "sent"
	StateFailed  = "failed"   // permanent error, or attempts exhausted
	StateSkipped = "skipped"  // already sent in an earlier run
	StateInDoubt = "in_doubt" // interrupted between the mark and the reply: may have arrived
	StatePreview = "preview"  // dry run or redirected: not a delivery
)
