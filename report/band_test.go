package report

import (
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

// TestTrendBandIsTheUsualRange: the grey band of a director's trend chart
// is the usual range the readings use, so the month a sentence calls
// "within its usual range" is drawn inside the band and one called
// outside is drawn outside it; the band never goes below zero.
func TestTrendBandIsTheUsualRange(t *testing.T) {
	s := sets(t)[KindDirector]
	checked := 0
	for _, email := range []string{"francois.marchand@example.com", "james.jackson@example.com", "loic.dubois@example.com", "sebastian.martinez@example.com"} {
		p := person(t, demoData().Dataset, email)
		d, err := s.Digest(p)
		if err != nil {
			t.Fatal(err)
		}
		var ch *Chart
		for _, b := range d.Blocks {
			if b.Chart != nil && b.Chart.Kind == ChartTrend {
				ch = b.Chart
			}
		}
		if ch == nil {
			t.Fatalf("%s: no trend chart", email)
		}
		for i := range ch.Low {
			if lo := float64(ch.Low[i]); crm.Has(lo) && lo < 0 {
				t.Errorf("%s: band below zero at %s: %v", email, ch.Labels[i], lo)
			}
		}
		kind, key := kpi.ScopeOrg, "all"
		if p.Region != "" {
			kind, key = kpi.ScopeRegion, p.Region
		}
		rd := s.main.Reading(kind, key, kpi.WonRevenue)
		if rd == nil || rd.State == kpi.StateNone {
			t.Fatalf("%s: no reading of won revenue", email)
		}
		last := len(ch.Actual) - 1
		v, lo, hi := float64(ch.Actual[last]), float64(ch.Low[last]), float64(ch.High[last])
		inside := v >= lo && v <= hi
		within := rd.State == kpi.StateWithin || rd.State == kpi.StateWithinOff || rd.State == kpi.StateBack
		if inside != within {
			t.Errorf("%s: %s drawn at %.0f with the band %.0f–%.0f, but its reading is %q", email, ch.Labels[last], v, lo, hi, rd.State)
		}
		checked++
	}
	t.Logf("%d director trend charts checked", checked)
}
