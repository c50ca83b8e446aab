package report

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// TestTargetsRollUp checks the director's target for the organisation
// and its regions, which have no targets of their own in the demo: the
// sum of the team targets of the month, read from the targets rows here,
// and said so; and, once one team's targets are taken out, no target at
// all but "targets for N-1 of N teams".
func TestTargetsRollUp(t *testing.T) {
	ds := demoData().Dataset
	month := "2026-10"
	teamTarget := map[string]float64{}
	for _, tg := range ds.Targets {
		if tg.Scope == crm.TargetOrg || tg.Scope == crm.TargetRegion {
			t.Fatalf("the demo sets a %v target: the test needs levels without", tg.Scope)
		}
		if tg.Scope == crm.TargetTeam && tg.Metric == kpi.WonRevenue && tg.Period == month {
			teamTarget[tg.Key] += tg.Value
		}
	}
	s, err := NewSet(ds, KindDirector, pid(month), crm.DayFromDate(2026, time.November, 1), demoOptions())
	if err != nil {
		t.Fatal(err)
	}
	org := s.main.Scope(kpi.ScopeOrg, kpi.OrgKey)
	want := 0.0
	for _, k := range org.Teams {
		v, ok := teamTarget[k]
		if !ok {
			t.Fatalf("team %q has no target in %s", k, month)
		}
		want += v
	}
	v := org.Values[kpi.WonRevenue]
	if math.Abs(v.Target-want) > 0.5 || v.TargetCover.Source != kpi.TargetSumTeams {
		t.Fatalf("organisation target %v (%v), want the teams' sum %v", v.Target, v.TargetCover, want)
	}
	director := person(t, ds, "francois.marchand@example.com")
	en := *director
	en.Locale = "en"
	d, err := s.Digest(&en)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Headline, "below target (sum of team targets)") && !strings.Contains(d.Headline, "above target (sum of team targets)") ||
		!strings.Contains(blockText(d), "the sum of team targets (none set at this level)") {
		t.Errorf("the organisation's target is not said to be the sum of team targets:\n%s", blockText(d))
	}

	// Without one team's targets (its own and its reps'), no level above
	// it has a target, and the digest says how many teams have one.
	dropped := org.Teams[0]
	members := map[string]bool{}
	for _, k := range s.main.Scope(kpi.ScopeTeam, dropped).Members {
		members[strings.ToLower(k)] = true
	}
	cut := *ds
	cut.Targets = nil
	for _, tg := range ds.Targets {
		if (tg.Scope == crm.TargetTeam && tg.Key == dropped) || (tg.Scope == crm.TargetPerson && members[strings.ToLower(tg.Key)]) {
			continue
		}
		cut.Targets = append(cut.Targets, tg)
	}
	s2, err := NewSet(&cut, KindDirector, pid(month), crm.DayFromDate(2026, time.November, 1), demoOptions())
	if err != nil {
		t.Fatal(err)
	}
	v2 := s2.main.Scope(kpi.ScopeOrg, kpi.OrgKey).Values[kpi.WonRevenue]
	if crm.Has(v2.Target) {
		t.Fatalf("organisation target %v with one team's targets missing", v2.Target)
	}
	d2, err := s2.Digest(&en)
	if err != nil {
		t.Fatal(err)
	}
	words := fmt.Sprintf("targets for %d of %d teams", len(org.Teams)-1, len(org.Teams))
	if !strings.Contains(blockText(d2), words) {
		t.Errorf("digest does not say %q:\n%s", words, blockText(d2))
	}
}

// blockText is every string of a digest's blocks, one per line.
func blockText(d *Digest) string {
	var sb strings.Builder
	sb.WriteString(d.Headline + "\n")
	for _, bl := range d.Blocks {
		for _, s := range []string{bl.Section, bl.Paragraph} {
			if s != "" {
				sb.WriteString(s + "\n")
			}
		}
		for _, k := range bl.KPIs {
			sb.WriteString(k.Label + " " + k.Value + " " + k.Comparison + "\n")
		}
		for _, b := range bl.Bullets {
			sb.WriteString(b.Label + " " + b.Value + " " + b.Comparison + "\n")
		}
		if bl.Table != nil {
			for _, r := range bl.Table.Rows {
				sb.WriteString(strings.Join(r, " | ") + "\n")
			}
		}
		for _, s := range bl.List {
			sb.WriteString(s + "\n")
		}
	}
	return sb.String()
}
