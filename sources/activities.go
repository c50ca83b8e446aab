package sources

import (
	"context"
	"slices"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// readActivities converts an activities table into ds.Activities.
func (l *loader) readActivities(ctx context.Context, t *table) error {
	ds := l.ds
	owners := crm.NewNames()
	var (
		id, owner, typ, due = t.col("id"), t.col("owner"), t.col("type"), t.col("due")
		doneAt, done        = t.col("done_at"), t.col("done")
		subject, deal, acct = t.col("subject"), t.col("deal"), t.col("account")
	)
	ids := l.index(crm.KindActivities, func(i int32) string { return ds.Activities[i].ID })
	types := make(map[string]crm.ActivityType)
	start := len(ds.Activities)
	est := t.estimate()
	ds.Activities = slices.Grow(ds.Activities, est)
	ids.refs = slices.Grow(ids.refs, est)

	err := t.each(ctx, func(rec []string, row int) *crm.Problem {
		a := crm.Activity{Owner: owners.Intern(owner.cell(rec)), Account: ds.Accounts.Intern(t.text(acct, rec))}
		if s := id.cell(rec); s != "" {
			a.ID = l.strs.clone(s)
		}
		if raw := typ.cell(rec); raw != "" {
			tp, ok := types[raw]
			if !ok {
				var known bool
				tp, known = activityTypeOf(typ.mapped(raw))
				types[strings.Clone(raw)] = tp
				if !known {
					t.warn(row, typ, raw, "unknown activity type, counted as other (map it under values: type:); said once per value")
				}
			}
			a.Type = tp
		}
		var p *crm.Problem
		if a.Due, p = t.day(due, rec, row); p != nil {
			return p
		}
		if a.DoneAt, p = t.day(doneAt, rec, row); p != nil {
			return p
		}
		if a.Done, p = t.tri(done, rec, row); p != nil {
			return p
		}
		a.Subject = l.strs.intern(subject.cell(rec))
		a.Deal = l.strs.clone(deal.cell(rec))
		ids.add(a.ID, len(ds.Activities), row)
		l.checkFuture(t, doneAt, rec, a.DoneAt, row, false)
		l.checkFuture(t, due, rec, a.Due, row, true)
		t.seen(a.Due)
		t.seen(a.DoneAt)
		ds.Activities = append(ds.Activities, a)
		return nil
	})
	ids.check(t)
	remap := l.resolveOwners(owners, t.rep)
	for i := start; i < len(ds.Activities); i++ {
		ds.Activities[i].Owner = remap(ds.Activities[i].Owner)
	}
	ds.MarkFields(crm.KindActivities, t.present()...)
	return err
}
