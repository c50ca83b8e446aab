package sources

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// mavenDir holds the real Maven export, shared with the examples.
const mavenDir = "../testdata/maven-crm"

func mavenSpecs() []Spec {
	return []Spec{
		{Name: "deals", Kind: crm.KindDeals, Preset: "maven", Path: filepath.Join(mavenDir, "sales_pipeline.csv")},
		{Name: "teams", Kind: crm.KindPeople, Preset: "maven", Path: filepath.Join(mavenDir, "sales_teams.csv")},
		{Name: "people", Kind: crm.KindPeople, Preset: "maven", Path: filepath.Join(mavenDir, "people.csv")},
		{Name: "products", Kind: KindProducts, Preset: "maven", Path: filepath.Join(mavenDir, "products.csv")},
	}
}

func loadMaven(t *testing.T) *crm.Dataset {
	t.Helper()
	ds, err := Load(context.Background(), mavenSpecs(), Options{Currency: "USD"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return ds
}

// TestMaven checks the facts SOURCE.md lists against what Load made of
// the real export.
func TestMaven(t *testing.T) {
	ds := loadMaven(t)
	q := ds.Quality[0]
	if q.RowsRead != 8800 || q.RowsAccepted != 8800 || q.RowsSetAside != 0 {
		t.Errorf("deals: read %d accepted %d set aside %d (%v), want all 8,800 accepted", q.RowsRead, q.RowsAccepted, q.RowsSetAside, q.SetAside)
	}
	if len(q.UnknownOwners) != 0 {
		t.Errorf("unknown owners %v, want none", q.UnknownOwners)
	}
	if q.First.String() != "2016-10-20" || q.Last.String() != "2017-12-31" {
		t.Errorf("date range %s..%s, want 2016-10-20..2017-12-31", q.First, q.Last)
	}

	stages := map[string]int{}
	status := map[crm.Status]int{}
	var wonTotal float64
	noCreated, noAmount := 0, 0
	for _, d := range ds.Deals {
		stages[ds.Stages.Name(d.Stage)]++
		status[d.Status]++
		if d.Status == crm.StatusWon {
			wonTotal += d.Amount
		}
		if !d.Created.Valid() {
			noCreated++
		}
		if !crm.Has(d.Amount) {
			noAmount++
		}
		if d.Status == crm.StatusLost && d.Amount != 0 {
			t.Errorf("lost deal %s has amount %v, want 0", d.ID, d.Amount)
		}
	}
	want := map[string]int{"Won": 4238, "Lost": 2473, "Engaging": 1589, "Prospecting": 500}
	for s, n := range want {
		if stages[s] != n {
			t.Errorf("stage %s: %d deals, want %d", s, stages[s], n)
		}
	}
	if status[crm.StatusWon] != 4238 || status[crm.StatusLost] != 2473 || status[crm.StatusOpen] != 2089 {
		t.Errorf("statuses %v", status)
	}
	if wonTotal != 10005534 {
		t.Errorf("won total %.0f, want 10,005,534", wonTotal)
	}
	if rate := float64(status[crm.StatusWon]) / float64(status[crm.StatusWon]+status[crm.StatusLost]); math.Abs(rate-0.6315) > 0.00005 {
		t.Errorf("win rate %.4f, want 0.6315", rate)
	}
	if noCreated != 500 || noAmount != 2089 {
		t.Errorf("blank engage dates %d (want 500), blank values %d (want 2,089): blanks must stay absent", noCreated, noAmount)
	}

	// Won revenue per manager and office, through the people directory.
	people := map[string]crm.Person{}
	for _, p := range ds.People {
		people[p.Name] = p
	}
	byTeam, byRegion := map[string]float64{}, map[string]float64{}
	for _, d := range ds.Deals {
		if d.Status != crm.StatusWon {
			continue
		}
		p, ok := people[ds.Owners.Name(d.Owner)]
		if !ok {
			t.Fatalf("owner %q not in the directory", ds.Owners.Name(d.Owner))
		}
		byTeam[p.Team] += d.Amount
		byRegion[p.Region] += d.Amount
	}
	wantTeam := map[string]float64{"Melvin Marxen": 2251930, "Summer Sewald": 1964750, "Rocco Neubert": 1960545,
		"Celia Rouche": 1603897, "Cara Losch": 1130049, "Dustin Brinkmann": 1094363}
	wantRegion := map[string]float64{"West": 3568647, "Central": 3346293, "East": 3090594}
	for k, v := range wantTeam {
		if byTeam[k] != v {
			t.Errorf("won revenue of team %s: %.0f, want %.0f", k, byTeam[k], v)
		}
	}
	for k, v := range wantRegion {
		if byRegion[k] != v {
			t.Errorf("won revenue of %s: %.0f, want %.0f", k, byRegion[k], v)
		}
	}

	// Closed deals per close month.
	months := map[string]int{}
	for _, d := range ds.Deals {
		if d.Closed.Valid() {
			months[d.Closed.String()[:7]]++
		}
	}
	wantMonths := []int{647, 586, 805, 641, 627, 785, 635, 566, 768, 651}
	for i, n := range wantMonths {
		m := time.Date(2017, time.Month(3+i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		if months[m] != n {
			t.Errorf("closed in %s: %d, want %d", m, months[m], n)
		}
	}
}

func TestMavenPeople(t *testing.T) {
	ds := loadMaven(t)
	roles := map[crm.Role]int{}
	offices := map[string]int{}
	owners := map[string]bool{}
	for _, d := range ds.Deals {
		owners[ds.Owners.Name(d.Owner)] = true
	}
	var idle []string
	for _, p := range ds.People {
		roles[p.Role]++
		if p.Role == crm.RoleRep {
			offices[p.Region]++
			if !owners[p.Name] {
				idle = append(idle, p.Name)
			}
			if p.Team == "" || p.Email == "" || p.Locale == "" || p.TimeZone == "" {
				t.Errorf("rep %+v lacks a team, email, locale or zone", p)
			}
		}
	}
	if roles[crm.RoleRep] != 35 || roles[crm.RoleManager] != 6 || roles[crm.RoleDirector] != 4 {
		t.Errorf("roles %v, want 35 reps, 6 managers, 4 directors", roles)
	}
	if offices["Central"] != 11 || offices["East"] != 12 || offices["West"] != 12 {
		t.Errorf("reps per office %v", offices)
	}
	slices.Sort(idle)
	wantIdle := []string{"Carl Lin", "Carol Thompson", "Elizabeth Anderson", "Mei-Mei Johns", "Natalya Ivanova"}
	if !slices.Equal(idle, wantIdle) {
		t.Errorf("agents without deals %v, want %v", idle, wantIdle)
	}
	if len(owners) != 30 {
		t.Errorf("%d owners, want 30", len(owners))
	}
	if ds.Catalogue != 7 {
		t.Errorf("catalogue %d, want 7", ds.Catalogue)
	}
	if !ds.HasField(crm.KindDeals, "amount") || ds.HasField(crm.KindDeals, "margin") || ds.HasKind(crm.KindActivities) {
		t.Errorf("fields %v: want amount, no margin, no activities", ds.Fields)
	}
}

// TestMavenGTXPro keeps the export's product name as data, and shows the
// alias a config can add.
func TestMavenGTXPro(t *testing.T) {
	specs := mavenSpecs()
	specs[0].Values = map[string]map[string]string{"product": {"GTXPro": "GTX Pro"}}
	ds, err := Load(context.Background(), specs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ds.Products.Lookup("GTXPro"); ok {
		t.Errorf("GTXPro still a product after the alias")
	}
	plain := loadMaven(t)
	if _, ok := plain.Products.Lookup("GTXPro"); !ok {
		t.Errorf("without an alias the export's GTXPro should stay as written")
	}
}
