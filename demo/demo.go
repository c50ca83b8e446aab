// Package demo generates a realistic, deterministic sales organisation and
// its CRM history: a head of sales, regional directors, managers and reps,
// with several years of deals, activities, leads, invoices and targets.
//
// The history has what a report needs to show something real: an August
// trough and a December peak, a growth trend, one team in a general slump
// over the last five months, one individually struggling rep in another
// team, a team on target, a rep hired three weeks before the end with
// almost no history, overdue and upcoming activities, stale and past-due
// deals, margins, new business and renewals over a product catalogue.
//
// Build returns it as Go values (a crm.Dataset, for benchmarks that need a
// large organisation without a file); Write and Generate write it as an
// XLSX workbook with one sheet per kind (people, deals, activities, leads,
// invoices, targets) whose headers are the canonical field names, so that
// the "crmdigest" preset reads it as is. The same Options give the same
// workbook, byte for byte. GenerateCSV writes the same rows as CSV files,
// drawn and written rep by rep, for organisations too large to hold in
// memory or in one sheet.
package demo

import (
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// Options shape the generated organisation. Zero fields take the defaults.
type Options struct {
	// Reps is the number of sales reps (default 12). Managers, directors
	// and regions follow: teams of about five reps (at least three teams),
	// spread over three regions (France, Iberia, North America).
	Reps int
	// Years is the length of the history in years, ending at End (default 3).
	Years int
	// Seed selects the random history (default 1).
	Seed uint64
	// End is the last day with data (default 2026-11-27, a Friday): nothing
	// is created or done after it, open activities are due around it.
	End crm.Day
	// Currency is the currency of every amount (default EUR).
	Currency string

	// DealsPerRepMonth is the mean number of new-business deals planned to
	// close per rep and month before seasonality and trend (default 3).
	DealsPerRepMonth float64
	// ActivitiesPerRepMonth is the mean number of activities per rep and
	// month (default 20).
	ActivitiesPerRepMonth float64
	// ActivityMonths is how many months of activities End's month and the
	// months before it have (default 13, which keeps the committed demo
	// workbook small; at most the whole history).
	ActivityMonths int
	// LeadsPerRepMonth is the mean number of new leads and contacts per rep
	// and month (default 5).
	LeadsPerRepMonth float64
}

// LargeOptions are the options of the benchmark organisations: reps reps
// over 3 years of dense history. LargeOptions(2000) gives about 500,000
// deals and 5,000,000 activities.
func LargeOptions(reps int) Options {
	return Options{Reps: reps, Years: 3, DealsPerRepMonth: 5, ActivitiesPerRepMonth: 70, ActivityMonths: 36}
}

// DefaultEnd is the last day of the committed demo workbook's data.
var DefaultEnd = crm.DayFromDate(2026, time.November, 27)

func (o Options) withDefaults() Options {
	if o.Reps <= 0 {
		o.Reps = 12
	}
	if o.Years <= 0 {
		o.Years = 3
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if !o.End.Valid() || o.End == 0 {
		o.End = DefaultEnd
	}
	if o.Currency == "" {
		o.Currency = "EUR"
	}
	if o.DealsPerRepMonth <= 0 {
		o.DealsPerRepMonth = 3
	}
	if o.ActivitiesPerRepMonth <= 0 {
		o.ActivitiesPerRepMonth = 20
	}
	if o.ActivityMonths <= 0 {
		o.ActivityMonths = 13
	}
	if o.LeadsPerRepMonth <= 0 {
		o.LeadsPerRepMonth = 5
	}
	return o
}

// Data is a generated organisation and its history.
type Data struct {
	// Dataset holds the people and every row, owners interned by the
	// person's name in people order (owner id i is People[i]).
	*crm.Dataset
	// Options are the options used, defaults filled in.
	Options Options
	// Start is the first day of the history.
	Start crm.Day
	// SlumpTeam is the team in a general slump over the last five months.
	SlumpTeam string
	// SlumpFrom is the first day of the slump.
	SlumpFrom crm.Day
	// Struggling holds the email of the rep who struggles individually
	// (low activity and results) over the last two months, in another
	// team: the team's best seller until then.
	Struggling []string
	// StruggleFrom is the first day of their struggle.
	StruggleFrom crm.Day
	// NewRep is the email of the rep hired three weeks before End.
	NewRep string
	// Story is the planted story in one place, for the docs and for the
	// tests that check what the digests say about it.
	Story Story
}

// Story is what the generator plants in the history, on top of growth
// and noise. docs/REPORTS.md ("The demo's story") describes it and what
// the digests say about it.
type Story struct {
	// DeclineTeam falls from DeclineFrom (a first of month) to End: its
	// reps' volume of new business and renewals is multiplied by
	// DeclineVolume, every win rate by DeclineWin and every amount by
	// DeclineAmount, so its won revenue by about the product of the three.
	DeclineTeam                              string
	DeclineFrom                              crm.Day
	DeclineVolume, DeclineWin, DeclineAmount float64
	// Struggling holds one rep, in StrugglingTeam (not DeclineTeam), the
	// team's best seller until StruggleFrom: from then, volume (renewals
	// included) × StruggleVolume, win rates × StruggleWin, activities ×
	// StruggleActivity.
	Struggling                  []string
	StrugglingTeam              string
	StruggleFrom                crm.Day
	StruggleVolume, StruggleWin float64
	StruggleActivity            float64
	// DipMonth is the calendar month of the seasonal trough, in every team
	// and year: DipFactor times the volume of an average month.
	DipMonth  time.Month
	DipFactor float64
	// NewRep was hired NewRepDays before End, in the last team.
	NewRep     string
	NewRepDays int
	// OnTargetTeam (the last team) has targets equal to what its reps
	// usually sell, without the others' 5 % of ambition, and no story:
	// its digests read on or near target.
	OnTargetTeam string
}

// The layout of each sheet: its name and header row. The headers are the
// canonical field names of package sources (a test there checks they
// match), so the canonical preset reads the workbook without a mapping.
var (
	PeopleColumns   = []string{"name", "email", "role", "manager", "team", "region", "locale", "timezone", "crm_id"}
	DealColumns     = []string{"id", "owner", "account", "product", "stage", "status", "kind", "created", "closed", "expected_close", "amount", "currency", "margin", "probability", "last_activity"}
	ActivityColumns = []string{"id", "owner", "type", "due", "done_at", "done", "subject", "deal", "account"}
	LeadColumns     = []string{"owner", "date", "kind"}
	InvoiceColumns  = []string{"id", "owner", "account", "date", "amount", "currency"}
	TargetColumns   = []string{"scope", "key", "period", "metric", "value"}

	// SheetNames and SheetKinds list the sheets in workbook order.
	SheetNames   = []string{"people", "deals", "activities", "leads", "invoices", "targets"}
	SheetKinds   = []crm.Kind{crm.KindPeople, crm.KindDeals, crm.KindActivities, crm.KindLeads, crm.KindInvoices, crm.KindTargets}
	sheetColumns = [][]string{PeopleColumns, DealColumns, ActivityColumns, LeadColumns, InvoiceColumns, TargetColumns}
)

// The CRM's stage names, in the order of crm.Deal.Stage ids, with the
// probability of an open deal at each stage.
var (
	stageNames       = []string{"Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"}
	stageProbability = []float64{0.1, 0.25, 0.5, 0.75, 1, 0}
)

const (
	stageClosedWon   = 4
	stageClosedLost  = 5
	targetMetric     = "won_revenue"
	monthsOfSlump    = 5
	monthsOfStruggle = 2
	newRepDaysOfWork = 20
	targetAmbition   = 1.05
)

// Columns returns the header row of a sheet kind.
func Columns(k crm.Kind) []string {
	for i, sk := range SheetKinds {
		if sk == k {
			return sheetColumns[i]
		}
	}
	return nil
}
