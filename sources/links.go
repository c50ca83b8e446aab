package sources

// linkTemplates are the default URL templates of each preset's record
// pages, by record kind (deal, account, activity, person). {id} is the
// record's id as the export writes it; the other placeholders come from
// config.yaml's links section: {instance} (a Salesforce host such as
// acme.my.salesforce.com), {portal} (a HubSpot portal id), {company} (a
// Pipedrive company domain, acme for acme.pipedrive.com) and {base} (an
// Odoo URL such as https://acme.odoo.com).
//
// Only kinds whose export column holds the record's id have a default:
// these presets read accounts by name, activities by id only in
// Salesforce, and people by their CRM user id only in Salesforce.
var linkTemplates = map[string]map[string]string{
	"salesforce": {
		"deal":     "https://{instance}/lightning/r/Opportunity/{id}/view",
		"activity": "https://{instance}/lightning/r/Task/{id}/view",
		"person":   "https://{instance}/lightning/r/User/{id}/view",
	},
	"hubspot": {
		"deal": "https://app.hubspot.com/contacts/{portal}/record/0-3/{id}",
	},
	"pipedrive": {
		"deal": "https://{company}.pipedrive.com/deal/{id}",
	},
	"odoo": {
		"deal": "{base}/odoo/crm/{id}",
	},
}

// LinkTemplates returns a copy of the default link templates of a preset
// (nil for a preset without any, such as crmdigest or maven).
func LinkTemplates(preset string) map[string]string {
	d := linkTemplates[preset]
	if d == nil {
		return nil
	}
	out := make(map[string]string, len(d))
	for k, v := range d {
		out[k] = v
	}
	return out
}
