package pipeline

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/report"
	"github.com/crmdigest/crmdigest/schedule"
)

// Preview is one person's digest as a delivery would build it, not sent.
type Preview struct {
	Person  crm.Person
	Subject string
	HTML    string // the email's HTML body
	PDF     []byte // the attachment: the bytes `crmdigest render` writes for the same as-of
	EML     []byte // the message `send --dry-run` builds (its Date and Message-ID are the moment's)
}

// Preview builds recipient's digest of schedule for period from the data
// read last (the sources are read only if nothing has been read yet), with
// the as-of time a run started now would use.
func (p *Pipeline) Preview(ctx context.Context, scheduleName, recipient string, period kpi.Period) (Preview, error) {
	msg, err := p.Message(ctx, jobs.Delivery{Schedule: scheduleName, Recipient: recipient, Period: period, DryRun: true})
	if err != nil {
		return Preview{}, err
	}
	dt, err := p.current(ctx)
	if err != nil {
		return Preview{}, err
	}
	person, err := report.FindPerson(dt.ds, recipient)
	if err != nil {
		return Preview{}, err
	}
	s := p.schedules[scheduleName] // Message checked it exists
	set, err := p.set(dt.ds, report.Kind(s.Spec().Report), period, p.AsOf(p.now()), time.Time{})
	if err != nil {
		return Preview{}, err
	}
	dg, err := set.Digest(person)
	if err != nil {
		return Preview{}, err
	}
	pdf, err := dg.PDF()
	if err != nil {
		return Preview{}, fmt.Errorf("render pdf: %w", err)
	}
	email := dg.Email()
	chart, alt, err := dg.EmailChart()
	if err != nil {
		return Preview{}, fmt.Errorf("render email chart: %w", err)
	}
	if chart != nil {
		// The console shows the HTML alone, where a cid: image cannot
		// load: the chart goes inline as a data: URL instead.
		email.InlineChartCID, email.ChartAlt = report.EmailChartCID, alt
	}
	rendered, err := p.templates.Render(email)
	if err != nil {
		return Preview{}, fmt.Errorf("render email: %w", err)
	}
	if chart != nil {
		rendered.HTML = strings.Replace(rendered.HTML, "cid:"+report.EmailChartCID, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(chart), 1)
	}
	return Preview{Person: *person, Subject: rendered.Subject, HTML: rendered.HTML, PDF: pdf, EML: msg.Bytes()}, nil
}

// People lists a schedule's recipients from the data read last, and the
// ones config.yaml holds back, without re-reading the exports.
func (p *Pipeline) People(ctx context.Context, scheduleName string) (send []crm.Person, held []string, err error) {
	s, ok := p.schedules[scheduleName]
	if !ok {
		return nil, nil, fmt.Errorf("no schedule named %q", scheduleName)
	}
	dt, err := p.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	send, held = p.Recipients(dt.ds, s)
	return send, held, nil
}

// NextFirings lists up to n firings of a schedule after now, in each of
// its recipients' zones, from the data read last.
func (p *Pipeline) NextFirings(ctx context.Context, scheduleName string, now time.Time, n int) ([]schedule.Firing, error) {
	send, _, err := p.People(ctx, scheduleName)
	if err != nil {
		return nil, err
	}
	s := p.schedules[scheduleName]
	fs := s.Firings(now, now.AddDate(0, 2, 0), s.Zones(send))
	return fs[:min(n, len(fs))], nil
}

// CurrentPeriod is the period a run of the schedule started at t covers.
func (p *Pipeline) CurrentPeriod(scheduleName string, t time.Time) (kpi.Period, error) {
	f, err := p.Firing(scheduleName, t)
	return f.Period, err
}

// ParsePeriod checks a period id typed by a person (a form field) with the
// organisation's fiscal year: the console's forms and links are an edge
// where a period enters as text.
func (p *Pipeline) ParsePeriod(id string) (kpi.Period, error) {
	return kpi.ParsePeriod(strings.TrimSpace(id), kpiOptions(p.cfg).FiscalStart)
}
