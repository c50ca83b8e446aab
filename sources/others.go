package sources

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// readLeads converts a leads (or contacts) table into ds.Leads.
func (l *loader) readLeads(ctx context.Context, t *table) error {
	ds := l.ds
	owners := crm.NewNames()
	owner, date, kind := t.col("owner"), t.col("date"), t.col("kind")
	start := len(ds.Leads)
	ds.Leads = slices.Grow(ds.Leads, t.estimate())
	err := t.each(ctx, func(rec []string, row int) *crm.Problem {
		ld := crm.Lead{Owner: owners.Intern(owner.cell(rec))}
		var p *crm.Problem
		if ld.Date, p = t.day(date, rec, row); p != nil {
			return p
		}
		if raw := kind.cell(rec); raw != "" {
			k, err := parseLeadKind(kind.mapped(raw))
			if err != nil {
				return t.fail(row, kind, raw, err.Error())
			}
			ld.Kind = k
		}
		l.checkFuture(t, date, rec, ld.Date, row, false)
		t.seen(ld.Date)
		ds.Leads = append(ds.Leads, ld)
		return nil
	})
	remap := l.resolveOwners(owners, t.rep)
	for i := start; i < len(ds.Leads); i++ {
		ds.Leads[i].Owner = remap(ds.Leads[i].Owner)
	}
	ds.MarkFields(crm.KindLeads, t.present()...)
	return err
}

// readInvoices converts an invoices table into ds.Invoices.
func (l *loader) readInvoices(ctx context.Context, t *table) error {
	ds := l.ds
	owners := crm.NewNames()
	id, owner, account, date := t.col("id"), t.col("owner"), t.col("account"), t.col("date")
	amount, currency := t.col("amount"), t.col("currency")
	ids := l.index(crm.KindInvoices, func(i int32) string { return ds.Invoices[i].ID })
	def := strings.ToUpper(t.spec.Currency)
	start := len(ds.Invoices)
	est := t.estimate()
	ds.Invoices = slices.Grow(ds.Invoices, est)
	ids.refs = slices.Grow(ids.refs, est)
	err := t.each(ctx, func(rec []string, row int) *crm.Problem {
		inv := crm.Invoice{Owner: owners.Intern(owner.cell(rec)), Account: ds.Accounts.Intern(t.text(account, rec)), Currency: crm.NoID}
		if s := id.cell(rec); s != "" {
			inv.ID = l.strs.clone(s)
		}
		var p *crm.Problem
		if inv.Date, p = t.day(date, rec, row); p != nil {
			return p
		}
		var cur string
		if inv.Amount, cur, p = t.amount(amount, rec, row); p != nil {
			return p
		}
		code, p := t.currencyOf(currency, rec, row, def, cur)
		if p != nil {
			return p
		}
		if code != "" {
			if code != ds.Currency && ds.Currency != "" && crm.Has(inv.Amount) {
				if _, ok := ds.Rates[code]; !ok {
					return t.fail(row, currency, code, fmt.Sprintf("no rate converts %s into the reporting currency %s: add it under organisation.rates", code, ds.Currency))
				}
			}
			inv.Currency = ds.Currencies.Intern(code)
		}
		ids.add(inv.ID, len(ds.Invoices), row)
		if crm.Has(inv.Amount) && inv.Amount < 0 {
			t.warn(row, amount, amount.cell(rec), "negative amount (a credit note?)")
		}
		l.checkFuture(t, date, rec, inv.Date, row, false)
		t.seen(inv.Date)
		ds.Invoices = append(ds.Invoices, inv)
		return nil
	})
	ids.check(t)
	remap := l.resolveOwners(owners, t.rep)
	for i := start; i < len(ds.Invoices); i++ {
		ds.Invoices[i].Owner = remap(ds.Invoices[i].Owner)
	}
	ds.MarkFields(crm.KindInvoices, t.present()...)
	return err
}

// readTargets converts a targets table into ds.Targets. A target without a
// scope is a person's when it has a key, else the organisation's.
func (l *loader) readTargets(ctx context.Context, t *table) error {
	ds := l.ds
	scope, key, period, metric, value := t.col("scope"), t.col("key"), t.col("period"), t.col("metric"), t.col("value")
	ds.Targets = slices.Grow(ds.Targets, t.estimate())
	err := t.each(ctx, func(rec []string, row int) *crm.Problem {
		tg := crm.Target{Key: l.strs.intern(t.text(key, rec)), Period: period.cell(rec), Metric: l.strs.intern(t.text(metric, rec))}
		if tg.Key == "" {
			tg.Scope = crm.TargetOrg
		}
		if raw := scope.cell(rec); raw != "" {
			s, err := parseScope(scope.mapped(raw))
			if err != nil {
				return t.fail(row, scope, raw, err.Error())
			}
			tg.Scope = s
		}
		if p, ok := periodID(tg.Period); ok {
			tg.Period = l.strs.intern(p)
		} else {
			return t.fail(row, period, strings.Clone(tg.Period), "expected a period such as 2017, 2017-H2, 2017-Q4, 2017-12, 2017-W48 or FY2018-Q1")
		}
		if tg.Metric == "" {
			return t.fail(row, metric, "", "expected a metric name such as won_revenue")
		}
		v, _, p := t.amount(value, rec, row)
		if p != nil {
			return p
		}
		if !crm.Has(v) {
			return t.fail(row, value, "", "expected the target's value")
		}
		tg.Value = v
		ds.Targets = append(ds.Targets, tg)
		return nil
	})
	ds.MarkFields(crm.KindTargets, t.present()...)
	return err
}

// readProducts counts a product list into the catalogue.
func (l *loader) readProducts(ctx context.Context, t *table) error {
	product := t.col("product")
	err := t.each(ctx, func(rec []string, row int) *crm.Problem {
		name := t.text(product, rec)
		if name == "" {
			return t.fail(row, product, "", "expected a product name")
		}
		l.ds.Products.Intern(strings.Clone(name))
		l.catalogue[name] = true
		return nil
	})
	l.ds.Catalogue = len(l.catalogue)
	return err
}

// periodPattern is the syntax of the period ids kpi reads: a calendar or
// fiscal (FY) year, optionally with a half, quarter, month or ISO week.
var periodPattern = regexp.MustCompile(`^(FY)?\d{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]|W(0[1-9]|[1-4]\d|5[0-3])))?$`)

// periodID normalises a target's period id, or reports it malformed.
func periodID(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !periodPattern.MatchString(s) || (strings.HasPrefix(s, "FY") && len(s) > 6 && s[7] != 'H' && s[7] != 'Q') {
		return "", false
	}
	return s, true
}
