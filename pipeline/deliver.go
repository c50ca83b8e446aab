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
	msg, err := p.Message(ctx, d)
	if err != nil {
		return jobs.Receipt{}, err
	}
	if d.DryRun {
		return jobs.Receipt{MessageID: msg.MessageID, Reply: "dry run: not sent"}, nil
	}
	if hooks.BeforeEnd != nil {
		msg.BeforeEnd = func() error { return hooks.BeforeEnd(ctx) }
	}
	start := time.Now()
	err = p.transport.Send(ctx, msg)
	p.stages.send.Add(int64(time.Since(start)))
	if err != nil {
		return jobs.Receipt{}, classify(err)
	}
	return jobs.Receipt{MessageID: msg.MessageID, Reply: "250 accepted"}, nil
}

// Message builds the message of one delivery without sending it.
func (p *Pipeline) Message(ctx context.Context, d jobs.Delivery) (*delivery.Message, error) {
	// Rendering is CPU work: more renders in flight than cores only hold
	// more half-built PDFs (fpdf's deflate writers, parsed fonts) in memory
	// at once, while the engine's workers (4 by default) wait on the CPU.
	// Sending stays outside the slot, so a slow mail server still overlaps
	// with rendering.
	select {
	case p.renderSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.renderSlots }()
	start := time.Now()
	defer func() { p.stages.message.Add(int64(time.Since(start))) }()
	dt, err := p.current(ctx)
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	s, ok := p.schedules[d.Schedule]
	if !ok {
		return nil, jobs.Permanent(fmt.Errorf("schedule %q is no longer in the configuration", d.Schedule))
	}
	person, err := report.FindPerson(dt.ds, d.Recipient)
	if err != nil {
		return nil, jobs.Permanent(err)
	}
	at := d.At
	if at.IsZero() {
		at = p.now()
	}
	asOf := p.AsOf(at)
	set, err := p.set(dt.ds, report.Kind(s.Spec().Report), d.Period, asOf, at)
	if err != nil {
		return nil, jobs.Permanent(err)
	}
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

// set returns the figures of one digest kind, period and as-of time,
// computed once for every recipient that shares them; delivery is the
// firing that delivers them (zero on demand).
func (p *Pipeline) set(ds *crm.Dataset, kind report.Kind, period kpi.Period, asOf, delivery time.Time) (*report.Set, error) {
	loc := p.cfg.Organisation.Location
	day := crm.DayOf(asOf.In(loc))
	var at int64
	if !delivery.IsZero() {
		at = delivery.Unix()
	}
	k := setKey{kind, period, day, at}
	p.mu.Lock()
	e, ok := p.sets[k]
	if !ok {
		e = &setEntry{}
		p.sets[k] = e
	}
	p.mu.Unlock()
	e.once.Do(func() {
		start := time.Now()
		defer func() { p.stages.kpi.Add(int64(time.Since(start))) }()
		fb, err := p.cfg.Report.FallbackFont()
		if err != nil {
			e.err = err
			return
		}
		opts := report.Options{
			KPI: kpiOptions(p.cfg), TeamRank: p.cfg.Report.TeamRank,
			Location: loc, Now: asOf, Links: p.cfg.LinkSet(), Fallback: fb, Delivery: delivery,
		}
		e.set, e.err = report.NewSet(ds, kind, period, day, opts)
	})
	return e.set, e.err
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
	kpi     atomic.Int64 // report.NewSet, once per digest kind and period
	message atomic.Int64 // building a message, kpi included: model, PDF, chart, email
	send    atomic.Int64 // the transport
}

// StageTimes returns the worker time spent so far computing figures
// (report.NewSet), rendering (the rest of building the messages) and
// sending.
func (p *Pipeline) StageTimes() (kpi, render, send time.Duration) {
	k := time.Duration(p.stages.kpi.Load())
	return k, time.Duration(p.stages.message.Load()) - k, time.Duration(p.stages.send.Load())
}
