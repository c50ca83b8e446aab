package kpi

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// AlertKind says what a rep should act on.
type AlertKind string

// The kinds of alert, in the order a digest lists them.
const (
	AlertOverdue   AlertKind = "overdue"    // an action due before the as-of day, not done
	AlertDueSoon   AlertKind = "due_soon"   // an action due on the as-of day or the DueSoonDays-1 days after
	AlertPastClose AlertKind = "past_close" // an open deal whose expected close day has passed
	AlertStale     AlertKind = "stale"      // an open deal without activity for more than StaleDays
)

func alertOrder(k AlertKind) int {
	switch k {
	case AlertOverdue:
		return 0
	case AlertDueSoon:
		return 1
	case AlertPastClose:
		return 2
	}
	return 3
}

// Alert is one thing on a rep's to-do list, with what a digest needs to
// name it.
type Alert struct {
	Kind AlertKind
	// Subject is the activity's subject, or the deal's id for a deal.
	Subject string
	// Activity is the activity type ("call", "meeting", ...), "" for deals.
	Activity string
	Deal     string // the deal id (linked deal for an activity)
	// ActivityID is the activity's id as the export writes it, "" for
	// deals: the digests link an action to its CRM record with it.
	ActivityID string
	Account    string // account name, "" when the row has none
	Stage      string // the deal's stage as the CRM names it
	// Date is the due day (actions), the expected close day (past_close)
	// or the last activity day (stale).
	Date crm.Day
	// Days is how many days overdue, until due, past the expected close,
	// or without activity.
	Days int
	// Amount is the deal's amount in the reporting currency (NaN for
	// actions or when unknown).
	Amount float64
}

// The kinds of alertRef, in list order.
const (
	refOverdue uint8 = iota
	refDueSoon
	refPastClose
	refStale
)

var refKinds = [...]AlertKind{AlertOverdue, AlertDueSoon, AlertPastClose, AlertStale}

// alertRef is an alert as the aggregation pass records it: a row and a
// date, without pointers, so that the garbage collector never scans them.
type alertRef struct {
	row  int32 // the activity's index for actions, the deal's for deals
	date crm.Day
	days int32
	kind uint8
}

// Alerts returns a rep's to-do list, sorted by kind (overdue, due soon,
// past close, stale), then date, account, subject and deal; nil for other
// levels. It builds the list on each call.
func (s *Scope) Alerts() []Alert {
	if len(s.alerts) == 0 {
		return nil
	}
	out := make([]Alert, len(s.alerts))
	for i, r := range s.alerts {
		out[i] = alertOf(s.ds, r)
	}
	return out
}

// AlertCount returns how many alerts of a kind the rep has.
func (s *Scope) AlertCount(kind AlertKind) int {
	n := 0
	for _, r := range s.alerts {
		if refKinds[r.kind] == kind {
			n++
		}
	}
	return n
}

func alertOf(ds *crm.Dataset, r alertRef) Alert {
	a := Alert{Kind: refKinds[r.kind], Date: r.date, Days: int(r.days), Amount: math.NaN()}
	if r.kind <= refDueSoon {
		act := &ds.Activities[r.row]
		a.Subject, a.Activity, a.Deal, a.Account = act.Subject, act.Type.String(), act.Deal, ds.Accounts.Name(act.Account)
		a.ActivityID = act.ID
		return a
	}
	d := &ds.Deals[r.row]
	a.Subject, a.Deal, a.Account, a.Stage = d.ID, d.ID, ds.Accounts.Name(d.Account), ds.Stages.Name(d.Stage)
	if rate, ok := ds.Rate(d.Currency); ok && crm.Has(d.Amount) {
		a.Amount = d.Amount * rate
	}
	return a
}

// sortAlertRefs orders references like Scope.Alerts promises: by kind
// and date through a sort of packed integer keys (a rep may have
// thousands of alerts, and a comparison function costs several times
// more), then runs of equal kind and date by account, subject, deal and
// row, the only time it reads the rows. keys and tmp are reusable
// buffers; the grown ones are returned.
func sortAlertRefs(ds *crm.Dataset, refs []alertRef, keys []uint64, tmp []alertRef) ([]uint64, []alertRef) {
	const idxBits = 30
	if len(refs) < 2 {
		return keys, tmp
	}
	if len(refs) >= 1<<idxBits {
		slices.SortFunc(refs, func(x, y alertRef) int {
			return cmp.Or(cmp.Compare(x.kind, y.kind), cmp.Compare(x.date, y.date), compareAlertNames(ds, x, y))
		})
		return keys, tmp
	}
	keys = keys[:0]
	for i, r := range refs {
		// kind: 2 bits; date offset to be unsigned: 32 bits; index: 30 bits.
		keys = append(keys, uint64(r.kind)<<62|uint64(uint32(int64(r.date)+1<<31))<<idxBits|uint64(i))
	}
	slices.Sort(keys)
	tmp = append(tmp[:0], refs...)
	for i, k := range keys {
		refs[i] = tmp[k&(1<<idxBits-1)]
	}
	for i := 0; i < len(refs); {
		j := i + 1
		for j < len(refs) && refs[j].kind == refs[i].kind && refs[j].date == refs[i].date {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(refs[i:j], func(x, y alertRef) int { return compareAlertNames(ds, x, y) })
		}
		i = j
	}
	return keys, tmp
}

// compareAlertNames orders two alerts of the same kind and date by
// account, subject, deal and row.
func compareAlertNames(ds *crm.Dataset, x, y alertRef) int {
	names := func(r alertRef) (account, subject, deal string) {
		if r.kind <= refDueSoon {
			a := &ds.Activities[r.row]
			return ds.Accounts.Name(a.Account), a.Subject, a.Deal
		}
		d := &ds.Deals[r.row]
		return ds.Accounts.Name(d.Account), d.ID, d.ID
	}
	xa, xs, xd := names(x)
	ya, ys, yd := names(y)
	return cmp.Or(strings.Compare(xa, ya), strings.Compare(xs, ys), strings.Compare(xd, yd), cmp.Compare(x.row, y.row))
}
