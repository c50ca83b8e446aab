package pipeline

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/internal/printable"
	"github.com/crmdigest/crmdigest/jobs"
)

// NotifyAdmin mails the administrator (organisation.admin) about a run that
// failed as a whole or left recipients failed or in doubt. It is the job
// engine's OnRunFinished hook; without an admin address it only logs.
func (p *Pipeline) NotifyAdmin(ctx context.Context, r jobs.RunSummary) {
	if !r.NeedsAttention() {
		return
	}
	if r.Refused {
		// The data gate told the administrator already, once per source
		// and breach per day (Judge): a daemon firing every hour on the
		// same bad export must not mail every hour.
		p.log.Warn("run refused by the data gate", "run", r.ID, "schedule", r.Schedule, "period", r.Period)
		return
	}
	if r.DryRun {
		// A dry run sends nothing, notices included: whoever ran it reads
		// the same failures on their terminal.
		p.log.Warn("dry run found problems", "run", r.ID, "schedule", r.Schedule, "period", r.Period,
			"failed", r.Failed, "error", r.Error)
		return
	}
	subject, text := noticeText(r)
	log := p.log.With("run", r.ID, "schedule", r.Schedule, "period", r.Period)
	if r.Error != "" {
		log = log.With("error", r.Error)
	}
	log.Warn("run needs attention", "failed", r.Failed, "in_doubt", r.InDoubt)
	if err := p.Notify(ctx, subject, text, fmt.Sprintf("run-%d", r.ID)); err != nil {
		p.log.Error("admin notice not sent", "run", r.ID, "err", err)
	}
}

// Notify sends one plain-text notice to the administrator.
func (p *Pipeline) Notify(ctx context.Context, subject, text, key string) error {
	admin := p.cfg.Organisation.Admin
	if admin == "" {
		return fmt.Errorf("no organisation.admin address to tell")
	}
	from, err := mail.ParseAddress(p.cfg.Delivery.From)
	if err != nil {
		return err
	}
	b := delivery.Builder{FromName: from.Name, FromAddress: from.Address, Now: p.now}
	msg, err := b.BuildNotice(admin, subject, text, key)
	if err != nil {
		return err
	}
	return p.transport.Send(ctx, msg)
}

func noticeText(r jobs.RunSummary) (string, string) {
	var b strings.Builder
	subject := fmt.Sprintf("crmdigest: schedule %s, period %s needs attention", r.Schedule, r.Period)
	if r.Error != "" {
		subject = fmt.Sprintf("crmdigest: schedule %s, period %s did not run", r.Schedule, r.Period)
		fmt.Fprintf(&b, "The run was refused and nobody received a digest:\n\n  %s\n\n", printable.Escape(r.Error))
	}
	fmt.Fprintf(&b, "Run %d: %d sent, %d failed, %d in doubt, %d skipped, %d pending.\n", r.ID, r.Sent, r.Failed, r.InDoubt, r.Skipped, r.Pending)
	for _, rc := range r.Recipients {
		if rc.State == jobs.StateFailed || rc.State == jobs.StateInDoubt {
			fmt.Fprintf(&b, "  %s: %s %s\n", printable.Escape(rc.Recipient), rc.State, printable.Escape(rc.LastError))
		}
	}
	if r.InDoubt > 0 {
		b.WriteString("\nA message in doubt was cut off after the mail server took its content: it may have arrived. `crmdigest status` lists them.\n")
	}
	return subject, b.String()
}
