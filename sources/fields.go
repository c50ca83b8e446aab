package sources

import "github.com/crmdigest/crmdigest/crm"

// Fields lists the canonical fields of each kind of source, in the order the
// canonical ("crmdigest") preset and the demo workbook write them as headers.
// A source's column mapping maps these names onto the export's headers.
var Fields = map[crm.Kind][]string{
	crm.KindDeals: {"id", "owner", "account", "product", "stage", "status", "kind",
		"created", "closed", "expected_close", "amount", "currency", "margin", "probability", "last_activity"},
	crm.KindActivities: {"id", "owner", "type", "due", "done_at", "done", "subject", "deal", "account"},
	crm.KindLeads:      {"owner", "date", "kind"},
	crm.KindInvoices:   {"id", "owner", "account", "date", "amount", "currency"},
	crm.KindTargets:    {"scope", "key", "period", "metric", "value"},
	crm.KindPeople:     {"name", "email", "role", "manager", "team", "region", "locale", "timezone", "crm_id"},
}
