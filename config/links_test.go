package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/crmdigest/crmdigest/internal/crmlink"
)

func loadLinks(t *testing.T, body string) *Config {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A preset's default templates come from the deals source's preset and
// the section's parameters; a template set to "" links nothing; without
// the section nothing is linked at all.
func TestLinksDefaultsFromPreset(t *testing.T) {
	cfg := loadLinks(t, `
sources: [{name: d, kind: deals, preset: salesforce, path: d.csv}]
delivery: {from: a@example.com}
links: {instance: acme.my.salesforce.com, activity: ""}
`)
	s := cfg.LinkSet()
	if got, want := s.URL(crmlink.Deal, "006Ec00000AieKOIAZ"), "https://acme.my.salesforce.com/lightning/r/Opportunity/006Ec00000AieKOIAZ/view"; got != want {
		t.Errorf("deal link %q, want %q", got, want)
	}
	if got, want := s.URL(crmlink.Person, "005Ec000001XyZ"), "https://acme.my.salesforce.com/lightning/r/User/005Ec000001XyZ/view"; got != want {
		t.Errorf("person link %q, want %q", got, want)
	}
	if s.Has(crmlink.Activity) || s.Has(crmlink.Account) {
		t.Error(`activity: "" or an account without a default still links`)
	}

	cfg = loadLinks(t, `
sources: [{name: d, kind: deals, preset: salesforce, path: d.csv}]
delivery: {from: a@example.com}
links: {preset: hubspot, portal: "4711"}
`)
	if got, want := cfg.LinkSet().URL(crmlink.Deal, "123"), "https://app.hubspot.com/contacts/4711/record/0-3/123"; got != want {
		t.Errorf("hubspot deal link %q, want %q", got, want)
	}

	for preset, want := range map[string]string{
		"pipedrive": "https://acme.pipedrive.com/deal/42",
		"odoo":      "https://acme.odoo.com/odoo/crm/42",
	} {
		cfg := loadLinks(t, `
sources: [{name: d, kind: deals, preset: `+preset+`, path: d.csv}]
delivery: {from: a@example.com}
links: {company: acme, base: "https://acme.odoo.com"}
`)
		if got := cfg.LinkSet().URL(crmlink.Deal, "42"); got != want {
			t.Errorf("%s deal link %q, want %q", preset, got, want)
		}
	}

	cfg = loadLinks(t, `
sources: [{name: d, kind: deals, preset: salesforce, path: d.csv}]
delivery: {from: a@example.com}
`)
	if !cfg.LinkSet().Empty() {
		t.Error("a config without links: links")
	}
}
