package schedule

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

var directory = []crm.Person{
	{Name: "Zoe Rep", Email: "zoe@example.com", Role: crm.RoleRep, Team: "North", Region: "EMEA"},
	{Name: "Al Rep", Email: "al@example.com", Role: crm.RoleRep, Team: "South", Region: "EMEA"},
	{Name: "Bea Rep", Email: "Bea@Example.com", Role: crm.RoleRep, Team: "north", Region: "Americas"},
	{Name: "No Mail", Role: crm.RoleRep, Team: "North", Region: "EMEA"},
	{Name: "Mia Manager", Email: "mia@example.com", Role: crm.RoleManager, Team: "North", Region: "EMEA"},
	{Name: "Sam Manager", Email: "sam@example.com", Role: crm.RoleManager, Team: "South", Region: "Americas"},
	{Name: "Dan Director", Email: "dan@example.com", Role: crm.RoleDirector, Region: "EMEA"},
	{Name: "Cfo", Email: "cfo@example.com", Role: crm.RoleUnknown},
	{Name: "Zoe Rep (dup)", Email: "ZOE@example.com ", Role: crm.RoleRep, Team: "North", Region: "EMEA"},
}

func keys(ps []crm.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Key())
	}
	return out
}

func TestSelect(t *testing.T) {
	for _, tc := range []struct {
		name   string
		r      Recipients
		report string
		want   []string
	}{
		{"report decides the role", Recipients{}, "rep", []string{"al@example.com", "Bea@Example.com", "No Mail", "zoe@example.com"}},
		{"manager digest to managers", Recipients{}, "manager", []string{"mia@example.com", "sam@example.com"}},
		{"director digest to directors", Recipients{}, "director", []string{"dan@example.com"}},
		{"role", Recipients{Role: "manager"}, "director", []string{"mia@example.com", "sam@example.com"}},
		{"teams, any case", Recipients{Role: "rep", Teams: []string{"NORTH "}}, "rep", []string{"Bea@Example.com", "No Mail", "zoe@example.com"}},
		{"two teams", Recipients{Teams: []string{"North", "South"}}, "manager", []string{"mia@example.com", "sam@example.com"}},
		{"region", Recipients{Region: "emea"}, "rep", []string{"al@example.com", "No Mail", "zoe@example.com"}},
		{"team and region", Recipients{Teams: []string{"North"}, Region: "Americas"}, "rep", []string{"Bea@Example.com"}},
		{"list by email or name, any role", Recipients{List: []string{"cfo@example.com", "dan director", "nobody@example.com", ""}}, "director",
			[]string{"cfo@example.com", "dan@example.com"}},
		{"list with a role", Recipients{Role: "director", List: []string{"cfo@example.com", "dan@example.com"}}, "director", []string{"dan@example.com"}},
		{"nobody", Recipients{Region: "APAC"}, "rep", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := keys(Select(directory, tc.r, tc.report))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Select = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSelectOrder checks that the directory's row order does not change
// the result.
func TestSelectOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	// Without the duplicate, whose first occurrence depends on the order.
	people := slices.Clone(directory[:len(directory)-1])
	want := keys(Select(people, Recipients{}, "rep"))
	for i := 0; i < 20; i++ {
		r.Shuffle(len(people), func(i, j int) { people[i], people[j] = people[j], people[i] })
		if got := keys(Select(people, Recipients{}, "rep")); !slices.Equal(got, want) {
			t.Fatalf("order %d: %q, want %q", i, got, want)
		}
	}
}

func TestUnmatched(t *testing.T) {
	got := Unmatched(directory, Recipients{List: []string{"CFO@example.com", "Dan Director", "nobody@example.com", "Ghost"}})
	if want := []string{"nobody@example.com", "Ghost"}; !slices.Equal(got, want) {
		t.Errorf("Unmatched = %q, want %q", got, want)
	}
}
