package sources

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// readPeople merges a people table into the directory being built: a
// person already known by name (or email, or CRM id) gets the fields this
// source fills, so that a directory can overlay a derived team list.
func (l *loader) readPeople(ctx context.Context, t *table) error {
	c := func(f string) *column { return t.col(f) }
	err := t.each(ctx, func(rec []string, row int) *crm.Problem {
		p := crm.Person{
			Name: t.text(c("name"), rec), Email: t.text(c("email"), rec), Manager: t.text(c("manager"), rec),
			Team: t.text(c("team"), rec), Region: t.text(c("region"), rec), Locale: t.text(c("locale"), rec),
			TimeZone: t.text(c("timezone"), rec), CRMID: t.text(c("crm_id"), rec),
		}
		if p.Name == "" && p.Email == "" {
			return t.fail(row, c("name"), "", "expected a name or an email")
		}
		if raw := c("role").cell(rec); raw != "" {
			v := c("role").mapped(raw)
			r, ok := crm.ParseRole(v)
			if !ok && v != "" {
				t.warn(row, c("role"), raw, "unknown role (expected rep, manager or director): left unknown")
			}
			p.Role = r
		}
		if p.TimeZone != "" {
			if _, err := time.LoadLocation(p.TimeZone); err != nil {
				t.warn(row, c("timezone"), p.TimeZone, "not an IANA time zone such as Europe/Paris: left out")
				p.TimeZone = ""
			}
		}
		p = clonePerson(p)
		l.mergePerson(p)
		return nil
	})
	l.ds.MarkFields(crm.KindPeople, t.present()...)
	return err
}

func clonePerson(p crm.Person) crm.Person {
	for _, s := range []*string{&p.Name, &p.Email, &p.Manager, &p.Team, &p.Region, &p.Locale, &p.TimeZone, &p.CRMID} {
		*s = strings.Clone(*s)
	}
	return p
}

// mergePerson adds p, or fills the fields p has into the person it names.
func (l *loader) mergePerson(p crm.Person) {
	i, ok := l.findPerson(p)
	if !ok {
		l.people = append(l.people, p)
		return
	}
	q := &l.people[i]
	for _, f := range [][2]*string{{&q.Name, &p.Name}, {&q.Email, &p.Email}, {&q.Manager, &p.Manager},
		{&q.Team, &p.Team}, {&q.Region, &p.Region}, {&q.Locale, &p.Locale}, {&q.TimeZone, &p.TimeZone}, {&q.CRMID, &p.CRMID}} {
		if *f[1] != "" {
			*f[0] = *f[1]
		}
	}
	if p.Role != crm.RoleUnknown {
		q.Role = p.Role
	}
}

func (l *loader) findPerson(p crm.Person) (int, bool) {
	for i := range l.people {
		q := &l.people[i]
		if (p.Name != "" && strings.EqualFold(q.Name, p.Name)) ||
			(p.Email != "" && strings.EqualFold(q.Email, p.Email)) ||
			(p.CRMID != "" && q.CRMID != "" && idKey(q.CRMID) == idKey(p.CRMID)) {
			return i, true
		}
	}
	return 0, false
}

// finishPeople completes the merged directory the way a team list implies:
// a manager named by a CRM id becomes their name; someone others report to
// and who has no row of their own is added as a manager; a person without
// a role is a manager when others report to them, else a rep when they
// have a manager; a rep's team is their manager's name when the manager is
// a manager, and a manager's team is their own. Fields a directory gave
// are never overwritten.
func (l *loader) finishPeople() {
	idx := newDirectory(l.people)
	for i := range l.people {
		if p := &l.people[i]; p.Manager != "" && p.CRMID != p.Manager {
			if j, byID, ok := idx.find(p.Manager); ok && byID {
				p.Manager = l.people[j].Name // a CRM id says nothing to a reader
			}
		}
	}
	// Managers named by their reports but without a row of their own.
	var missing []string
	reportsOf := make(map[string][]int)
	for i, p := range l.people {
		if p.Manager == "" {
			continue
		}
		k := strings.ToLower(p.Manager)
		if _, _, ok := idx.find(p.Manager); !ok {
			if len(reportsOf[k]) == 0 {
				missing = append(missing, k)
			}
			reportsOf[k] = append(reportsOf[k], i)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		first := l.people[reportsOf[k][0]]
		m := crm.Person{Name: first.Manager, Role: crm.RoleManager, Team: first.Manager, Region: first.Region}
		for _, j := range reportsOf[k] {
			if l.people[j].Region != m.Region {
				m.Region = ""
			}
		}
		l.people = append(l.people, m)
	}
	idx = newDirectory(l.people)
	manager := func(p *crm.Person) (int, bool) {
		j, _, ok := idx.find(p.Manager)
		return j, ok && p.Manager != ""
	}
	hasReports := make(map[int]bool)
	for i := range l.people {
		if j, ok := manager(&l.people[i]); ok {
			hasReports[j] = true
		}
	}
	for i := range l.people {
		p := &l.people[i]
		if p.Role == crm.RoleUnknown {
			if hasReports[i] {
				p.Role = crm.RoleManager
			} else if p.Manager != "" {
				p.Role = crm.RoleRep
			}
		}
	}
	for i := range l.people {
		p := &l.people[i]
		if p.Team != "" {
			continue
		}
		switch {
		case p.Role == crm.RoleManager:
			p.Team = p.Name
		case p.Role == crm.RoleRep:
			if j, ok := manager(p); ok && l.people[j].Role == crm.RoleManager {
				p.Team = l.people[j].Name
			}
		}
	}
	l.ds.People = l.people
	l.dir = idx
}

// directory resolves the owner names, emails or CRM ids that exports write
// to people. Names and emails match whatever their case (exports disagree
// on "ann smith" and "Ann Smith"); CRM ids match exactly, since ids that
// differ only in case are different records, except that a Salesforce id
// matches in its 15- and 18-character forms.
type directory struct {
	people []crm.Person
	ids    map[string]int // idKey(CRM id) -> person
	names  map[string]int // lower-case name or email -> person
}

func newDirectory(people []crm.Person) *directory {
	d := &directory{people: people, ids: make(map[string]int), names: make(map[string]int)}
	for i, p := range people {
		if p.CRMID != "" {
			d.ids[idKey(p.CRMID)] = i
		}
		for _, k := range []string{p.Email, p.Name} {
			if k != "" {
				d.names[strings.ToLower(k)] = i
			}
		}
	}
	return d
}

// find returns the person s names, and whether s named them by CRM id.
// An id is looked up first: a Salesforce id never falls back to a match
// by lower case.
func (d *directory) find(s string) (i int, byID, ok bool) {
	if s == "" {
		return 0, false, false
	}
	if i, ok := d.ids[idKey(s)]; ok {
		return i, true, true
	}
	if _, sf := salesforceID(s); sf {
		return 0, false, false
	}
	i, ok = d.names[strings.ToLower(s)]
	return i, false, ok
}

// resolveOwners interns a source's raw owners as people's names and lists
// those the directory does not know. The returned function maps a raw
// owner id to its Dataset.Owners id.
func (l *loader) resolveOwners(raw *crm.Names, rep *crm.SourceReport) func(crm.ID) crm.ID {
	ids := make([]crm.ID, raw.Len())
	var unknown []string
	for i, s := range raw.All() {
		name := s
		if l.dir != nil && len(l.dir.people) > 0 {
			if i, _, ok := l.dir.find(s); ok && l.dir.people[i].Name != "" {
				name = l.dir.people[i].Name
			} else {
				unknown = append(unknown, s)
			}
		}
		ids[i] = l.ds.Owners.Intern(strings.Clone(name))
	}
	sort.Strings(unknown)
	rep.UnknownOwners = unknown
	return func(id crm.ID) crm.ID {
		if id < 0 {
			return crm.NoID
		}
		return ids[id]
	}
}
