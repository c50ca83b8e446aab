package crm

// TargetScope says whom a target is for.
type TargetScope uint8

// The scopes a target may be set for.
const (
	TargetPerson TargetScope = iota
	TargetTeam
	TargetRegion
	TargetOrg
)

var targetScopeNames = [...]string{"rep", "team", "region", "org"}

func (s TargetScope) String() string {
	if int(s) < len(targetScopeNames) {
		return targetScopeNames[s]
	}
	return "rep"
}

// Target is a goal for one scope, period and metric. Period is a period id
// as kpi writes them ("2017-Q4", "2017-12", "2017-W48", "FY2018").
type Target struct {
	Scope  TargetScope
	Key    string // the person's email or name, the team or region name; "" for the org
	Period string
	Metric string // a metric name from docs/KPIS.md, e.g. "won_revenue"
	Value  float64
}

// Kind names what a source holds.
type Kind string

// The kinds of source.
const (
	KindDeals      Kind = "deals"
	KindActivities Kind = "activities"
	KindLeads      Kind = "leads"
	KindInvoices   Kind = "invoices"
	KindTargets    Kind = "targets"
	KindPeople     Kind = "people"
)

// Dataset is everything read from one configuration's sources.
type Dataset struct {
	People []Person

	Owners     *Names
	Accounts   *Names
	Products   *Names
	Stages     *Names
	Currencies *Names

	// StageKinds holds the canonical stage of each stage name that the
	// source's preset (or its value map) ties to one; see MapStage.
	StageKinds map[ID]StageKind
	// StageOrder holds the funnel position of each stage name that the
	// source's preset lists in order (Maven: Prospecting, Engaging, Won,
	// Lost); see OrderStage and StageRank.
	StageOrder map[ID]int

	Deals      []Deal
	Activities []Activity
	Leads      []Lead
	Invoices   []Invoice
	Targets    []Target

	// Fields lists, per kind, the canonical fields some source of that kind
	// carried. A kind missing from the map had no source at all. A report
	// uses it to tell "no margin in this export" from a margin of zero.
	Fields map[Kind]map[string]bool

	// Currency is the reporting currency; Rates converts one unit of another
	// currency into it. Sources set aside rows whose currency has no rate.
	Currency string
	Rates    map[string]float64

	// Catalogue is the number of products the company sells, when known
	// (for the cross-selling saturation rate).
	Catalogue int

	// Quality is the data-quality report of every source read.
	Quality []SourceReport
}

// NewDataset returns an empty dataset with its name tables ready.
func NewDataset() *Dataset {
	return &Dataset{
		Owners:     NewNames(),
		Accounts:   NewNames(),
		Products:   NewNames(),
		Stages:     NewNames(),
		Currencies: NewNames(),
		Fields:     make(map[Kind]map[string]bool),
	}
}

// HasKind reports whether some source provided rows of that kind.
func (d *Dataset) HasKind(k Kind) bool { _, ok := d.Fields[k]; return ok }

// HasField reports whether some source of that kind carried the field.
func (d *Dataset) HasField(k Kind, field string) bool { return d.Fields[k][field] }

// MarkFields records that a source of kind k carried the given fields.
func (d *Dataset) MarkFields(k Kind, fields ...string) {
	m := d.Fields[k]
	if m == nil {
		m = make(map[string]bool)
		d.Fields[k] = m
	}
	for _, f := range fields {
		m[f] = true
	}
}

// Rate returns the factor converting an amount in currency c into the
// reporting currency. NoID and the reporting currency itself convert at 1.
func (d *Dataset) Rate(c ID) (float64, bool) {
	if c == NoID {
		return 1, true
	}
	name := d.Currencies.Name(c)
	if name == d.Currency || d.Currency == "" {
		return 1, true
	}
	r, ok := d.Rates[name]
	return r, ok
}
