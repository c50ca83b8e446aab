package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"sync/atomic"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/report"
)

var _ jobs.Deliverer = (*Pipeline)(nil)

// Deliver renders one person's digest for one period and sends it. Errors
// are classified for the job engine: a bad address or a 5xx is permanent,
// a 4xx or a dropped connection transient, a connection lost after DATA in
// doubt.
func (p *Pipeline) Deliver(ctx context.Context, d jobs.Delivery, hooks jobs.Hooks) (jobs.Receipt, error) {
	msg, key, err := p.message(ctx, d)
	if err != nil {
		if final(err) {
			p.delivered(key)
		}
		return jobs.Receipt{}, err
	}
	if d.DryRun {
		p.delivered(key)
		return jobs.Receipt{MessageID: msg.MessageID, Reply: "dry run: not sent"}, nil
	}
	if hooks.BeforeEnd != nil {
		msg.BeforeEnd = func() error { return hooks.BeforeEnd(ctx) }
	}
	start := time.Now()
	err = p.transport.Send(ctx, msg)
	p.stages.send.Add(int64(time.Since(start)))
	if err != nil {
		err = classify(err)
		if final(err) {
			p.delivered(key)
		}
		return jobs.Receipt{}, err
	}
	p.delivered(key)
	return jobs.Receipt{MessageID: msg.MessageID, Reply: "250 accepted"}, nil
}

// final tells whether a delivery error ends the recipient's delivery (a
// permanent failure): its figures are no longer needed for it. A
// transient or in-doubt error may come back as a retry that needs them.
func final(err error) bool {
	var t interface{ Temporary() bool }
	var d interface{ InDoubt() bool }
	return errors.As(err, &t) && !t.Temporary() && !(errors.As(err, &d) && d.InDoubt())
}

// Message builds the message of one delivery without sending it.
func (p *Pipeline) Message(ctx context.Context, d jobs.Delivery) (*delivery.Message, error) {
	msg, _, err := p.message(ctx, d)
	return msg, err
}

// message is Message, and the key of the figures it was built from (zero
// when the delivery failed before the figures were known).
func (p *Pipeline) message(ctx context.Context, d jobs.Delivery) (*delivery.Message, setKey, error) {
	// The sources and the figures are waited for before a render slot is
	// taken: they are computed outside the job (wait), and a delivery
	// waiting for them holds no slot another kind's delivery could use.
	dt, err := p.current(ctx)
	if err != nil {
		return nil, setKey{}, err
	}
	s, ok := p.schedules[d.Schedule]
	if !ok {
		return nil, setKey{}, jobs.Permanent(fmt.Errorf("schedule %q is no longer in the configuration", d.Schedule))
	}
	person, err := report.FindPerson(dt.ds, d.Recipient)
	if err != nil {
		return nil, setKey{}, jobs.Permanent(err)
	}
	at := d.At
	if at.IsZero() {
		at = p.now()
	}
	asOf := p.AsOf(at)
	kind := report.Kind(s.Spec().Report)
	key := p.setKey(kind, d.Period, asOf, at)
	set, err := p.waitSet(ctx, dt.ds, key, asOf, at)
	if err != nil {
		return nil, key, err
	}
	// Rendering is CPU work: more renders in flight than cores only hold
	// more half-built PDFs (fpdf's deflate writers, parsed fonts) in memory
	// at once, while the engine's workers (4 by default) wait on the CPU.
	// Sending stays outside the slot, so a slow mail server still overlaps
	// with rendering.
	select {
	case p.renderSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, key, ctx.Err()
	}
	defer func() { <-p.renderSlots }()
	start := time.Now()
	defer func() { p.stages.message.Add(int64(time.Since(start))) }()
	msg, err := p.build(d, set, person)
	return msg, key, err
}

// build renders one person's digest from its figures and makes the message.
func (p *Pipeline) build(d jobs.Delivery, set *report.Set, person *crm.Person) (*delivery.Message, error) {
	dg, err := set.Digest(person)
	if err != nil {
		return nil, jobs.Permanent(err)
	}
	pdf, err := dg.PDF()
	if err != nil {
		return nil, jobs.Permanent(fmt.Errorf("render pdf: %w", err))
	}
	email := dg.Email()
	email.Preview = d.RedirectTo != ""
	chart, alt, err := dg.EmailChart()
	if err != nil {
		return nil, jobs.Permanent(fmt.Errorf("render email chart: %w", err))
	}
	cid := ""
	if chart != nil {
		cid = report.EmailChartCID
		email.InlineChartCID, email.ChartAlt = cid, alt
	}
	rendered, err := p.templates.Render(email)
	if err != nil {
		return nil, jobs.Permanent(fmt.Errorf("render email: %w", err))
	}
	from, err := mail.ParseAddress(p.cfg.Delivery.From)
	if err != nil {
		return nil, jobs.Permanent(fmt.Errorf("delivery.from: %w", err))
	}
	b := delivery.Builder{FromName: from.Name, FromAddress: from.Address, Now: p.now, RedirectTo: d.RedirectTo, ReplyTo: p.cfg.Organisation.Admin}
	msg, err := b.Build(delivery.Spec{
		Schedule: d.Schedule, Period: d.Period.Key(), Role: string(set.Kind()),
		ToName: person.Name, ToAddress: person.Email, Rendered: rendered,
		PDF: pdf, PDFName: fmt.Sprintf("digest-%s-%s.pdf", set.Kind(), d.Period.Key()), Resend: d.Resend,
		ChartPNG: chart, ChartCID: cid,
	})
	if err != nil {
		return nil, jobs.Permanent(err)
	}
	return msg, nil
}

// setKey names the figures of one digest kind, period and as-of time;
// delivery is the firing that delivers them (zero on demand).
func (p *Pipeline) setKey(kind report.Kind, period kpi.Period, asOf, delivery time.Time) setKey {
	var at int64
	if !delivery.IsZero() {
		at = delivery.Unix()
	}
	return setKey{kind, period, crm.DayOf(asOf.In(p.cfg.Organisation.Location)), at}
}

// set returns the figures of one digest kind, period and as-of time,
// computed once for every recipient that shares them, waiting for them as
// long as it takes (previews and the command line).
func (p *Pipeline) set(ds *crm.Dataset, kind report.Kind, period kpi.Period, asOf, delivery time.Time) (*report.Set, error) {
	e := p.entry(ds, p.setKey(kind, period, asOf, delivery), asOf, delivery)
	<-e.done
	return e.set, e.err
}

// entry returns the figures' entry, the computation started: it runs on
// its own goroutine, outside any job, so that neither the job that asked
// first nor the ones that wait are charged for it.
func (p *Pipeline) entry(ds *crm.Dataset, k setKey, asOf, delivery time.Time) *setEntry {
	p.mu.Lock()
	e, ok := p.sets[k]
	if !ok {
		e = newSetEntry()
		p.sets[k] = e
	}
	p.mu.Unlock()
	e.once.Do(func() {
		go func() {
			defer close(e.done)
			start := time.Now()
			defer func() { p.stages.kpi.Add(int64(time.Since(start))) }()
			fb, err := p.cfg.Report.FallbackFont()
			if err != nil {
				e.err = err
				return
			}
			opts := report.Options{
				KPI: kpiOptions(p.cfg), TeamRank: p.cfg.Report.TeamRank,
				Location: p.cfg.Organisation.Location, Now: asOf, Links: p.cfg.LinkSet(), Fallback: fb, Delivery: delivery,
			}
			e.set, e.err = p.newSet(ds, k.kind, k.period, k.asOf, opts)
			if e.err != nil {
				e.err = jobs.Permanent(e.err)
			}
		}()
	})
	return e
}

// waitSet waits for a delivery's figures. A delivery under a deadline (a
// job's timeout) waits at most a quarter of the time it has left (the rest
// is for rendering and sending, on a loaded machine) and then answers
// jobs.NotReady: the job goes back to the queue, no attempt counted, and
// the computation goes on. At 20,000 reps the rep set took 19 minutes on
// a loaded machine, inside the first job's 2-minute timeout (and past
// River's 5-minute rescue of stuck jobs).
func (p *Pipeline) waitSet(ctx context.Context, ds *crm.Dataset, k setKey, asOf, delivery time.Time) (*report.Set, error) {
	e := p.entry(ds, k, asOf, delivery)
	if err := p.await(ctx, e.done, "the figures of the "+string(k.kind)+" digests of "+k.period.Key()); err != nil {
		return nil, err
	}
	return e.set, e.err
}

// await waits for done (a computation made outside the job) as waitSet
// says.
func (p *Pipeline) await(ctx context.Context, done <-chan struct{}, what string) error {
	select {
	case <-done:
		return nil
	default:
	}
	var budget <-chan time.Time
	if dl, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(dl) / 4)
		defer t.Stop()
		budget = t.C
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-budget:
		return jobs.NotReady(p.notReadyAfter, fmt.Errorf("%s are being computed", what))
	}
}

// Expect says that n more deliveries of a schedule's firing at (its
// period) will need their figures; n < 0 takes back some announced before
// (recipients the fan-out found already served). Once every delivery
// expected has ended (sent, or failed for good), the figures are let go
// at once, without waiting for the run's end (RunFinished), which a
// delivery waiting for a retry delays for minutes: at 20,000 reps the
// reps' figures, still held under the managers', took the run past 15 GB.
// Figures nobody announced are let go when their run finishes.
func (p *Pipeline) Expect(schedule string, period kpi.Period, at time.Time, n int) {
	s, ok := p.schedules[schedule]
	if !ok || n == 0 {
		return
	}
	if at.IsZero() {
		at = p.now()
	}
	k := p.setKey(report.Kind(s.Spec().Report), period, p.AsOf(at), at)
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.sets[k]
	if !ok {
		if n < 0 {
			return
		}
		e = newSetEntry()
		p.sets[k] = e
	}
	e.left += n
	if e.left <= 0 {
		delete(p.sets, k)
	}
}

// delivered counts one expected delivery of k's figures as ended.
func (p *Pipeline) delivered(k setKey) {
	if k == (setKey{}) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.sets[k]
	if !ok || e.left <= 0 {
		return // not announced: RunFinished lets it go
	}
	e.left--
	if e.left == 0 {
		delete(p.sets, k)
	}
}

// classify turns a transport error into the job engine's vocabulary.
func classify(err error) error {
	var ae *delivery.AddressError
	var se *delivery.SendError
	switch {
	case errors.As(err, &ae):
		return jobs.Permanent(err)
	case errors.As(err, &se) && se.InDoubt:
		return jobs.InDoubt(err)
	case errors.As(err, &se) && se.Permanent:
		return jobs.Permanent(err)
	case errors.As(err, &se):
		return jobs.Transient(err)
	}
	// Anything else (a BeforeEnd error from the ledger, say) is returned
	// as it is: the engine retries it.
	return err
}

// RunFinished is the job engine's OnRunFinished hook: the run's figures are
// let go (Release), then the administrator is told if the run needs it.
func (p *Pipeline) RunFinished(ctx context.Context, r jobs.RunSummary) {
	p.Release(r.Schedule, r.Period)
	p.NotifyAdmin(ctx, r)
}

// Release drops the figures computed for a schedule's digest kind and a
// period (its Key). A rep digest set holds the KPI results of every scope
// for four periods, a few hundred MB at 2,000 reps: kept until the next
// reading of the sources, the sets of every schedule a process fires were
// all alive at the end of its run. A delivery that still needs them (a
// retry, or another zone's run of the same schedule) computes them again.
func (p *Pipeline) Release(schedule, period string) {
	s, ok := p.schedules[schedule]
	if !ok {
		return
	}
	kind := report.Kind(s.Spec().Report)
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.sets {
		if k.kind == kind && k.period.Key() == period {
			delete(p.sets, k)
		}
	}
}

// heldSets counts the figure sets held, for the tests.
func (p *Pipeline) heldSets() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sets)
}

// stageTimes adds up, over every delivery, the time spent in each stage of
// the render path; workers run in parallel, so the sums are worker time,
// not wall time.
type stageTimes struct {
	kpi     atomic.Int64 // report.NewSet, once per digest kind and period, on its own goroutine
	message atomic.Int64 // building a message from its figures: model, PDF, chart, email
	send    atomic.Int64 // the transport
}

// StageTimes returns the time spent so far computing figures
// (report.NewSet, outside the deliveries since the sets are computed on
// their own goroutine; a delivery's wait for them is in none of the
// three), rendering (building the messages) and sending.
func (p *Pipeline) StageTimes() (kpi, render, send time.Duration) {
	return time.Duration(p.stages.kpi.Load()), time.Duration(p.stages.message.Load()), time.Duration(p.stages.send.Load())
}
