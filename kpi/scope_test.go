package kpi

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// TestManagersWithoutRows: a manager or director whom a source names as an
// owner without any row of theirs is not a rep and not a member of their
// team; one who owns a row is both.
func TestManagersWithoutRows(t *testing.T) {
	ds := handDataset()
	ds.Owners.Intern("Mia Manager")   // Alpha's manager: no row
	ds.Owners.Intern("Dora Director") // no row
	mx := ds.Owners.Intern("max@x")   // Beta's manager owns a deal
	d := ds.Deals[0]
	d.ID, d.Owner = "DMAX", mx
	ds.Deals = append(ds.Deals, d)
	r := mustCompute(t, ds, "2017-12", crm.NoDay, Options{})
	for _, key := range []string{"mia@x", "dora@x"} {
		if s := r.Scope(ScopeRep, key); s != nil {
			t.Errorf("%s owns no row but is a rep scope", key)
		}
	}
	if s := r.Scope(ScopeRep, "max@x"); s == nil {
		t.Error("max@x owns a deal but is not a rep scope")
	}
	alpha, beta := r.Scope(ScopeTeam, "Alpha"), r.Scope(ScopeTeam, "Beta")
	if slices.Contains(alpha.Members, "mia@x") || !slices.Contains(beta.Members, "max@x") {
		t.Errorf("members: Alpha %v (without mia@x), Beta %v (with max@x)", alpha.Members, beta.Members)
	}
	for _, s := range r.Scopes {
		if slices.Contains(s.Members, "dora@x") {
			t.Errorf("%s %s has dora@x as a member", s.Kind, s.Key)
		}
	}
}

// TestSortAlertRefs checks the packed-key sort against a plain sort by
// kind, date, account, subject, deal and row, with many ties of kind and
// date and dates on both sides of day 0.
func TestSortAlertRefs(t *testing.T) {
	ds := crm.NewDataset()
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 60 {
		ds.Activities = append(ds.Activities, crm.Activity{Subject: string(rune('a' + r.IntN(3))), Deal: string(rune('x' + r.IntN(2))),
			Account: ds.Accounts.Intern(string(rune('A' + r.IntN(3))))})
		ds.Deals = append(ds.Deals, crm.Deal{ID: string(rune('0' + i%7)), Account: crm.ID(r.IntN(3))})
	}
	refs := make([]alertRef, 500)
	for i := range refs {
		refs[i] = alertRef{kind: uint8(r.IntN(4)), row: int32(r.IntN(60)), date: crm.Day(r.IntN(6) - 3)}
	}
	want := slices.Clone(refs)
	slices.SortFunc(want, func(x, y alertRef) int {
		return cmp.Or(cmp.Compare(x.kind, y.kind), cmp.Compare(x.date, y.date), compareAlertNames(ds, x, y))
	})
	sortAlertRefs(ds, refs, nil, nil)
	if !slices.Equal(refs, want) {
		t.Fatal("packed-key sort differs from the plain sort")
	}
	// compareAlertNames itself: the account name decides first.
	a := alertRef{kind: refPastClose, row: 0}
	b := alertRef{kind: refPastClose, row: 1}
	an, bn := ds.Accounts.Name(ds.Deals[0].Account), ds.Accounts.Name(ds.Deals[1].Account)
	if c := strings.Compare(an, bn); c != 0 && compareAlertNames(ds, a, b) != c {
		t.Errorf("accounts %q and %q compare %d", an, bn, compareAlertNames(ds, a, b))
	}
}
