package sources

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// TestStageKinds loads each preset's sample export and checks which stage
// names it ties to a canonical stage: the CRM's default names that mean
// one, and no other (those print as the CRM writes them).
func TestStageKinds(t *testing.T) {
	want := map[string]map[string]crm.StageKind{
		"salesforce": {"Closed Won": crm.StageWon, "Closed Lost": crm.StageLost, "Negotiation/Review": crm.StageNegotiation,
			"Prospecting": crm.StageProspecting, "Proposal/Price Quote": crm.StageProposal, "Qualification": crm.StageQualification,
			"Needs Analysis": crm.StageUnmapped, "Value Proposition": crm.StageUnmapped},
		"hubspot":   {"closedwon": crm.StageWon, "Closed Won": crm.StageWon, "Closed Lost": crm.StageLost, "qualifiedtobuy": crm.StageQualification, "appointmentscheduled": crm.StageUnmapped, "Appointment Scheduled": crm.StageUnmapped},
		"pipedrive": {"Qualified": crm.StageQualification, "Proposal Made": crm.StageProposal, "Negotiations Started": crm.StageNegotiation, "Contact Made": crm.StageUnmapped},
		"odoo":      {"Qualified": crm.StageQualification, "Proposition": crm.StageProposal, "Won": crm.StageWon, "New": crm.StageUnmapped},
		"maven":     {"Prospecting": crm.StageProspecting, "Won": crm.StageWon, "Lost": crm.StageLost, "Engaging": crm.StageUnmapped},
	}
	for preset, names := range want {
		dir := filepath.Join("testdata", "presets", preset)
		var specs []Spec
		for _, s := range presetCases[preset] {
			if s.Kind == crm.KindDeals {
				s.Preset, s.Path = preset, filepath.Join(dir, s.Path)
				specs = append(specs, s)
			}
		}
		ds, err := Load(context.Background(), specs, Options{Currency: "EUR", Rates: map[string]float64{"USD": 0.9}, Now: goldenNow})
		if err != nil {
			t.Fatalf("%s: %v", preset, err)
		}
		checked := 0
		for i, name := range ds.Stages.All() {
			k, ok := names[name]
			if !ok {
				continue
			}
			checked++
			if got := ds.StageKind(crm.ID(i)); got != k {
				t.Errorf("%s: stage %q is %q, want %q", preset, name, got, k)
			}
		}
		if checked < 2 {
			t.Errorf("%s: the sample holds only %d of the stages under test (%s)", preset, checked, strings.Join(ds.Stages.All(), ", "))
		}
	}
}

// TestStageRenamedToCanonical checks that a stage the source's value map
// renames to a canonical name counts as that stage, while a name no map
// ties to one keeps its own name and no kind.
func TestStageRenamedToCanonical(t *testing.T) {
	path := writeFile(t, "deals.csv", []byte("owner,stage\nAnn,Discovery\nAnn,Shortlist\nAnn,Closed Won\n"))
	ds, _, err := loadOne(t, Spec{Kind: crm.KindDeals, Path: path, Values: map[string]map[string]string{"stage": {"Discovery": "Qualification"}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]crm.StageKind{"Qualification": crm.StageQualification, "Shortlist": crm.StageUnmapped, "Closed Won": crm.StageWon} {
		id, ok := ds.Stages.Lookup(name)
		if !ok {
			t.Fatalf("no stage %q in %v", name, ds.Stages.All())
		}
		if got := ds.StageKind(id); got != want {
			t.Errorf("stage %q is %q, want %q", name, got, want)
		}
	}
	if ds.Deals[2].Status != crm.StatusWon {
		t.Errorf("Closed Won read as %v", ds.Deals[2].Status)
	}
}
