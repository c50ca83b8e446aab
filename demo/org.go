package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// region is a sales region with the language and time zone of its people.
type region struct {
	name, locale, zone string
	cities             []string
	first, last        []string
	companySuffix      []string
}

var regions = []region{
	{
		name: "France", locale: "fr", zone: "Europe/Paris",
		cities: []string{"Paris", "Lyon", "Lille", "Bordeaux", "Nantes", "Marseille", "Toulouse", "Strasbourg"},
		first: []string{"Françoise", "Hélène", "Léa", "Chloé", "Élodie", "Amélie", "Zoé", "Inès", "Mathilde", "Camille",
			"François", "Jérôme", "Cédric", "Loïc", "Noël", "Rémi", "Benoît", "Étienne", "Raphaël", "Thibault"},
		last: []string{"Marchand", "Lefèvre", "Moreau", "Dubois", "Girard", "Bérenger", "Mercier", "Fontaine", "Rousseau", "Lemaître",
			"Chevalier", "Garnier", "Faure", "Boucher", "Gauthier", "Perrin", "Leclerc", "Benoît", "Dupré", "Thébault"},
		companySuffix: []string{"SARL", "SA", "SAS"},
	},
	{
		name: "Iberia", locale: "es", zone: "Europe/Madrid",
		cities: []string{"Madrid", "Barcelona", "Sevilla", "Valencia", "Bilbao", "Málaga", "Zaragoza", "Lisboa"},
		first: []string{"María", "Lucía", "Sofía", "Begoña", "Inés", "Ángela", "Nuria", "Mónica", "Pilar", "Raquel",
			"José", "Álvaro", "Iñaki", "Andrés", "Jesús", "Rubén", "Joaquín", "Ramón", "Sebastián", "Víctor"},
		last: []string{"Núñez", "García", "Muñoz", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Jiménez", "Fernández",
			"Ibáñez", "Domínguez", "Castaño", "Ortiz", "Vázquez", "Rodríguez", "Peña", "Cortés", "Álvarez", "Giménez"},
		companySuffix: []string{"S.L.", "S.A.", "S.L.U."},
	},
	{
		name: "North America", locale: "en", zone: "America/New_York",
		cities: []string{"New York", "Boston", "Toronto", "Chicago", "Atlanta", "Philadelphia", "Montréal", "Washington"},
		first: []string{"Emily", "Sarah", "Jessica", "Olivia", "Megan", "Hannah", "Grace", "Chloe", "Abigail", "Zoë",
			"Michael", "David", "James", "Daniel", "Ryan", "Tyler", "Brandon", "Kevin", "Jürgen", "Nathan"},
		last: []string{"Müller", "Smith", "Johnson", "O'Brien", "Williams", "Brown", "Miller", "Davis", "Wilson", "Anderson",
			"Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Schäfer"},
		companySuffix: []string{"Inc.", "LLC", "Corp."},
	},
}

// companyWords make account names, with the region's legal suffix.
var companyWords = [2][]string{
	{"Alpine", "Atlas", "Azur", "Boréal", "Cobalt", "Delta", "Écho", "Falcon", "Granite", "Horizon", "Iris", "Jade",
		"Kestrel", "Lumière", "Meridian", "Nova", "Orion", "Polaris", "Quartz", "Riviera", "Sierra", "Tundra", "Vega", "Zénith"},
	{"Logistics", "Foods", "Pharma", "Textiles", "Energy", "Systems", "Retail", "Media", "Robotics", "Hospitality",
		"Insurance", "Motors", "Chemicals", "Studios", "Telecom", "Analytics", "Construction", "Labs", "Partners", "Outdoor"},
}

// team is one manager's team.
type team struct {
	name    string
	region  int
	manager int // index into People
	reps    []int
	slump   bool
}

// rep is what the generator knows about a rep beyond the directory entry.
type rep struct {
	person     int // index into People, and owner id
	team       int
	skill      float64 // multiplies volume and win rate
	hired      crm.Day // NoDay: there before the history starts
	struggling bool
	accounts   []int // indexes into generator.accounts
	// winCredit carries each rep's unspent win probability from deal to
	// deal (new business, renewals): see generator.wins.
	winCredit [2]float64
}

// asciiFold makes an email's local part from a name.
var asciiFold = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ä", "a", "ç", "c", "è", "e", "é", "e", "ê", "e", "ë", "e",
	"í", "i", "î", "i", "ï", "i", "ñ", "n", "ó", "o", "ô", "o", "ö", "o", "ú", "u", "ù", "u", "ü", "u",
	"Á", "a", "É", "e", "Í", "i", "Ó", "o", "Ú", "u", "Ñ", "n", "Ç", "c", "'", "", " ", ".",
)

// org builds the organisation: people (directors, managers, reps, in that
// order), teams and reps.
func (g *generator) org() {
	o := g.opt
	nTeams := min(o.Reps, max(3, (o.Reps+2)/5))
	nRegions := min(3, nTeams)
	usedNames := make(map[string]bool)
	usedEmails := make(map[string]bool)
	add := func(reg int, role crm.Role, manager, teamName, regionName string) int {
		rg := regions[reg]
		var name string
		for try := 0; ; try++ {
			name = rg.first[g.r.IntN(len(rg.first))] + " " + rg.last[g.r.IntN(len(rg.last))]
			if try > 20 {
				name = fmt.Sprintf("%s %c. %s", rg.first[g.r.IntN(len(rg.first))], 'A'+rune(g.r.IntN(26)), rg.last[g.r.IntN(len(rg.last))])
			}
			if !usedNames[name] {
				break
			}
		}
		usedNames[name] = true
		local := strings.ToLower(asciiFold.Replace(strings.ToLower(name)))
		// "Abigail A. Martin" folds to "abigail.a..martin": a dot-atom
		// may not hold two dots in a row (RFC 5322).
		for strings.Contains(local, "..") {
			local = strings.ReplaceAll(local, "..", ".")
		}
		email := local + "@example.com"
		for n := 2; usedEmails[email]; n++ {
			email = fmt.Sprintf("%s%d@example.com", local, n)
		}
		usedEmails[email] = true
		g.ds.People = append(g.ds.People, crm.Person{
			Name: name, Email: email, Role: role, Manager: manager, Team: teamName,
			Region: regionName, Locale: rg.locale, TimeZone: rg.zone,
		})
		return len(g.ds.People) - 1
	}

	head := add(0, crm.RoleDirector, "", "", "")
	headEmail := g.ds.People[head].Email
	directors := make([]int, nRegions)
	for i := range directors {
		directors[i] = add(i, crm.RoleDirector, headEmail, "", regions[i].name)
	}
	cityUse := make([]int, nRegions)
	for t := range nTeams {
		reg := t % nRegions
		city := regions[reg].cities[cityUse[reg]%len(regions[reg].cities)]
		if n := cityUse[reg] / len(regions[reg].cities); n > 0 {
			city = fmt.Sprintf("%s %d", city, n+1)
		}
		cityUse[reg]++
		name := city
		m := add(reg, crm.RoleManager, g.ds.People[directors[reg]].Email, name, regions[reg].name)
		g.teams = append(g.teams, team{name: name, region: reg, manager: m})
	}
	// The slump hits the first team; the second holds the two struggling
	// reps; the last team gets the new rep.
	g.teams[0].slump = true
	for i := range o.Reps {
		t := i % nTeams
		tm := &g.teams[t]
		reg := tm.region
		// A few reps live in another region's language, as in any
		// international team.
		if g.r.IntN(10) == 0 {
			reg = g.r.IntN(len(regions))
		}
		p := add(reg, crm.RoleRep, g.ds.People[tm.manager].Email, tm.name, regions[tm.region].name)
		g.ds.People[p].TimeZone = regions[tm.region].zone
		tm.reps = append(tm.reps, len(g.reps))
		g.reps = append(g.reps, rep{person: p, team: t, skill: 0.75 + 0.5*g.r.Float64(), hired: crm.NoDay})
	}
	if nTeams > 1 && len(g.teams[1].reps) > 0 {
		ri := g.teams[1].reps[0]
		g.reps[ri].struggling = true
		g.reps[ri].skill = struggleSkill
		g.data.Struggling = append(g.data.Struggling, g.ds.People[g.reps[ri].person].Email)
	}
	if last := &g.teams[nTeams-1]; nTeams > 2 && len(last.reps) > 1 {
		nr := last.reps[len(last.reps)-1]
		g.reps[nr].hired = o.End - newRepDaysOfWork
		g.data.NewRep = g.ds.People[g.reps[nr].person].Email
	}
	g.data.SlumpTeam = g.teams[0].name
	st := Story{DeclineTeam: g.data.SlumpTeam, DeclineFrom: g.data.SlumpFrom, DeclineVolume: slumpVolume, DeclineWin: slumpWin, DeclineAmount: slumpAmount,
		Struggling: g.data.Struggling, StruggleFrom: g.data.StruggleFrom, StruggleVolume: struggleVolume, StruggleWin: struggleWin,
		StruggleActivity: struggleActivity, DipMonth: dipMonth, DipFactor: season[dipMonth], NewRep: g.data.NewRep, NewRepDays: newRepDaysOfWork}
	if len(st.Struggling) > 0 {
		st.StrugglingTeam = g.teams[1].name
	}
	if nTeams > 2 {
		st.OnTargetTeam = g.teams[nTeams-1].name
	}
	g.data.Story = st
	for i := range g.ds.People {
		g.ds.Owners.Intern(g.ds.People[i].Name)
	}
}

// accountsFor gives each rep a portfolio of accounts in their region.
func (g *generator) accountsFor() {
	used := make(map[string]bool)
	for ri := range g.reps {
		rp := &g.reps[ri]
		reg := g.teams[rp.team].region
		n := 20 + g.r.IntN(10)
		for range n {
			var name string
			for try := 0; ; try++ {
				suffix := regions[reg].companySuffix[g.r.IntN(3)]
				name = companyWords[0][g.r.IntN(len(companyWords[0]))] + " " + companyWords[1][g.r.IntN(len(companyWords[1]))] + " " + suffix
				if try > 10 {
					name = fmt.Sprintf("%s %s %d %s", companyWords[0][g.r.IntN(len(companyWords[0]))], companyWords[1][g.r.IntN(len(companyWords[1]))], g.r.IntN(1000), suffix)
				}
				if !used[name] {
					break
				}
			}
			used[name] = true
			rp.accounts = append(rp.accounts, len(g.accounts))
			g.accounts = append(g.accounts, account{id: g.ds.Accounts.Intern(name), size: sizeOf(g.r)})
		}
	}
}

// account is a customer: its size scales deal amounts, and owned records
// which products it buys (bit i for product i), for cross-selling.
type account struct {
	id    crm.ID
	size  float64
	owned uint16
}

func sizeOf(r *rand.Rand) float64 {
	// Mostly small and mid-sized companies, a few large ones.
	switch x := r.Float64(); {
	case x < 0.6:
		return 0.8 + 0.3*r.Float64()
	case x < 0.9:
		return 1.1 + 0.4*r.Float64()
	default:
		return 1.5 + 0.5*r.Float64()
	}
}
