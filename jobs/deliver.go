package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/crmdigest/crmdigest/kpi"
)

// deliveryArgs is the per-recipient job.
type deliveryArgs struct {
	Schedule   string    `json:"schedule"`
	Recipient  string    `json:"recipient"`
	Period     string    `json:"period"` // the period's key (kpi.Period.Key): the ledger's column
	Zone       string    `json:"zone,omitempty"`
	At         time.Time `json:"at"`
	RunID      int64     `json:"run_id"`
	Force      bool      `json:"force,omitempty"`
	DryRun     bool      `json:"dry_run,omitempty"`
	RedirectTo string    `json:"redirect_to,omitempty"`
	// PeriodValue is the period itself, for the Deliverer. Jobs queued
	// before it existed get it from the store migration (period_key.go).
	PeriodValue kpi.Period `json:"period_value"`
	// Fresh says that the fan-out created the ledger row (pending, version
	// 0) in the transaction that queued this job: its first attempt
	// presumes the row unchanged instead of reading it (presumeClaim).
	Fresh bool `json:"fresh,omitempty"`
}

func (deliveryArgs) Kind() string { return "crmdigest_delivery" }

func (deliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName}
}

func (a deliveryArgs) preview() bool { return a.DryRun || a.RedirectTo != "" }

type deliveryWorker struct {
	river.WorkerDefaults[deliveryArgs]
	s *Store
}

// errClaimLost is returned by BeforeEnd when another job took the ledger
// row over: this one must not send.
var errClaimLost = errors.New("ledger row taken over by another job")

// decision is what the ledger says a delivery job should do.
type decision int

const (
	decSend   decision = iota
	decDone            // nothing to send; the run's row is recorded
	decSnooze          // another live job is on it
)

func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	s := w.s
	a := job.Args
	if s.opts.Deliverer == nil {
		return errors.New("no deliverer")
	}
	if err := a.checkPeriod(); err != nil {
		return river.JobCancel(err)
	}
	if a.preview() {
		return w.workPreview(ctx, job)
	}
	c, presumed := presumeClaim(job)
	if !presumed {
		var err error
		if c, err = s.claimJob(ctx, job); err != nil {
			return err
		}
	}
	for {
		switch c.dec {
		case decDone:
			return nil
		case decSnooze:
			return river.JobSnooze(time.Minute)
		}
		var dataStarted atomic.Bool
		hooks := Hooks{BeforeEnd: func(ctx context.Context) error {
			if err := s.markSending(ctx, job, c); err != nil {
				return err
			}
			dataStarted.Store(true)
			return nil
		}}
		rc, derr := s.opts.Deliverer.Deliver(ctx, c.d, hooks)
		if presumed && errors.Is(derr, errClaimLost) {
			// The row is no longer as the fan-out wrote it: the message
			// was not ended (the server dropped it), and the row as it
			// is now decides, as for any other job.
			presumed = false
			var err error
			if c, err = s.claimJob(ctx, job); err != nil {
				return err
			}
			continue
		}
		if after, ok := notReadyAfter(derr); ok && !dataStarted.Load() {
			return river.JobSnooze(after) // not an attempt (notready.go)
		}
		return s.settle(ctx, job, rc, derr, dataStarted.Load())
	}
}

// presumeClaim is the claim of a job whose ledger row the fan-out created
// in the transaction that queued it (deliveryArgs.Fresh), at its first
// attempt: the row was then pending at version 0, nothing delivered yet,
// so the claim's read would say "send, first time" unless the row changed
// since. The read is spared; markSending's version check catches any
// change (another run's job for the same person took the row), and Work
// then reads the row and decides as claim does.
func presumeClaim(job *river.Job[deliveryArgs]) (claimed, bool) {
	a := job.Args
	if !a.Fresh || job.Attempt != 1 {
		return claimed{}, false
	}
	return claimed{dec: decSend, version: 0, d: Delivery{
		Schedule: a.Schedule, Recipient: a.Recipient, Period: a.PeriodValue, Zone: a.Zone,
		At: a.At, RunID: a.RunID, Attempt: job.Attempt,
	}}, true
}

// claimJob reads the job's ledger row and decides: claimFast for a row
// not delivered yet, claim for every other case.
func (s *Store) claimJob(ctx context.Context, job *river.Job[deliveryArgs]) (claimed, error) {
	c, fast, err := s.claimFast(ctx, job)
	if err != nil || fast {
		return c, err
	}
	var known *ownerState
	for range 5 {
		c, err = s.claim(ctx, job, known)
		var need *needOwner
		if !errors.As(err, &need) {
			break
		}
		known = &need.ownerState
		if known.live, err = s.ownerLive(ctx, known.jobID); err != nil {
			return c, err
		}
	}
	return c, err
}

// ownerState is what claim needs to know about the job owning a row.
type ownerState struct {
	jobID, version int64
	live           bool
}

// needOwner asks the caller of claim to find out whether the owner lives.
type needOwner struct{ ownerState }

func (e *needOwner) Error() string { return fmt.Sprintf("ledger row owned by job %d", e.jobID) }

type ledgerRow struct {
	state                             string
	attempts, doubts, resends, forced int64
	runID, jobID, jobAttempt, version int64
	lastError, messageID              string
}

const ledgerCols = `state, attempts, doubts, resends, forced, run_id, job_id, job_attempt, version, last_error, message_id`

func getLedger(ctx context.Context, tx oneStatement, schedule, recipient, period string) (ledgerRow, bool, error) {
	var l ledgerRow
	err := tx.queryRow(ctx, `SELECT `+ledgerCols+` FROM crmdigest_ledger WHERE schedule = ? AND recipient = ? AND period = ?`,
		schedule, recipient, period).Scan(&l.state, &l.attempts, &l.doubts, &l.resends, &l.forced,
		&l.runID, &l.jobID, &l.jobAttempt, &l.version, &l.lastError, &l.messageID)
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("read ledger: %w", err)
	}
	return l, true, nil
}

// ownerLive tells whether job id (another job than the caller) is running
// now. It is asked outside any transaction: with SQLite's one connection, a
// River call made while a transaction is open would wait for it forever.
func (s *Store) ownerLive(ctx context.Context, id int64) (bool, error) {
	j, err := s.b.jobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get job %d: %w", id, err)
	}
	return j.State == rivertype.JobStateRunning, nil
}

// claimed is claim's answer: what to do, and for decSend the delivery and
// the ledger row's version that BeforeEnd must still find.
type claimed struct {
	dec     decision
	d       Delivery
	version int64
	doubt   bool // the row was left `sending` by a dead attempt
}

// claim reads the ledger row of the job's (schedule, recipient, period)
// and decides whether to send. Sending writes nothing yet: BeforeEnd
// takes the row if its version is unchanged, so of two jobs racing for one
// person only one reaches DATA, and a send costs two commits, not three.
// A row found `sending` whose owner (job and attempt) is gone means that
// owner died between DATA and the reply: the message is in doubt.
func (s *Store) claim(ctx context.Context, job *river.Job[deliveryArgs], known *ownerState) (claimed, error) {
	a := job.Args
	c := claimed{dec: decSend, d: Delivery{
		Schedule: a.Schedule, Recipient: a.Recipient, Period: a.PeriodValue, Zone: a.Zone,
		At: a.At, RunID: a.RunID, Attempt: job.Attempt,
	}}
	wrote := false
	err := s.b.inTx(ctx, func(tx dbtx) error {
		l, ok, err := getLedger(ctx, tx, a.Schedule, a.Recipient, a.Period)
		if err != nil {
			return err
		}
		if !ok {
			// The fan-out writes the row; a missing one is recreated.
			if err := insertLedger(ctx, tx, s.now(), a.Schedule, a.Recipient, a.Period); err != nil {
				return err
			}
			l = ledgerRow{state: StatePending}
		}
		c.version = l.version
		newRun := l.runID != a.RunID
		forcedResend := a.Force && newRun
		now := s.now()
		switch l.state {
		case StateSent:
			if !forcedResend {
				c.dec, wrote = decDone, true
				if newRun {
					return setRecipient(ctx, tx, now, a.RunID, a.Recipient, StateSkipped, "already sent", l.messageID)
				}
				// A retry of the job that sent it, after a crash between
				// the ledger's commit and River's.
				return setRecipient(ctx, tx, now, a.RunID, a.Recipient, StateSent, "", l.messageID)
			}
			c.d.Resend, c.d.Forced = int(l.resends)+1, true
		case StateSending:
			if l.jobID != job.ID {
				if known == nil || known.version != l.version || known.jobID != l.jobID {
					return &needOwner{ownerState{jobID: l.jobID, version: l.version}}
				}
				if known.live {
					c.dec = decSnooze
					return nil
				}
			}
			c.doubt, c.d.AfterDoubt = true, true
			if s.opts.InDoubt == InDoubtHold && !forcedResend {
				c.dec, wrote = decDone, true
				return s.holdDoubt(ctx, tx, a, "interrupted after the body was sent, before the server's reply: may have been delivered")
			}
			c.d.Resend = int(l.resends)
			if forcedResend {
				c.d.Resend, c.d.Forced = int(l.resends)+1, true
			}
		case StateInDoubt:
			c.d.AfterDoubt = true
			if s.opts.InDoubt == InDoubtHold && !forcedResend {
				c.dec, wrote = decDone, true
				return setRecipient(ctx, tx, now, a.RunID, a.Recipient, StateInDoubt, "held in doubt: "+l.lastError, l.messageID)
			}
			c.d.Resend = int(l.resends)
			if forcedResend {
				c.d.Resend, c.d.Forced = int(l.resends)+1, true
			}
		default: // pending, failed: not delivered yet
			c.d.Resend = int(l.resends)
		}
		// A retry within the run that forced a resend stays forced.
		if !newRun && l.forced == 1 && a.Force {
			c.d.Forced = true
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	if wrote {
		// The decision recorded a final state: the run may be over.
		var finished bool
		if finished, err = finishIfDone(ctx, s.b, s.now(), a.RunID); finished {
			s.notifyFinished(ctx, a.RunID)
		}
	}
	return c, err
}

// claimFast is claim for the common case, a row not delivered yet
// (pending, or failed by an earlier attempt): one read on its own, no
// transaction, since the decision writes nothing and BeforeEnd's version
// check catches any change made since. ok is false for every other case,
// which claim decides in a transaction.
func (s *Store) claimFast(ctx context.Context, job *river.Job[deliveryArgs]) (c claimed, ok bool, err error) {
	a := job.Args
	l, found, err := getLedger(ctx, s.b, a.Schedule, a.Recipient, a.Period)
	if err != nil || !found || (l.state != StatePending && l.state != StateFailed) {
		return c, false, err
	}
	c = claimed{dec: decSend, version: l.version, d: Delivery{
		Schedule: a.Schedule, Recipient: a.Recipient, Period: a.PeriodValue, Zone: a.Zone,
		At: a.At, RunID: a.RunID, Attempt: job.Attempt, Resend: int(l.resends),
	}}
	// A retry within the run that forced a resend stays forced.
	if l.runID == a.RunID && l.forced == 1 && a.Force {
		c.d.Forced = true
	}
	return c, true, nil
}

// holdDoubt records a row as in doubt and leaves it for an administrator.
func (s *Store) holdDoubt(ctx context.Context, tx dbtx, a deliveryArgs, why string) error {
	_, err := tx.exec(ctx, `UPDATE crmdigest_ledger SET state = ?, doubts = doubts + 1, last_error = ?,
		version = version + 1, updated_at = ? WHERE schedule = ? AND recipient = ? AND period = ?`,
		StateInDoubt, why, s.now(), a.Schedule, a.Recipient, a.Period)
	if err != nil {
		return fmt.Errorf("hold in doubt: %w", err)
	}
	return setRecipient(ctx, tx, s.now(), a.RunID, a.Recipient, StateInDoubt, why, "")
}

func insertLedger(ctx context.Context, tx dbtx, now int64, schedule, recipient, period string) error {
	_, err := tx.exec(ctx, `INSERT INTO crmdigest_ledger (schedule, recipient, period, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (schedule, recipient, period) DO NOTHING`,
		schedule, recipient, period, StatePending, now, now)
	if err != nil {
		return fmt.Errorf("insert ledger row: %w", err)
	}
	return nil
}

// markSending is BeforeEnd, called just before the final "." of DATA: the
// row goes `sending`, owned by this job and attempt, if nobody changed it
// since claim read it. A row found `sending` with a dead owner is therefore
// one whose message may have arrived; a crash before this commit leaves the
// row as it was, and the delivery is retried as a plain failure.
func (s *Store) markSending(ctx context.Context, job *river.Job[deliveryArgs], c claimed) error {
	a := job.Args
	// One statement, committed on its own: a transaction of its own
	// without BEGIN and COMMIT around it.
	n, err := s.b.exec(ctx, `UPDATE crmdigest_ledger SET state = ?, job_id = ?, job_attempt = ?, run_id = ?,
		doubts = doubts + ?, resends = ?, forced = ?, version = version + 1, updated_at = ?
		WHERE schedule = ? AND recipient = ? AND period = ? AND version = ?`,
		StateSending, job.ID, job.Attempt, a.RunID, b2i(c.doubt), c.d.Resend, b2i(c.d.Forced), s.now(),
		a.Schedule, a.Recipient, a.Period, c.version)
	if err != nil {
		return fmt.Errorf("mark sending: %w", err)
	}
	if n == 0 {
		return errClaimLost
	}
	return nil
}

// settle records the outcome of one attempt and tells River what next.
func (s *Store) settle(ctx context.Context, job *river.Job[deliveryArgs], rc Receipt, derr error, dataStarted bool) error {
	a := job.Args
	// The outcome is recorded even when the job's context was cancelled
	// (shutdown, timeout): that is when it matters most.
	rctx := context.WithoutCancel(ctx)
	if errors.Is(derr, errClaimLost) {
		return s.record(rctx, a.RunID,
			recordAttempt(s.now(), a.RunID, a.Recipient, StateSkipped, "another job delivers it", ""))
	}
	cl := classTransient
	if derr != nil {
		cl = classify(derr)
		var t temporary
		if cl == classTransient && dataStarted && !errors.As(derr, &t) {
			cl = classInDoubt // an unexplained failure after the mark
		}
	}
	last := job.Attempt >= job.MaxAttempts
	var ret error
	var ledgerState, runState string
	msg := ""
	if derr != nil {
		msg = derr.Error()
	}
	switch {
	case derr == nil:
		ledgerState, runState = StateSent, StateSent
	case cl == classInDoubt:
		ledgerState, runState = StateInDoubt, StateInDoubt
		if s.opts.InDoubt == InDoubtResend && !last {
			runState = StatePending
		}
		if runState == StatePending || last {
			ret = derr
		}
	case cl == classPermanent:
		ledgerState, runState, ret = StateFailed, StateFailed, river.JobCancel(derr)
	case last:
		ledgerState, runState, ret = StateFailed, StateFailed, derr
	default:
		ledgerState, runState, ret = StatePending, StatePending, derr
	}
	now := s.now()
	// The ledger's row gets the outcome. After BeforeEnd the row is ours
	// (job and attempt); before it, the row is only updated if no other job
	// has taken it to `sending` or `sent` meanwhile, and a row in doubt
	// stays in doubt.
	id := rc.MessageID
	ledger := stmt{q: `UPDATE crmdigest_ledger SET state = ?, last_error = ?,
		message_id = CASE WHEN ? = '' THEN message_id ELSE ? END,
		sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,
		doubts = doubts + ?, attempts = attempts + 1, version = version + 1, updated_at = ?
		WHERE schedule = ? AND recipient = ? AND period = ?`,
		args: []any{ledgerState, msg, id, id, ledgerState, now, b2i(ledgerState == StateInDoubt), now, a.Schedule, a.Recipient, a.Period}}
	if dataStarted {
		ledger.q += ` AND job_id = ? AND job_attempt = ?`
		ledger.args = append(ledger.args, job.ID, job.Attempt)
	} else {
		ledger.q = strings.Replace(ledger.q, "SET state = ?", "SET state = CASE WHEN state = 'in_doubt' THEN state ELSE ? END", 1)
		ledger.q += ` AND state NOT IN (?, ?)`
		ledger.args = append(ledger.args, StateSending, StateSent)
	}
	err := s.record(rctx, a.RunID, ledger, recordAttempt(now, a.RunID, a.Recipient, runState, msg, id))
	if err != nil {
		return fmt.Errorf("record %s: %w", ledgerState, err)
	}
	return ret
}

// recordAttempt counts an attempt in the run history and records its state.
func recordAttempt(now, runID int64, recipient, state, msg, messageID string) stmt {
	return stmt{q: `UPDATE crmdigest_run_recipient SET attempts = attempts + 1, state = ?, last_error = ?,
		message_id = CASE WHEN ? = '' THEN message_id ELSE ? END, updated_at = ?
		WHERE run_id = ? AND recipient = ?`, args: []any{state, msg, messageID, messageID, now, runID, recipient}}
}

// workPreview handles dry runs and redirected runs: the ledger is not
// touched, so a preview never counts as a person's digest.
func (w *deliveryWorker) workPreview(ctx context.Context, job *river.Job[deliveryArgs]) error {
	s := w.s
	a := job.Args
	d := Delivery{
		Schedule: a.Schedule, Recipient: a.Recipient, Period: a.PeriodValue, Zone: a.Zone, At: a.At,
		RunID: a.RunID, DryRun: a.DryRun, RedirectTo: a.RedirectTo, Attempt: job.Attempt,
	}
	rc, derr := s.opts.Deliverer.Deliver(ctx, d, Hooks{BeforeEnd: func(context.Context) error { return nil }})
	if after, ok := notReadyAfter(derr); ok {
		return river.JobSnooze(after)
	}
	rctx := context.WithoutCancel(ctx)
	state, msg, ret := StatePreview, "", error(nil)
	if derr != nil {
		msg = derr.Error()
		switch {
		case classify(derr) == classPermanent:
			state, ret = StateFailed, river.JobCancel(derr)
		case job.Attempt >= job.MaxAttempts:
			state, ret = StateFailed, derr
		default:
			state, ret = StatePending, derr
		}
	}
	if err := s.record(rctx, a.RunID, recordAttempt(s.now(), a.RunID, a.Recipient, state, msg, rc.MessageID)); err != nil {
		return fmt.Errorf("record run recipient: %w", err)
	}
	return ret
}

func setRecipient(ctx context.Context, tx dbtx, now, runID int64, recipient, state, msg, messageID string) error {
	_, err := tx.exec(ctx, `UPDATE crmdigest_run_recipient SET state = ?, last_error = ?,
		message_id = CASE WHEN ? = '' THEN message_id ELSE ? END, updated_at = ?
		WHERE run_id = ? AND recipient = ?`, state, msg, messageID, messageID, now, runID, recipient)
	if err != nil {
		return fmt.Errorf("record run recipient: %w", err)
	}
	return nil
}

// checkPeriod refuses a job without its period value (queued by an older
// crmdigest and missed by the store migration): it cannot be rendered, and
// its key may not be canonical.
func (a deliveryArgs) checkPeriod() error {
	if a.PeriodValue.Kind == 0 {
		return fmt.Errorf("delivery job of %s for %s (%s) carries no period value: queued by an older crmdigest and not migrated", a.Schedule, a.Recipient, a.Period)
	}
	return nil
}
