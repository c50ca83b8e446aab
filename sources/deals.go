package sources

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// readDeals converts a deals table into ds.Deals.
func (l *loader) readDeals(ctx context.Context, t *table) error {
	ds := l.ds
	owners := crm.NewNames() // raw owner names, resolved at the end
	var (
		id, owner, account, product = t.col("id"), t.col("owner"), t.col("account"), t.col("product")
		stage, status, kind         = t.col("stage"), t.col("status"), t.col("kind")
		created, closed, expected   = t.col("created"), t.col("closed"), t.col("expected_close")
		amount, currency, margin    = t.col("amount"), t.col("currency"), t.col("margin")
		probability, lastActivity   = t.col("probability"), t.col("last_activity")
	)
	ids := l.index(crm.KindDeals, func(i int32) string { return ds.Deals[i].ID })
	type stageOf struct {
		id     crm.ID
		status crm.Status
	}
	stages := make(map[string]stageOf)
	statuses := make(map[string]crm.Status)
	kinds := make(map[string]crm.DealKind) // raw value to kind, for the values that parse
	defaultCur := strings.ToUpper(t.spec.Currency)
	start := len(ds.Deals)
	est := t.estimate()
	ds.Deals = slices.Grow(ds.Deals, est)
	ids.refs = slices.Grow(ids.refs, est)
	cols := dealValueColumns{created, closed, expected, lastActivity, amount, margin, probability}
	t.prep = func(b *recordBatch) {
		vs, _ := b.aux.([]dealValues)
		vs = vs[:0]
		for i := range b.items {
			rec, err := b.record(i)
			var v dealValues
			if err == nil {
				v = cols.values(t, rec, b.items[i].row)
			}
			vs = append(vs, v)
		}
		b.aux = vs
	}

	err := t.each(ctx, func(rec []string, row int) *crm.Problem {
		d := crm.Deal{Owner: owners.Intern(owner.cell(rec)), Account: ds.Accounts.Intern(t.text(account, rec)),
			Product: ds.Products.Intern(t.text(product, rec)), Stage: crm.NoID, Currency: crm.NoID,
			Amount: crm.Absent, Margin: crm.Absent, Probability: crm.Absent}
		if s := id.cell(rec); s != "" {
			d.ID = l.strs.clone(s)
		}
		stageRaw := stage.cell(rec)
		if stageRaw != "" {
			st, ok := stages[stageRaw]
			if !ok {
				name := stage.mapped(stageRaw)
				st = stageOf{ds.Stages.Intern(strings.Clone(name)), statusFromStage(name)}
				pre := presetFor(t.spec.Preset, t.spec.Kind)
				ds.MapStage(st.id, stageKindOf(pre, stageRaw, name))
				for pos, n := range pre.stageOrder {
					if normValue(n) == normValue(stageRaw) {
						ds.OrderStage(st.id, pos)
					}
				}
				stages[strings.Clone(stageRaw)] = st
			}
			d.Stage = st.id
			d.Status = st.status
		}
		if raw := status.cell(rec); raw != "" {
			st, ok := statuses[raw]
			if !ok {
				var err error
				if st, err = parseStatus(status.mapped(raw)); err != nil {
					return t.fail(row, status, raw, err.Error())
				}
				statuses[strings.Clone(raw)] = st
			}
			d.Status = st
		}
		if raw := kind.cell(rec); raw != "" {
			k, ok := kinds[raw]
			if !ok {
				var err error
				if k, err = parseDealKind(kind.mapped(raw)); err != nil {
					return t.fail(row, kind, raw, err.Error())
				}
				kinds[strings.Clone(raw)] = k
			}
			d.Kind = k
		}
		var v dealValues
		if b, i, ok := t.prepared(); ok {
			v = b.aux.([]dealValues)[i]
		} else {
			v = cols.values(t, rec, row)
		}
		if v.problem != nil {
			return v.problem
		}
		d.Created, d.Closed, d.ExpectedClose, d.LastActivity = v.created, v.closed, v.expected, v.lastActivity
		// Salesforce and HubSpot keep an open deal's expected close in
		// the close date column: it is not a close.
		if d.Status == crm.StatusOpen && d.Closed.Valid() {
			if !d.ExpectedClose.Valid() {
				d.ExpectedClose = d.Closed
			}
			d.Closed = crm.NoDay
		}
		d.Amount, d.Margin, d.Probability = v.amount, v.margin, v.probability
		cur, marginCur := v.cur, v.marginCur
		code, p := t.currencyOf(currency, rec, row, defaultCur, cur, marginCur)
		if p != nil {
			return p
		}
		if code != "" {
			if code != ds.Currency && ds.Currency != "" && (crm.Has(d.Amount) || crm.Has(d.Margin)) {
				if _, ok := ds.Rates[code]; !ok {
					return t.fail(row, currency, code, fmt.Sprintf("no rate converts %s into the reporting currency %s: add it under organisation.rates", code, ds.Currency))
				}
			}
			d.Currency = ds.Currencies.Intern(code)
		}
		l.checkDeal(t, &d, rec, row, amount, closed, created, expected)
		ids.add(d.ID, len(ds.Deals), row)
		t.seen(d.Created)
		t.seen(d.Closed)
		ds.Deals = append(ds.Deals, d)
		return nil
	})
	ids.check(t)
	remap := l.resolveOwners(owners, t.rep)
	for i := start; i < len(ds.Deals); i++ {
		ds.Deals[i].Owner = remap(ds.Deals[i].Owner)
	}
	fields := t.present()
	if stage.index >= 0 && status.index < 0 {
		fields = append(fields, "status") // derived from the stage names
	}
	ds.MarkFields(crm.KindDeals, fields...)
	return err
}

// dealValues are the values of a deal record that are read from its
// cells alone, by parsers that share no state: dates, amounts and the
// probability, with the first problem met in that order. They can be
// read ahead of the rest, in another goroutine (table.prep).
type dealValues struct {
	created, closed, expected, lastActivity crm.Day
	amount, margin, probability             float64
	cur, marginCur                          string
	problem                                 *crm.Problem
}

type dealValueColumns struct {
	created, closed, expected, lastActivity, amount, margin, probability *column
}

// values reads a record's dealValues, in the order readDeals checks them.
func (c dealValueColumns) values(t *table, rec []string, row int) (v dealValues) {
	if v.created, v.problem = t.day(c.created, rec, row); v.problem != nil {
		return v
	}
	if v.closed, v.problem = t.day(c.closed, rec, row); v.problem != nil {
		return v
	}
	if v.expected, v.problem = t.day(c.expected, rec, row); v.problem != nil {
		return v
	}
	if v.lastActivity, v.problem = t.day(c.lastActivity, rec, row); v.problem != nil {
		return v
	}
	if v.amount, v.cur, v.problem = t.amount(c.amount, rec, row); v.problem != nil {
		return v
	}
	if v.margin, v.marginCur, v.problem = t.marginOf(c.margin, rec, row, v.amount); v.problem != nil {
		return v
	}
	v.probability, v.problem = t.probability(c.probability, rec, row)
	return v
}

// marginOf reads a margin in money, or as a percentage of the amount.
func (t *table) marginOf(c *column, rec []string, row int, amount float64) (float64, string, *crm.Problem) {
	raw := c.cell(rec)
	if pct, ok := strings.CutSuffix(raw, "%"); ok {
		v, err := parseProbability(pct+"%", c.decimal, true)
		if err != nil || !crm.Has(amount) {
			return crm.Absent, "", t.fail(row, c, raw, "expected a margin in money, or a percentage of a deal that has an amount")
		}
		return v * amount, "", nil
	}
	return t.amount(c, rec, row)
}

// currencyOf settles a row's currency: its currency column, else the
// symbol or code written with its amounts, else the source's currency.
func (t *table) currencyOf(c *column, rec []string, row int, def string, fromAmounts ...string) (string, *crm.Problem) {
	code := ""
	if raw := c.cell(rec); raw != "" {
		v, err := currencyCode(c.mapped(raw))
		if err != nil {
			return "", t.fail(row, c, raw, err.Error())
		}
		code = v
	}
	for _, a := range fromAmounts {
		if a == "" {
			continue
		}
		if code != "" && a != code {
			return "", t.fail(row, c, a, fmt.Sprintf("the amount says %s but the row's currency is %s", a, code))
		}
		code = a
	}
	if code == "" {
		code = def
	}
	return code, nil
}
