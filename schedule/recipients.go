package schedule

import (
	"cmp"
	"slices"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// Select returns the people who receive a schedule's digest of kind report
// (rep, manager or director). Every filter that is set must hold:
//   - Role: the person's role. When neither Role nor List is set, the role
//     is the report's own: a manager digest goes to managers. A List
//     without a Role names its people whatever their role.
//   - Teams: the person's team is one of them.
//   - Region: the person's region.
//   - List: the person's email or name is in it.
//
// Names, teams, regions and emails compare without regard to case or
// surrounding spaces. A person listed twice (same Key) is kept once. The
// result is sorted by Key, lower-cased, so that it does not depend on the
// directory's row order. People without an email are kept: the delivery
// stage reports them, which is more useful than a silent omission.
func Select(people []crm.Person, r Recipients, report string) []crm.Person {
	role := r.Role
	if role == "" && len(r.List) == 0 {
		role = report
	}
	list := make(map[string]bool, len(r.List))
	for _, e := range r.List {
		if norm(e) != "" {
			list[norm(e)] = true
		}
	}
	seen := make(map[string]bool)
	var out []crm.Person
	for _, p := range people {
		switch {
		case role != "" && p.Role.String() != role,
			len(r.Teams) > 0 && !slices.ContainsFunc(r.Teams, func(t string) bool { return norm(t) == norm(p.Team) }),
			r.Region != "" && norm(r.Region) != norm(p.Region),
			len(list) > 0 && !list[norm(p.Email)] && !list[norm(p.Name)]:
			continue
		}
		k := norm(p.Key())
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b crm.Person) int {
		return cmp.Or(cmp.Compare(norm(a.Key()), norm(b.Key())), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// Unmatched returns the entries of r.List that name nobody in people, in
// list order, so that a typo in config.yaml can be reported.
func Unmatched(people []crm.Person, r Recipients) []string {
	known := make(map[string]bool, 2*len(people))
	for _, p := range people {
		if p.Email != "" {
			known[norm(p.Email)] = true
		}
		if p.Name != "" {
			known[norm(p.Name)] = true
		}
	}
	var out []string
	for _, e := range r.List {
		if !known[norm(e)] {
			out = append(out, e)
		}
	}
	return out
}

func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
