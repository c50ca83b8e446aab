package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/gate"
	"github.com/crmdigest/crmdigest/internal/printable"
	"github.com/crmdigest/crmdigest/jobs"
)

// GateStore is the part of the store the data gate uses: the last good
// load of each source, the record of each load, and the memory of notices
// already sent.
type GateStore interface {
	LastGoodLoad(ctx context.Context, source string) (jobs.SourceLoad, bool, error)
	RecordLoad(ctx context.Context, l jobs.SourceLoad) error
	ClaimNotice(ctx context.Context, key string) (bool, error)
	ReleaseNotice(ctx context.Context, key string) error
}

var _ GateStore = (*jobs.Store)(nil)

// UseStore gives the gate its memory. Without one (check), max_drop has
// nothing to compare with and no notice is sent.
func (p *Pipeline) UseStore(s GateStore) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gateStore = s
}

// AcceptQuality accepts every breach of the data gate (--accept-quality):
// the digests go out and each run records the override.
func (p *Pipeline) AcceptQuality(accept bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.acceptAll = accept
}

// Refusal is the error of a reading the data gate refused. The job engine
// records the run as refused (jobs.RunRefusal).
type Refusal struct {
	Breaches []gate.Breach
}

var _ jobs.RunRefusal = (*Refusal)(nil)

func (r *Refusal) Error() string {
	return "the data gate refused the sources: " + strings.Join(r.RefusedReasons(), "; ") +
		" (--accept-quality or quality.accept sends anyway)"
}

// RefusedReasons lists each breach with its evidence.
func (r *Refusal) RefusedReasons() []string {
	var out []string
	for _, b := range r.Breaches {
		out = append(out, printable.Escape(b.String()))
	}
	return out
}

// GateSettings maps the configuration onto the gate's settings.
func (p *Pipeline) GateSettings() gate.Settings {
	p.mu.Lock()
	all := p.acceptAll
	p.mu.Unlock()
	q := p.cfg.Quality
	return gate.Settings{MaxSetAside: q.MaxSetAside, MaxDrop: q.MaxDrop, Accept: q.Accept, AcceptAll: all}
}

// Judge runs the data gate on a reading before anything rests on it: it
// compares each source with its last good load, records this load with
// its verdict, tells the administrator about each new breach (once per
// source and rule per day, unless dryRun) and returns a *Refusal when any
// source breaks a rule nobody accepted. The override, when some breach was
// accepted, says who accepted what; runs record it.
func (p *Pipeline) Judge(ctx context.Context, ds *crm.Dataset, dryRun bool) (override string, err error) {
	p.mu.Lock()
	st := p.gateStore
	p.mu.Unlock()
	last := map[string]gate.Previous{}
	if st != nil {
		for _, q := range ds.Quality {
			l, ok, err := st.LastGoodLoad(ctx, q.Name)
			if err != nil {
				return "", err
			}
			if ok {
				last[q.Name] = gate.Previous{File: l.File, RowsAccepted: l.RowsAccepted, LoadedAt: l.LoadedAt}
			}
		}
	}
	verdicts := gate.Judge(ds, p.GateSettings(), last)
	var refused []gate.Breach
	var overrides []string
	now := p.now()
	for _, v := range verdicts {
		if st != nil {
			if err := st.RecordLoad(ctx, loadRecord(v, now)); err != nil {
				return "", err
			}
		}
		switch {
		case v.Refused():
			refused = append(refused, v.Breaches...)
			if !dryRun && st != nil {
				p.noticeBreaches(ctx, st, v)
			}
		case v.Override != "":
			var rules []string
			for _, b := range v.Breaches {
				rules = append(rules, b.Rule)
			}
			overrides = append(overrides, fmt.Sprintf("%s (source %s: %s)", v.Override, v.Report.Name, strings.Join(rules, ", ")))
			p.log.Warn("data gate breach accepted", "source", v.Report.Name, "override", v.Override, "breaches", printable.Escape(fmt.Sprint(v.Breaches)))
		}
	}
	if len(refused) > 0 {
		return "", &Refusal{Breaches: refused}
	}
	return strings.Join(overrides, "; "), nil
}

// loadRecord is the store's record of one verdict.
func loadRecord(v gate.Verdict, now time.Time) jobs.SourceLoad {
	q := v.Report
	l := jobs.SourceLoad{
		Source: q.Name, Kind: string(q.Kind), File: q.File, ModTime: q.ModTime,
		Lines: q.Lines, Records: q.Records,
		RowsRead: q.RowsRead, RowsAccepted: q.RowsAccepted, RowsSetAside: q.RowsSetAside,
		Verdict: jobs.VerdictOK, Override: v.Override, LoadedAt: now,
	}
	for _, b := range v.Breaches {
		l.Reasons = append(l.Reasons, printable.Escape(b.String()))
	}
	switch {
	case v.Refused():
		l.Verdict = jobs.VerdictRefused
	case len(v.Breaches) > 0:
		l.Verdict = jobs.VerdictOverridden
	}
	return l
}

// noticeBreaches mails the administrator the breaches of one source that
// were not reported today: the store remembers each (source, rule, day),
// in the organisation's zone, so a daemon firing every hour or a run
// started twice sends one notice. A notice that cannot be sent is
// forgotten again, so that the next attempt sends it.
func (p *Pipeline) noticeBreaches(ctx context.Context, st GateStore, v gate.Verdict) {
	day := p.now().In(p.cfg.Organisation.Location).Format("2006-01-02")
	var fresh []gate.Breach
	var keys []string
	for _, b := range v.Breaches {
		key := "gate|" + b.Source + "|" + b.Rule + "|" + day
		if slices.Contains(keys, key) {
			fresh = append(fresh, b)
			continue
		}
		ok, err := st.ClaimNotice(ctx, key)
		if err != nil {
			p.log.Error("admin notice not sent", "source", printable.Escape(v.Report.Name), "err", err)
			return
		}
		if ok {
			keys = append(keys, key)
			fresh = append(fresh, b)
		}
	}
	if len(fresh) == 0 {
		return
	}
	q := v.Report
	name := printable.Escape(q.Name)
	subject := printable.Escape(fmt.Sprintf("crmdigest: source %s refused by the data gate, no digest sent", name))
	var b strings.Builder
	fmt.Fprintf(&b, "The export of source %s was refused: no digest that rests on it was sent.\n\n", name)
	fmt.Fprintf(&b, "File: %s\nRows: %s read = %s accepted + %s set aside\n\n",
		printable.Escape(q.File), gate.Count(q.RowsRead), gate.Count(q.RowsAccepted), gate.Count(q.RowsSetAside))
	for _, br := range fresh {
		fmt.Fprintf(&b, "- %s: %s\n", br.Rule, printable.Escape(br.Evidence))
	}
	b.WriteString("\nFix the export (or its settings) and run again; `crmdigest check` shows the same verdict.\n" +
		"If the data is right, `--accept-quality` on run or send, or the source's name under quality.accept, sends anyway.\n")
	p.log.Warn("data gate refused a source", "source", printable.Escape(q.Name), "breaches", len(v.Breaches))
	if err := p.Notify(ctx, subject, b.String(), "gate-"+q.Name+"-"+day); err != nil {
		p.log.Error("admin notice not sent", "source", printable.Escape(q.Name), "err", err)
		for _, k := range keys {
			if rerr := st.ReleaseNotice(ctx, k); rerr != nil {
				p.log.Error("release notice", "err", rerr)
			}
		}
	}
}
