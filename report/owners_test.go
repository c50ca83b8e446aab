package report

import (
	"slices"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// ownersByScan is ownersOf as it was: every owner's name compared with
// the person's keys.
func ownersByScan(ds *crm.Dataset, p *crm.Person) []crm.ID {
	var out []crm.ID
	keys := map[string]bool{}
	for _, k := range []string{p.Name, p.Email, p.CRMID} {
		if k = normKey(k); k != "" {
			keys[k] = true
		}
	}
	for i, name := range ds.Owners.All() {
		if keys[normKey(name)] {
			out = append(out, crm.ID(i))
		}
	}
	return out
}

// TestOwnersOfMatchesScan compares the indexed ownersOf with the scan
// over every owner, for every person of the demo and Maven data, and for
// owners that name one person several ways (name, email, CRM id, in
// other cases and with spaces) or that name nobody.
func TestOwnersOfMatchesScan(t *testing.T) {
	ds := crm.NewDataset()
	for _, o := range []string{"Ana Ruiz", " ana ruiz", "ANA.RUIZ@EXAMPLE.COM", "u-17", "", "Bo Li", "ana ruiz ", "Nobody"} {
		ds.Owners.Intern(o)
	}
	ds.People = []crm.Person{
		{Name: "Ana Ruiz", Email: "ana.ruiz@example.com", CRMID: "U-17"},
		{Name: "Bo Li", Email: "bo@example.com"},
		{Name: "", Email: "", CRMID: ""},
		{Name: "ana ruiz", Email: "Ana Ruiz"}, // two keys that are one
	}
	crafted := &Set{ds: ds}
	if got := crafted.ownersOf(&ds.People[0]); len(got) < 4 {
		t.Fatalf("Ana Ruiz owns %v: the crafted owners do not test several keys per person", got)
	}
	for name, s := range map[string]*Set{"crafted": crafted, "demo": sets(t)[KindRep], "maven": {ds: maven(t)}} {
		matched := 0
		for i := range s.ds.People {
			p := &s.ds.People[i]
			got, want := s.ownersOf(p), ownersByScan(s.ds, p)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %q owns %v, the scan finds %v", name, p.Name, got, want)
			}
			if len(want) > 0 {
				matched++
			}
		}
		if matched == 0 {
			t.Errorf("%s: nobody owns anything: the comparison proves nothing", name)
		}
	}
}
