package demo

import (
	"bytes"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/xuri/excelize/v2"
)

func TestDeterministic(t *testing.T) {
	var a, b, c bytes.Buffer
	if err := Write(&a, Build(Options{})); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, Build(Options{Seed: 1})); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same options gave different workbooks")
	}
	if err := Write(&c, Build(Options{Seed: 2})); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("another seed gave the same workbook")
	}
}

func TestGenerateDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.xlsx")
	if err := Generate(path, Options{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// The default workbook is committed as the root config's demo data.
	if fi.Size() > 512<<10 {
		t.Errorf("default demo workbook is %d bytes, want at most 512 KiB", fi.Size())
	}
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, SheetNames) {
		t.Fatalf("sheets %q, want %q", got, SheetNames)
	}
	d := Build(Options{})
	for i, name := range SheetNames {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], sheetColumns[i]) {
			t.Errorf("sheet %s: header %q, want %q", name, rows[0], sheetColumns[i])
		}
		if want := rowCount(d.Dataset, SheetKinds[i]); len(rows)-1 != want {
			t.Errorf("sheet %s: %d data rows, want %d", name, len(rows)-1, want)
		}
	}
	// A deal row as written: an Excel date serial, the owner's name.
	rows, _ := f.GetRows("deals", excelize.Options{RawCellValue: true})
	deal := d.Deals[0]
	if rows[1][0] != deal.ID || rows[1][1] != d.Owners.Name(deal.Owner) {
		t.Errorf("first deal row %q, want id %s owner %s", rows[1], deal.ID, d.Owners.Name(deal.Owner))
	}
	if want := float64(deal.Created - excelEpoch); rows[1][7] != formatFloat(want) {
		t.Errorf("created serial %q, want %v", rows[1][7], want)
	}
}

// formatFloat writes a number as excelize's stream writer stores it.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func TestOrganisation(t *testing.T) {
	d := Build(Options{})
	roles := map[crm.Role]int{}
	locales := map[string]bool{}
	emails := map[string]bool{}
	byEmail := map[string]crm.Person{}
	for _, p := range d.People {
		roles[p.Role]++
		locales[p.Locale] = true
		if emails[p.Email] {
			t.Errorf("duplicate email %s", p.Email)
		}
		emails[p.Email] = true
		byEmail[p.Email] = p
		if _, err := time.LoadLocation(p.TimeZone); err != nil {
			t.Errorf("%s: zone %q: %v", p.Name, p.TimeZone, err)
		}
	}
	if roles[crm.RoleRep] != 12 || roles[crm.RoleManager] < 3 || roles[crm.RoleDirector] < 3 {
		t.Errorf("roles %v: want 12 reps, a manager per team, a head of sales and regional directors", roles)
	}
	for _, l := range []string{"en", "fr", "es"} {
		if !locales[l] {
			t.Errorf("no person with locale %s", l)
		}
	}
	heads := 0
	for _, p := range d.People {
		switch {
		case p.Role == crm.RoleDirector && p.Region == "":
			heads++
		case p.Manager == "":
			t.Errorf("%s (%s) reports to nobody", p.Name, p.Role)
		case byEmail[p.Manager].Role <= p.Role && p.Role != crm.RoleDirector:
			t.Errorf("%s (%s) reports to %s (%s)", p.Name, p.Role, p.Manager, byEmail[p.Manager].Role)
		}
	}
	if heads != 1 {
		t.Errorf("%d heads of sales, want 1", heads)
	}
	if len(d.Struggling) != 1 || d.NewRep == "" || d.SlumpTeam == "" || d.Story.OnTargetTeam == "" {
		t.Errorf("stories: struggling %v, new rep %q, slump %q", d.Struggling, d.NewRep, d.SlumpTeam)
	}
}

// monthly sums won revenue by close month and owner filter.
func monthly(d *Data, keep func(p *crm.Person) bool) map[string]float64 {
	out := map[string]float64{}
	for _, dl := range d.Deals {
		if dl.Status == crm.StatusWon && keep(&d.People[dl.Owner]) {
			out[monthID(firstOfMonth(dl.Closed))] += dl.Amount
		}
	}
	return out
}

func TestSeasonalityAndStories(t *testing.T) {
	// A larger organisation, so that the patterns stand out of the noise.
	d := Build(Options{Reps: 60})
	all := monthly(d, func(*crm.Person) bool { return true })
	ey, _, _ := d.Options.End.Date()
	for y := ey - 2; y < ey; y++ {
		var year []float64
		for m := 1; m <= 12; m++ {
			year = append(year, all[monthID(crm.DayFromDate(y, time.Month(m), 1))])
		}
		lowest, highest := 0, 0
		for m := range year {
			if year[m] < year[lowest] {
				lowest = m
			}
			if year[m] > year[highest] {
				highest = m
			}
		}
		if lowest != 7 || highest != 11 {
			t.Errorf("%d: lowest month %d, highest %d; want August (8) and December (12): %v", y, lowest+1, highest+1, year)
		}
	}
	// Growth: the last full year above the one before.
	sum := func(y int) float64 {
		s := 0.0
		for m := 1; m <= 12; m++ {
			s += all[monthID(crm.DayFromDate(y, time.Month(m), 1))]
		}
		return s
	}
	if sum(ey-1) <= sum(ey-2) {
		t.Errorf("won revenue %d = %.0f, %d = %.0f: want growth", ey-2, sum(ey-2), ey-1, sum(ey-1))
	}

	// The slumping team: its share of the organisation's revenue over the
	// slump months falls well below its share in the same months a year
	// before.
	inSlump := func(p *crm.Person) bool { return p.Team == d.SlumpTeam }
	team := monthly(d, inSlump)
	share := func(from crm.Day) float64 {
		var t, a float64
		for m := from; m < addMonths(d.SlumpFrom, monthsOfSlump); m = addMonths(m, 1) {
			t += team[monthID(m)]
			a += all[monthID(m)]
		}
		return t / a
	}
	now, before := share(d.SlumpFrom), 0.0
	{
		var t, a float64
		for m := addMonths(d.SlumpFrom, -12); m < addMonths(d.SlumpFrom, -12+monthsOfSlump); m = addMonths(m, 1) {
			t += team[monthID(m)]
			a += all[monthID(m)]
		}
		before = t / a
	}
	if now > 0.75*before {
		t.Errorf("slumping team's share of won revenue %.3f, a year before %.3f: want a drop of a quarter or more", now, before)
	}

	// The struggling rep, the team's best seller before, does far fewer
	// activities during the struggle than in as many days of June and
	// July (months of an average season) before it; the new rep has
	// almost no history.
	actsDuring, actsBefore := map[crm.ID]int{}, map[crm.ID]int{}
	days := d.Options.End - d.StruggleFrom + 1
	june := crm.DayFromDate(ey, time.June, 1)
	for _, a := range d.Activities {
		switch {
		case a.Due >= d.StruggleFrom && a.Due <= d.Options.End:
			actsDuring[a.Owner]++
		case a.Due >= june && a.Due < june+days:
			actsBefore[a.Owner]++
		}
	}
	struggling := map[string]bool{}
	for _, e := range d.Struggling {
		struggling[e] = true
	}
	for i, p := range d.People {
		if struggling[p.Email] && float64(actsDuring[crm.ID(i)]) > 0.6*float64(actsBefore[crm.ID(i)]) {
			t.Errorf("struggling rep %s did %d activities during the struggle, %d in as many days from June", p.Email, actsDuring[crm.ID(i)], actsBefore[crm.ID(i)])
		}
		if p.Email == d.NewRep {
			deals := 0
			for _, dl := range d.Deals {
				if dl.Owner == crm.ID(i) {
					deals++
				}
			}
			if deals > 10 || actsDuring[crm.ID(i)] > 40 {
				t.Errorf("new rep has %d deals and %d activities: want almost no history", deals, actsDuring[crm.ID(i)])
			}
		}
	}
}

func TestAlertsPresent(t *testing.T) {
	d := Build(Options{})
	end := d.Options.End
	var overdue, upcoming, pastDue, open, renewals, margins int
	for _, a := range d.Activities {
		switch {
		case !a.IsDone() && a.Due < end:
			overdue++
		case !a.IsDone() && a.Due > end && a.Due <= end+7:
			upcoming++
		case a.IsDone() && a.DoneAt > end:
			t.Errorf("activity %s done after the end, on %v", a.ID, a.DoneAt)
		}
	}
	for _, dl := range d.Deals {
		if dl.Created > end || dl.Closed.Valid() && dl.Closed > end {
			t.Errorf("deal %s created %v closed %v after the end %v", dl.ID, dl.Created, dl.Closed, end)
		}
		if dl.Status == crm.StatusOpen {
			open++
			if dl.ExpectedClose < end {
				pastDue++
			}
		}
		if dl.Kind == crm.KindRenewal {
			renewals++
		}
		if dl.Margin > 0 && dl.Margin < dl.Amount {
			margins++
		}
	}
	if overdue == 0 || upcoming == 0 || pastDue == 0 || open == 0 || renewals == 0 || margins != len(d.Deals) {
		t.Errorf("overdue %d, upcoming %d, past-due deals %d, open %d, renewals %d, margins %d of %d: want some of each",
			overdue, upcoming, pastDue, open, renewals, margins, len(d.Deals))
	}
}

// BenchmarkBuildLarge builds the 2,000-rep organisation the kpi and daemon
// benchmarks use: 3 years, about 500,000 deals and 5,000,000 activities.
//
//	go test ./demo -run '^$' -bench BuildLarge -benchtime 1x -benchmem
func BenchmarkBuildLarge(b *testing.B) {
	for range b.N {
		d := Build(LargeOptions(2000))
		b.ReportMetric(float64(len(d.Deals)), "deals")
		b.ReportMetric(float64(len(d.Activities)), "activities")
	}
}

// Every generated address must parse: a large organisation runs out of
// plain first+last names and adds middle initials.
func TestLargeOrgEmailsAreValid(t *testing.T) {
	d := Build(Options{Reps: 2000, Years: 1, ActivityMonths: 1})
	for _, p := range d.People {
		if _, err := mail.ParseAddress(p.Email); err != nil {
			t.Fatalf("%s: invalid email %q: %v", p.Name, p.Email, err)
		}
	}
}

// TestSummerDipEveryTeam: in the default organisation (the bundled demo)
// August is every team's lowest month of won revenue in every year of the
// history, the months of End's year up to the last full one included: the
// trough the story plants is visible team by team, not only in the sum.
func TestSummerDipEveryTeam(t *testing.T) {
	d := Build(Options{})
	ey, em, _ := d.Options.End.Date()
	teams := map[string]bool{}
	for _, p := range d.People {
		if p.Role == crm.RoleRep {
			teams[p.Team] = true
		}
	}
	sy, _, _ := d.Start.Date()
	checked := 0
	for team := range teams {
		won := monthly(d, func(p *crm.Person) bool { return p.Team == team })
		for y := sy + 1; y <= ey; y++ {
			last := time.December
			if y == ey {
				last = em - 1
			}
			aug := won[monthID(crm.DayFromDate(y, time.August, 1))]
			for m := time.January; m <= last; m++ {
				if v := won[monthID(crm.DayFromDate(y, m, 1))]; m != time.August && v <= aug {
					t.Errorf("%s, %d: %s won %.0f, August %.0f: want August the lowest month", team, y, m, v, aug)
				}
			}
			checked++
		}
	}
	if checked < 3*len(teams) {
		t.Fatalf("checked %d team-years, want three for each of %d teams", checked, len(teams))
	}
}
