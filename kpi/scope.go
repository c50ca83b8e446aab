package kpi

import (
	"sort"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// ScopeKind is the level a figure is computed for.
type ScopeKind uint8

// The scope levels, from the finest.
const (
	ScopeRep ScopeKind = iota + 1
	ScopeTeam
	ScopeRegion
	ScopeOrg
)

var scopeNames = [...]string{"", "rep", "team", "region", "org"}

func (k ScopeKind) String() string {
	if int(k) < len(scopeNames) && k > 0 {
		return scopeNames[k]
	}
	return "unknown"
}

// ParseScope reads "rep", "team", "region", "org" or "all" (every level:
// nil).
func ParseScope(s string) ([]ScopeKind, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "all":
		return nil, true
	case "rep":
		return []ScopeKind{ScopeRep}, true
	case "team":
		return []ScopeKind{ScopeTeam}, true
	case "region":
		return []ScopeKind{ScopeRegion}, true
	case "org", "organisation", "organization":
		return []ScopeKind{ScopeOrg}, true
	}
	return nil, false
}

// Unassigned is the team and region of owners the directory lacks, so
// that every row still counts in the organisation's totals.
const Unassigned = "unassigned"

// OrgKey is the key of the organisation scope.
const OrgKey = "all"

// member is one rep scope: a directory person, or an owner name the
// directory lacks. Several owner ids may map to one person (an export
// naming them by email, another by name).
type member struct {
	key, name    string
	person       int // index in ds.People, -1 for an unknown owner
	owners       []crm.ID
	team, region string
}

// directory is the attribution of owners to reps, teams and regions, with
// today's directory (people rows carry no dates).
type directory struct {
	members     []member
	ownerMember []int // by owner id: index in members, -1 for none
	teams       []string
	regions     []string
	teamManager map[string]int // team name -> person index of its manager
}

func normKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// resolve matches ds.Owners to ds.People by name, email or CRM id (case
// and surrounding spaces ignored) and builds the rep list: every person
// with the rep role (or none), every person owning rows, and one entry per
// owner the directory lacks, in team and region "unassigned". A manager or
// director named as an owner but owning no row (owned[o] false: a source
// listed them without rows) sells nothing: they are not a rep. owned nil
// counts every owner as owning rows.
func resolve(ds *crm.Dataset, owned []bool) *directory {
	byKey := make(map[string]int, 3*len(ds.People))
	for i := len(ds.People) - 1; i >= 0; i-- { // the first row wins
		p := &ds.People[i]
		for _, k := range []string{p.Name, p.Email, p.CRMID} {
			if k = normKey(k); k != "" {
				byKey[k] = i
			}
		}
	}
	d := &directory{ownerMember: make([]int, ds.Owners.Len()), teamManager: make(map[string]int)}
	personMember := make(map[int]int)
	teamOf := func(p *crm.Person) string {
		if p.Team != "" {
			return p.Team
		}
		if mi, ok := byKey[normKey(p.Manager)]; ok && ds.People[mi].Role == crm.RoleManager {
			if t := ds.People[mi].Team; t != "" {
				return t
			}
			return ds.People[mi].Name
		}
		return Unassigned
	}
	regionOf := func(p *crm.Person) string {
		if p.Region != "" {
			return p.Region
		}
		if mi, ok := byKey[normKey(p.Manager)]; ok && ds.People[mi].Region != "" {
			return ds.People[mi].Region
		}
		return Unassigned
	}
	addPerson := func(i int) int {
		if mi, ok := personMember[i]; ok {
			return mi
		}
		p := &ds.People[i]
		d.members = append(d.members, member{key: p.Key(), name: p.Name, person: i, team: teamOf(p), region: regionOf(p)})
		personMember[i] = len(d.members) - 1
		return len(d.members) - 1
	}
	for i := range ds.People {
		p := &ds.People[i]
		if p.Role == crm.RoleRep || p.Role == crm.RoleUnknown {
			addPerson(i)
		}
		if p.Role == crm.RoleManager {
			t := p.Team
			if t == "" {
				t = p.Name
			}
			if _, ok := d.teamManager[t]; !ok {
				d.teamManager[t] = i
			}
		}
	}
	for o, name := range ds.Owners.All() {
		mi := -1
		if pi, ok := byKey[normKey(name)]; ok {
			if r := ds.People[pi].Role; (r == crm.RoleManager || r == crm.RoleDirector) && owned != nil && !owned[o] {
				d.ownerMember[o] = -1
				continue
			}
			mi = addPerson(pi)
		} else {
			d.members = append(d.members, member{key: name, name: name, person: -1, team: Unassigned, region: Unassigned})
			mi = len(d.members) - 1
		}
		d.ownerMember[o] = mi
		d.members[mi].owners = append(d.members[mi].owners, crm.ID(o))
	}
	teams, regions := map[string]bool{}, map[string]bool{}
	for _, m := range d.members {
		teams[m.team] = true
		regions[m.region] = true
	}
	d.teams = sortedKeys(teams)
	d.regions = sortedKeys(regions)
	return d
}

func sortedKeys(m map[string]bool) []string {
	s := make([]string, 0, len(m))
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}
