package report

import (
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// TestDiagnosisPeriodSaysWhy: the note under a manager's rep table says
// why the shorter periods were passed over, with the reason that holds.
// On Maven (14 months of history) no period has a seasonal expectation
// although the week already expects 8 won deals or more for some teams:
// the note and the headline say "not enough history", never that the team
// expects too few deals. On the demo the week is passed over for too few
// expected won deals, and the note gives that number as the week's
// expectation (kpi) prints it.
func TestDiagnosisPeriodSaysWhy(t *testing.T) {
	ds := maven(t)
	s := ss2(t, ds, KindManager, mavenPeriods[KindManager], Options{Now: mavenNow})
	weekDeals := 0
	for _, p := range Recipients(ds, KindManager) {
		q := *p
		q.Locale = "en"
		d, err := s.Digest(&q)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Headline, "Not enough history to judge the team yet.") {
			t.Errorf("Maven %s: headline %q does not say the want of history", p.Email, d.Headline)
		}
		note := paragraphWith(d, "No period can be judged yet")
		if !strings.Contains(note, "Last week, month to date, quarter to date: no seasonal expectation for the team yet (two full years of history are needed).") ||
			strings.Contains(note, "too few won deals") {
			t.Errorf("Maven %s: note %q", p.Email, note)
		}
		team := s.main.Scope(kpi.ScopeTeam, teamOfManager(ds, p))
		if v := team.Values[kpi.WonDeals]; v != nil && v.Usual >= kpi.MinTeamDeals {
			weekDeals++
		}
	}
	if weekDeals == 0 {
		t.Errorf("no Maven team expects %d won deals in the week: the test cannot tell the reasons apart", kpi.MinTeamDeals)
	}
	demoSet := sets(t)[KindManager]
	for _, p := range Recipients(demoData().Dataset, KindManager) {
		q := *p
		q.Locale = "en"
		d, err := demoSet.Digest(&q)
		if err != nil {
			t.Fatal(err)
		}
		// The week's expected won deals: the seasonal expectation, else
		// the usual level (kpi.Diagnose's rule).
		v := demoSet.main.Scope(kpi.ScopeTeam, teamOfManager(demoData().Dataset, p)).Values[kpi.WonDeals]
		exp := v.Usual
		if v.Baseline.Method == kpi.MethodSeasonal {
			exp = v.Baseline.Value
		}
		if exp >= kpi.MinTeamDeals {
			t.Fatalf("demo %s: the team expects %.1f won deals in the week", p.Email, exp)
		}
		want := "The period of the table and of the diagnosis: month to date, the shortest one that can be judged. Last week: too few won deals expected for the team (" +
			d.loc.Number(exp, 1) + "; at least 8 are needed)."
		if note := paragraphWith(d, "The period of the table"); note != want {
			t.Errorf("demo %s: note %q, want %q", p.Email, note, want)
		}
	}
}

// paragraphWith returns the first paragraph of d that starts with prefix.
func paragraphWith(d *Digest, prefix string) string {
	for _, bl := range d.Blocks {
		if strings.HasPrefix(bl.Paragraph, prefix) {
			return bl.Paragraph
		}
	}
	return ""
}

// teamOfManager is the team a manager leads: the team of the people who
// report to them.
func teamOfManager(ds *crm.Dataset, m *crm.Person) string {
	for _, p := range ds.People {
		if p.Role == crm.RoleRep && p.Manager == m.Name && p.Team != "" {
			return p.Team
		}
	}
	return m.Team
}
