package report

import (
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/demo"
)

// TestNoRowsIsNotZero adds a rep to a team in the people directory who
// owns no row in any export: the manager's table reads "no deals in this
// export" on their row, never an amount, in en, fr and es, and the
// headline never names them; the small multiples leave them out rather
// than draw a line at 0 ending on "0".
func TestNoRowsIsNotZero(t *testing.T) {
	d := demo.Build(demo.Options{})
	ds := d.Dataset
	var mgr *crm.Person
	for i := range ds.People {
		if ds.People[i].Role == crm.RoleManager {
			mgr = &ds.People[i]
			break
		}
	}
	ghost := crm.Person{Name: "Quentin Nobody", Email: "quentin.nobody@example.com", Role: crm.RoleRep,
		Manager: mgr.Name, Team: mgr.Team, Region: mgr.Region, Locale: "en"}
	ds.People = append(ds.People, ghost)
	mgr = &ds.People[slicesIndex(ds.People, mgr.Email)]
	s, err := NewSet(ds, KindManager, pid(demoPeriods[KindManager]), demoAsOf, demoOptions())
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]string{"en": "no deals in this export", "fr": "aucune affaire dans cet export", "es": "ninguna oportunidad en esta exportación"}
	for lang, want := range words {
		p := *mgr
		p.Locale = lang
		dg, err := s.Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		found, multiples := false, false
		for _, bl := range dg.Blocks {
			if m := bl.Multiples; m != nil {
				multiples = len(m.Rows) > 0
				for _, row := range m.Rows {
					if row.Name == ghost.Name {
						t.Errorf("%s: %s has a row of sparklines, ending on %q", lang, ghost.Name, row.Last)
					}
				}
			}
			if bl.Table == nil {
				continue
			}
			for _, row := range bl.Table.Rows {
				if row[0] == ghost.Name {
					found = true
					if row[1] != want {
						t.Errorf("%s: %s's row reads %q, want %q", lang, ghost.Name, row[1], want)
					}
				}
			}
		}
		if !found {
			t.Errorf("%s: %s has no row in the manager's table", lang, ghost.Name)
		}
		if !multiples {
			t.Errorf("%s: no small multiples to check", lang)
		}
		if strings.Contains(dg.Headline, ghost.Name) {
			t.Errorf("%s: the headline names a person without rows: %s", lang, dg.Headline)
		}
		for _, c := range dg.Claims {
			if c.Key == ghost.Email {
				t.Errorf("%s: a claim names a person without rows: %+v", lang, c)
			}
		}
	}
}

// TestNoRowsHasNoRank: a teammate with no row in the export is not ranked
// (last, at 0) in a rep's "your rank in the team": the rank counts the
// reps of the team in the export only.
func TestNoRowsHasNoRank(t *testing.T) {
	rank := func(ds *crm.Dataset, p *crm.Person) string {
		s, err := NewSet(ds, KindRep, pid(demoPeriods[KindRep]), demoAsOf, demoOptions())
		if err != nil {
			t.Fatal(err)
		}
		dg, err := s.Digest(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, bl := range dg.Blocks {
			if strings.HasPrefix(bl.Paragraph, "Your rank in the team") {
				return bl.Paragraph
			}
		}
		t.Fatalf("%s: no rank in the digest", p.Name)
		return ""
	}
	ds := demo.Build(demo.Options{}).Dataset
	var rep crm.Person
	for _, p := range ds.People {
		if p.Role == crm.RoleRep && p.Locale == "en" {
			rep = p
			break
		}
	}
	before := rank(ds, &rep)
	ds.People = append(ds.People, crm.Person{Name: "Quentin Nobody", Email: "quentin.nobody@example.com", Role: crm.RoleRep,
		Manager: rep.Manager, Team: rep.Team, Region: rep.Region, Locale: "en"})
	if after := rank(ds, &rep); after != before {
		t.Errorf("a teammate without rows changes %s's rank: %q, was %q", rep.Name, after, before)
	}
}

func slicesIndex(ps []crm.Person, email string) int {
	for i := range ps {
		if ps[i].Email == email {
			return i
		}
	}
	return -1
}
