package kpi_test

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/crmdigest/crmdigest/kpi"
)

// TestMavenUndatedPipeline: Maven's Prospecting deals carry no engage
// (created) date, so they join the reconstructed pipeline on the export's
// last day. The week that holds that day must not be compared with the
// week before, which lacks them (Anna Snelling's open deals read 112
// against 68, "+65 %", with no new opportunity that week); weeks before
// it compare as usual. The counts are recomputed from the CSV.
func TestMavenUndatedPipeline(t *testing.T) {
	ds := loadMaven(t)
	f, err := os.Open(filepath.Join(mavenDir, "sales_pipeline.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	undated, openEnd := map[string]int{}, map[string]int{}
	for _, r := range rows[1:] {
		agent, stage, engaged, closed := r[col["sales_agent"]], r[col["deal_stage"]], r[col["engage_date"]], r[col["close_date"]]
		open := stage != "Won" && stage != "Lost"
		if open && engaged == "" {
			undated[agent]++
		}
		if engaged != "" && engaged <= "2017-12-31" && (open || closed > "2017-12-31") {
			openEnd[agent]++
		}
	}
	if len(undated) == 0 {
		t.Fatal("no undated open deal in the Maven export: the test lost its subject")
	}
	last := compute(t, ds, "2017-W52")
	before := compute(t, ds, "2017-W50")
	checked := 0
	for _, sc := range last.Scopes {
		if sc.Kind != kpi.ScopeRep || openEnd[sc.Name]+undated[sc.Name] == 0 {
			continue // the agents of the teams table who own no deal
		}
		v := sc.Values[kpi.PipelineCount]
		if v == nil {
			t.Fatalf("%s: no open-deal count", sc.Name)
		}
		if v.Undated != undated[sc.Name] {
			t.Errorf("%s: %d undated open deals, the CSV has %d", sc.Name, v.Undated, undated[sc.Name])
		}
		if want := float64(openEnd[sc.Name] + undated[sc.Name]); v.Value != want {
			t.Errorf("%s: %v open deals on 31 Dec 2017, the CSV gives %v", sc.Name, v.Value, want)
		}
		if v.Undated > 0 && (!math.IsNaN(v.Previous) || !math.IsNaN(v.Baseline.Value)) {
			t.Errorf("%s: open deals compared with a week that lacks the %d undated deals (previous %v, baseline %v)", sc.Name, v.Undated, v.Previous, v.Baseline.Value)
		}
		if b := before.Scope(kpi.ScopeRep, sc.Key).Values[kpi.PipelineCount]; b == nil || b.Undated != 0 || math.IsNaN(b.Previous) {
			t.Errorf("%s: week 50, before the undated deals join, should compare with week 49: %+v", sc.Name, b)
		}
		checked++
	}
	if checked < 25 {
		t.Fatalf("only %d reps checked", checked)
	}
}
