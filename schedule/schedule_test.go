package schedule

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// The three schedules the root config.yaml ships.
var (
	repsWeekly = Spec{Name: "reps-weekly", Report: "rep", Recipients: Recipients{Role: "rep"},
		Cron: "0 7 * * MON", TimeZone: "recipient", Period: LastWeek}
	managersWeekly = Spec{Name: "managers-weekly", Report: "manager", Recipients: Recipients{Role: "manager"},
		Cron: "0 8 * * MON", TimeZone: "recipient", Period: LastWeek}
	directorsMonthly = Spec{Name: "directors-monthly", Report: "director", Recipients: Recipients{Role: "director"},
		Cron: "0 8 1 * *", TimeZone: "recipient", Period: LastMonth}
)

func mustCompile(t testing.TB, spec Spec, org *time.Location) *Schedule {
	t.Helper()
	s, err := Compile(spec, org)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCompileErrors(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	ok := Spec{Name: "s", Report: "rep", Cron: "0 7 * * MON", Period: LastWeek}
	for _, tc := range []struct {
		edit func(*Spec)
		err  string
	}{
		{func(s *Spec) {}, ""},
		{func(s *Spec) { s.TimeZone = "recipient" }, ""},
		{func(s *Spec) { s.TimeZone = "Asia/Tokyo" }, ""},
		{func(s *Spec) { s.Name = "" }, "no name"},
		{func(s *Spec) { s.Report = "ceo" }, `report "ceo"`},
		{func(s *Spec) { s.Recipients.Role = "intern" }, `role "intern"`},
		{func(s *Spec) { s.Period = "last_fortnight" }, `period "last_fortnight"`},
		{func(s *Spec) { s.Cron = "0 0 7 * * MON" }, "seconds"},
		{func(s *Spec) { s.Cron = "TZ=Asia/Tokyo 0 7 * * MON" }, "timezone:"},
		{func(s *Spec) { s.TimeZone = "Mars/Olympus" }, "timezone"},
	} {
		spec := ok
		tc.edit(&spec)
		_, err := Compile(spec, paris)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%+v: %v", spec, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%+v: err = %v, want %q", spec, err, tc.err)
		}
	}
	if _, err := Compile(ok, nil); err == nil {
		t.Error("no organisation zone: accepted")
	}
}

// firingStrings shows firings as "zone local-wall-time period".
func firingStrings(fs []Firing) []string {
	var out []string
	for _, f := range fs {
		loc, _ := time.LoadLocation(f.Zone)
		out = append(out, f.Zone+" "+f.At.In(loc).Format(wallLayout)+" "+f.Period.ID())
	}
	return out
}

func TestFiringsRecipientZones(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	people := []crm.Person{
		{Name: "Ann", Email: "ann@example.com", Role: crm.RoleRep, TimeZone: "America/Los_Angeles"},
		{Name: "Bob", Email: "bob@example.com", Role: crm.RoleRep, TimeZone: "America/New_York"},
		{Name: "Kei", Email: "kei@example.com", Role: crm.RoleRep, TimeZone: "Asia/Tokyo"},
		{Name: "Lou", Email: "lou@example.com", Role: crm.RoleRep},                           // no zone: organisation's
		{Name: "Max", Email: "max@example.com", Role: crm.RoleRep, TimeZone: "Mars/Olympus"}, // unknown: organisation's
		{Name: "Ned", Email: "ned@example.com", Role: crm.RoleRep, TimeZone: "America/New_York"},
		{Name: "Dee", Email: "dee@example.com", Role: crm.RoleDirector, TimeZone: "America/New_York"},
	}
	s := mustCompile(t, repsWeekly, paris)
	recipients := Select(people, repsWeekly.Recipients, repsWeekly.Report)
	zones := s.Zones(recipients)
	if want := []string{"America/Los_Angeles", "America/New_York", "Asia/Tokyo", "Europe/Paris"}; !slices.Equal(zones, want) {
		t.Fatalf("Zones = %q, want %q", zones, want)
	}
	if z := s.RecipientZone(people[4]); z != "Europe/Paris" {
		t.Errorf("unknown zone maps to %s, want the organisation's", z)
	}
	from := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	got := firingStrings(s.Firings(from, to, zones))
	// Monday 07:00 in each zone, ordered by instant; every one of them,
	// Tokyo's included (still Sunday 23:00 in Paris), covers the same week.
	want := []string{
		"Asia/Tokyo 2026-11-23T07:00+09:00 2026-W47",
		"Europe/Paris 2026-11-23T07:00+01:00 2026-W47",
		"America/New_York 2026-11-23T07:00-05:00 2026-W47",
		"America/Los_Angeles 2026-11-23T07:00-08:00 2026-W47",
	}
	if !slices.Equal(got, want) {
		t.Errorf("firings:\n got %q\nwant %q", got, want)
	}
	// Zones passed with repeats and unknown names give the same firings.
	messy := []string{"Asia/Tokyo", "", "Mars/Olympus", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"}
	if again := firingStrings(s.Firings(from, to, messy)); !slices.Equal(again, want) {
		t.Errorf("messy zones:\n got %q\nwant %q", again, want)
	}
	// No recipient, no firing.
	if fs := s.Firings(from, to, nil); len(fs) != 0 {
		t.Errorf("no zones: %d firings", len(fs))
	}
}

func TestFiringsFixedZone(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	spec := directorsMonthly
	spec.TimeZone = ""
	s := mustCompile(t, spec, paris)
	from := time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)
	to := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	// The zones argument is ignored: the organisation's zone fires once.
	got := s.Firings(from, to, []string{"Asia/Tokyo", "America/New_York"})
	want := []string{
		"Europe/Paris 2026-10-01T08:00+02:00 2026-09",
		"Europe/Paris 2026-11-01T08:00+01:00 2026-10",
		"Europe/Paris 2026-12-01T08:00+01:00 2026-11",
		"Europe/Paris 2027-01-01T08:00+01:00 2026-12",
	}
	if g := firingStrings(got); !slices.Equal(g, want) {
		t.Errorf("firings:\n got %q\nwant %q", g, want)
	}
	f := got[1]
	if f.Schedule != "directors-monthly" || f.Report != "director" || f.Start.String() != "2026-10-01" || f.End.String() != "2026-10-31" {
		t.Errorf("firing = %+v", f)
	}
	if k := f.Key(); k != "directors-monthly|Europe/Paris|2026-11-01T07:00:00Z" {
		t.Errorf("Key = %s", k)
	}
	if f.At.Location() != time.UTC {
		t.Errorf("At is in %s, want UTC", f.At.Location())
	}

	spec.TimeZone = "America/New_York"
	ny := mustCompile(t, spec, paris)
	if zones := ny.Zones([]crm.Person{{TimeZone: "Asia/Tokyo"}}); !slices.Equal(zones, []string{"America/New_York"}) {
		t.Errorf("fixed-zone Zones = %q", zones)
	}
	if z := ny.RecipientZone(crm.Person{TimeZone: "Asia/Tokyo"}); z != "America/New_York" {
		t.Errorf("fixed-zone RecipientZone = %s", z)
	}
	next := ny.In("Asia/Tokyo").Next(from)
	if want := time.Date(2026, 10, 1, 8, 0, 0, 0, mustLoad(t, "America/New_York")); !next.Equal(want) {
		t.Errorf("In(...).Next = %s, want %s", next, want)
	}
}

// TestFiringsRecipientDST: a schedule at 02:30 in recipient mode fires
// once in each zone on each zone's own DST nights.
func TestFiringsRecipientDST(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	spec := Spec{Name: "night", Report: "rep", Cron: "30 2 * * SUN", TimeZone: "recipient", Period: LastWeek}
	s := mustCompile(t, spec, paris)
	zones := []string{"Europe/Paris", "America/New_York"}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	count := map[string]int{}
	shifted := map[string]string{}
	for _, f := range s.Firings(from, to, zones) {
		count[f.Zone]++
		loc := mustLoad(t, f.Zone)
		if l := f.At.In(loc); l.Format("15:04") != "02:30" {
			shifted[f.Zone] = l.Format(wallLayout)
		}
	}
	// March 2026 has five Sundays (1, 8, 15, 22, 29).
	if count["Europe/Paris"] != 5 || count["America/New_York"] != 5 {
		t.Errorf("firings per zone = %v, want 5 each", count)
	}
	if shifted["Europe/Paris"] != "2026-03-29T03:00+02:00" || shifted["America/New_York"] != "2026-03-08T03:00-04:00" {
		t.Errorf("shifted firings = %v", shifted)
	}
}
