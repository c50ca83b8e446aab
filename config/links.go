package config

import (
	"errors"
	"fmt"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/crmlink"
	"github.com/crmdigest/crmdigest/sources"
)

// Links is the links: section: URL templates of the CRM's record pages,
// so that the digests' ids and names can be clicked through. Without the
// section nothing is linked. With it, the templates default to those of
// the preset (by default the deals source's preset) and each of deal,
// account, activity and person may be set, or set to "" to link nothing.
type Links struct {
	// Preset names whose default templates to use (salesforce, hubspot,
	// pipedrive, odoo); empty means the deals source's preset.
	Preset string `yaml:"preset"`
	// The values of the presets' placeholders.
	Instance string `yaml:"instance"` // Salesforce host, acme.my.salesforce.com
	Portal   string `yaml:"portal"`   // HubSpot portal id
	Company  string `yaml:"company"`  // Pipedrive company domain, acme for acme.pipedrive.com
	Base     string `yaml:"base"`     // Odoo URL, https://acme.odoo.com
	// One template per record kind, with {id} where the id goes (escaped);
	// nil keeps the preset's default.
	Deal     *string `yaml:"deal"`
	Account  *string `yaml:"account"`
	Activity *string `yaml:"activity"`
	Person   *string `yaml:"person"`

	// Set is the parsed templates, filled by Validate.
	Set crmlink.Set `yaml:"-"`
}

// validate parses the templates into Set, naming the links.* key at fault.
// l is nil when config.yaml has no links: section.
func (l *Links) validate(srcs []sources.Spec) error {
	if l == nil {
		return nil
	}
	preset := l.Preset
	if preset == "" {
		for _, s := range srcs {
			if s.Kind == crm.KindDeals {
				preset = s.Preset
				break
			}
		}
	} else if !knownPreset(preset) {
		return &FieldError{"links.preset", preset, fmt.Sprintf("unknown preset (expected one of %v)", sources.PresetNames())}
	}
	tmpl := map[crmlink.Kind]string{}
	for k, t := range sources.LinkTemplates(preset) {
		tmpl[crmlink.Kind(k)] = t
	}
	for k, t := range map[crmlink.Kind]*string{crmlink.Deal: l.Deal, crmlink.Account: l.Account, crmlink.Activity: l.Activity, crmlink.Person: l.Person} {
		if t != nil {
			tmpl[k] = *t
		}
	}
	params := map[string]string{"instance": l.Instance, "portal": l.Portal, "company": l.Company, "base": l.Base}
	set, err := crmlink.Parse(tmpl, params)
	var le *crmlink.Error
	if errors.As(err, &le) {
		return &FieldError{"links." + le.Key, "", le.Err.Error()}
	}
	if err != nil {
		return &FieldError{"links", "", err.Error()}
	}
	l.Set = set
	return nil
}

func knownPreset(name string) bool {
	for _, n := range sources.PresetNames() {
		if n == name {
			return true
		}
	}
	return false
}

// LinkSet returns the parsed link templates; the zero Set (nothing
// linked) when config.yaml has no links: section.
func (c *Config) LinkSet() crmlink.Set {
	if c.Links == nil {
		return crmlink.Set{}
	}
	return c.Links.Set
}
