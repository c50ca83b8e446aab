package sources

import "github.com/crmdigest/crmdigest/crm"

// Salesforce API-name exports (Data Loader, Bulk API, Weekly Data Export)
// of Opportunity, Task, Event, User and Lead. Owners are User Ids; a User
// export as a people source gives their names (crm_id = Id).
var salesforcePreset = map[crm.Kind]preset{
	crm.KindDeals: {
		columns: map[string][]string{
			"id": {"Id"}, "owner": {"OwnerId", "Owner.Name"}, "account": {"Account.Name", "AccountId"},
			"product": {"Product__c"}, "stage": {"StageName"}, "status": {"StageName"},
			"kind": {"Type"}, "created": {"CreatedDate"}, "closed": {"CloseDate"},
			"amount": {"Amount"}, "currency": {"CurrencyIsoCode"}, "probability": {"Probability"},
			"last_activity": {"LastActivityDate"},
		},
		values: map[string]map[string]string{
			"status": wonLostOpen("Closed Won", "Closed Lost"),
			"kind": {"New Business": "new_business", "New Customer": "new_business",
				"Existing Business": "renewal", "Existing Customer - Upgrade": "renewal",
				"Existing Customer - Replacement": "renewal", "Existing Customer - Downgrade": "renewal",
				"Renewal": "renewal", "*": "unknown"},
		},
		// The standard Opportunity stages; Needs Analysis, Value
		// Proposition, Id. Decision Makers and Perception Analysis have no
		// canonical equivalent and print as Salesforce names them.
		stages: map[string]crm.StageKind{"Proposal/Price Quote": crm.StageProposal, "Negotiation/Review": crm.StageNegotiation},
	},
	// Task and Event exports: an Event has EventSubtype "Event", a meeting.
	crm.KindActivities: {
		columns: map[string][]string{
			"id": {"Id"}, "owner": {"OwnerId", "Owner.Name"},
			"type": {"TaskSubtype", "EventSubtype", "Type", "Type__c"},
			"due":  {"ActivityDate", "ActivityDateTime", "StartDateTime"}, "done_at": {"CompletedDateTime"},
			"done": {"Status"}, "subject": {"Subject"}, "deal": {"WhatId"}, "account": {"AccountId"},
		},
		values: map[string]map[string]string{
			"type": {"ListEmail": "email", "Cadence": "task", "Event": "meeting", "LinkedIn": "other"},
			"done": {"Completed": "yes", "*": "no"},
		},
	},
	crm.KindLeads: {
		columns: map[string][]string{"owner": {"OwnerId", "Owner.Name"}, "date": {"CreatedDate"}},
	},
	crm.KindPeople: {
		columns: map[string][]string{
			"crm_id": {"Id"}, "name": {"Name"}, "email": {"Email"}, "manager": {"ManagerId", "Manager.Name"},
			"team": {"Department"}, "region": {"Division"}, "role": {"Title"},
			"timezone": {"TimeZoneSidKey"}, "locale": {"LanguageLocaleKey"},
		},
	},
}

// HubSpot UI exports: the deals view (Record ID first, then the view's
// columns, "Deal owner" in lower case) and tasks (API names, or labels).
var hubspotPreset = map[crm.Kind]preset{
	crm.KindDeals: {
		columns: map[string][]string{
			"id": {"Record ID"}, "owner": {"Deal owner"}, "account": {"Associated Company", "Company name"},
			"product": {"Associated Product", "Products"}, "stage": {"Deal Stage"}, "status": {"Deal Stage"},
			"kind": {"Deal Type", "Type"}, "created": {"Create Date"}, "closed": {"Close Date"},
			"amount": {"Amount"}, "currency": {"Currency", "Deal currency code"},
			"probability": {"Deal probability", "Probability"}, "last_activity": {"Last Activity Date"},
		},
		values: map[string]map[string]string{
			"status": {"Closed Won": "won", "closedwon": "won", "Closed Lost": "lost", "closedlost": "lost", "*": "open"},
			"kind":   {"New Business": "new_business", "newbusiness": "new_business", "Existing Business": "renewal", "existingbusiness": "renewal", "*": "unknown"},
		},
		// The default sales pipeline, by label and by internal value; its
		// other stages (Appointment Scheduled, Presentation Scheduled,
		// Decision Maker Bought-In, Contract Sent) print as HubSpot names them.
		stages: map[string]crm.StageKind{"Qualified To Buy": crm.StageQualification, "qualifiedtobuy": crm.StageQualification},
	},
	crm.KindActivities: {
		columns: map[string][]string{
			"id": {"Record ID", "hs_object_id"}, "owner": {"hubspot_owner_id", "Assigned to", "Task owner", "Activity assigned to"},
			"type": {"hs_task_type", "Task Type"}, "due": {"hs_timestamp", "Due date", "Due Date"},
			"done_at": {"hs_task_completion_date", "Completed at", "Completion date"},
			"done":    {"hs_task_status", "Task Status", "Status"}, "subject": {"hs_task_subject", "Task Title", "Title"},
		},
		values: map[string]map[string]string{
			"type": {"TODO": "task", "LINKED_IN": "other", "LINKED_IN_CONNECT": "other", "LINKED_IN_MESSAGE": "other"},
			"done": {"COMPLETED": "yes", "Completed": "yes", "*": "no"},
		},
	},
	crm.KindLeads: {
		columns: map[string][]string{"owner": {"Contact owner", "Lead owner"}, "date": {"Create Date"}},
	},
}

// Pipedrive's "Entity - Field" headers.
var pipedrivePreset = map[crm.Kind]preset{
	crm.KindDeals: {
		columns: map[string][]string{
			"id": {"Deal - ID"}, "owner": {"Deal - Owner"}, "account": {"Deal - Organization"},
			"product": {"Deal - Product name"}, "stage": {"Deal - Stage"}, "status": {"Deal - Status"},
			"created":        {"Deal - Deal created"},
			"closed":         {"Deal - Deal closed on", "Deal - Won time", "Deal - Lost time"},
			"expected_close": {"Deal - Expected close date"}, "amount": {"Deal - Value"},
			"currency":    {"Deal - Currency of Value", "Deal - Currency"},
			"probability": {"Deal - Probability"}, "last_activity": {"Deal - Last activity date"},
		},
		values: map[string]map[string]string{"status": {"Deleted": "lost"}},
		// The default pipeline; Contact Made and Demo Scheduled print as
		// Pipedrive names them.
		stages: map[string]crm.StageKind{"Qualified": crm.StageQualification, "Proposal Made": crm.StageProposal,
			"Negotiations Started": crm.StageNegotiation},
	},
	crm.KindActivities: {
		columns: map[string][]string{
			"id": {"Activity - ID", "Activity - System ID"}, "owner": {"Activity - Assigned to user", "Activity - Owner"},
			"type": {"Activity - Type"}, "subject": {"Activity - Subject"}, "due": {"Activity - Due date"},
			"done_at": {"Activity - Marked as done time"}, "done": {"Activity - Done"},
			"deal": {"Activity - Deal"}, "account": {"Activity - Organization"},
		},
		values: map[string]map[string]string{
			"type": {"Deadline": "task", "Lunch": "meeting"},
			"done": {"Done": "yes", "To do": "no", "Not done": "no"},
		},
	},
}

// Odoo UI exports with field labels (crm.lead and mail.activity). Odoo
// marks a lost opportunity by archiving it, so only "Won" is known here.
var odooPreset = map[crm.Kind]preset{
	crm.KindDeals: {
		columns: map[string][]string{
			"id": {"ID"}, "owner": {"Salesperson"}, "account": {"Customer", "Company Name"},
			"stage": {"Stage"}, "status": {"Stage"}, "created": {"Created on"}, "closed": {"Closed Date"},
			"expected_close": {"Expected Closing"}, "amount": {"Expected Revenue"},
			"currency": {"Currency"}, "probability": {"Probability"},
		},
		values: map[string]map[string]string{"status": wonLostOpen("Won", "Lost")},
		// The default stages; New prints as Odoo names it.
		stages: map[string]crm.StageKind{"Qualified": crm.StageQualification, "Proposition": crm.StageProposal},
	},
	crm.KindActivities: {
		columns: map[string][]string{
			"id": {"ID"}, "owner": {"Assigned to"}, "type": {"Activity Type", "Activity"},
			"subject": {"Summary"}, "due": {"Due Date"}, "done_at": {"Done Date"},
			"deal": {"Document Name"},
		},
		values: map[string]map[string]string{
			"type": {"To-Do": "task", "To Do": "task", "Upload Document": "task", "Make Quote": "proposal",
				"Follow-up Quote": "proposal", "Call for Demo": "call", "Order Upsell": "proposal"},
		},
	},
}
