package sources

import (
	"sort"

	"github.com/crmdigest/crmdigest/crm"
)

// preset is what one CRM's export of one kind looks like: for each
// canonical field, the headers it may carry (the first found wins), and
// the value maps its own names need.
type preset struct {
	columns map[string][]string
	values  map[string]map[string]string
	// stages ties the CRM's default stage names (as its exports write them)
	// to canonical stages, without renaming them: see stageKindOf.
	stages map[string]crm.StageKind
	// stageOrder lists the CRM's stage names (as its exports write them)
	// in funnel order, when its names alone do not tell it (Maven's
	// "Engaging" is no canonical stage): see crm.Dataset.StageRank.
	stageOrder []string
}

// presets holds every preset by name, then by kind. The headers come from
// docs/SOURCES.md's sources (real exports where there are some).
var presets = map[string]map[crm.Kind]preset{
	"crmdigest":  canonicalPreset(),
	"maven":      mavenPreset,
	"salesforce": salesforcePreset,
	"hubspot":    hubspotPreset,
	"pipedrive":  pipedrivePreset,
	"odoo":       odooPreset,
}

// PresetNames lists the presets a source may name.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// canonicalPreset maps each field to a header of the same name: the
// layout of the demo workbook and of a hand-kept export.
func canonicalPreset() map[crm.Kind]preset {
	m := make(map[crm.Kind]preset)
	for _, k := range append([]crm.Kind{KindProducts}, kindsOf(Fields)...) {
		fields, _ := kindFields(k)
		p := preset{columns: make(map[string][]string)}
		for _, f := range fields {
			p.columns[f] = []string{f}
		}
		m[k] = p
	}
	return m
}

func kindsOf(m map[crm.Kind][]string) []crm.Kind {
	ks := make([]crm.Kind, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// presetFor returns the preset of a source; a source without a preset
// reads the canonical headers.
func presetFor(name string, k crm.Kind) preset {
	if name == "" {
		name = "crmdigest"
	}
	return presets[name][k]
}

// wonLostOpen is the status map of a stage column whose won and lost
// stages are named so; every other stage is open.
func wonLostOpen(won, lost string) map[string]string {
	return map[string]string{won: "won", lost: "lost", "*": "open"}
}

var mavenPreset = map[crm.Kind]preset{
	crm.KindDeals: {
		columns: map[string][]string{
			"id": {"opportunity_id"}, "owner": {"sales_agent"}, "product": {"product"},
			"account": {"account"}, "stage": {"deal_stage"}, "status": {"deal_stage"},
			"created": {"engage_date"}, "closed": {"close_date"}, "amount": {"close_value"},
		},
		values: map[string]map[string]string{"status": wonLostOpen("Won", "Lost")},
		// Maven's data dictionary: Prospecting, then Engaging, then
		// Won or Lost.
		stageOrder: []string{"Prospecting", "Engaging", "Won", "Lost"},
	},
	// sales_teams.csv (agent, manager, office) and the project's
	// people.csv (canonical headers) both read with this preset.
	crm.KindPeople: {
		columns: map[string][]string{
			"name": {"sales_agent", "name"}, "manager": {"manager"}, "region": {"regional_office", "region"},
			"email": {"email"}, "role": {"role"}, "team": {"team"}, "locale": {"locale"},
			"timezone": {"timezone"}, "crm_id": {"crm_id"},
		},
	},
	KindProducts: {
		columns: map[string][]string{"product": {"product"}, "series": {"series"}, "price": {"sales_price"}},
	},
}
