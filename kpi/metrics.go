package kpi

import (
	"math"

	"github.com/crmdigest/crmdigest/crm"
)

// Unit is what a metric's value counts.
type Unit string

// The units of the metrics. Ratios are fractions (0.6315, not 63.15).
const (
	UnitCurrency Unit = "currency"
	UnitCount    Unit = "count"
	UnitRatio    Unit = "ratio"
	UnitDays     Unit = "days"
)

// Group tells result metrics from activity metrics.
type Group string

// The groups of metrics.
const (
	GroupResults  Group = "results"
	GroupActivity Group = "activity"
)

// Metric describes one indicator of the catalogue; docs/KPIS.md gives the
// exact definition of each.
type Metric struct {
	Name  string
	Unit  Unit
	Group Group
	// Stock is true for a value read at the period's end (pipeline,
	// saturation) rather than summed over the period.
	Stock bool
	// Title is a short English label, for logs and tests; the report
	// translates names itself.
	Title string
}

// The metric names.
const (
	WonRevenue          = "won_revenue"
	GrossMargin         = "gross_margin"
	WonDeals            = "won_deals"
	LostDeals           = "lost_deals"
	WinRate             = "win_rate"
	AvgDealSize         = "avg_deal_size"
	SalesCycleMean      = "sales_cycle_mean"
	SalesCycleMedian    = "sales_cycle_median"
	NewOpportunities    = "new_opportunities"
	PipelineValue       = "pipeline_value"
	PipelineCount       = "pipeline_count"
	WeightedPipeline    = "weighted_pipeline"
	InvoicedVolume      = "invoiced_volume"
	TargetAttainment    = "target_attainment"
	NewBusinessRevenue  = "new_business_revenue"
	RenewalRevenue      = "renewal_revenue"
	RenewalRate         = "renewal_rate"
	CrossSellSaturation = "cross_sell_saturation"
	NewContacts         = "new_contacts"
	NewLeads            = "new_leads"
	Calls               = "calls"
	Meetings            = "meetings"
	Demos               = "demos"
	Proposals           = "proposals"
	Emails              = "emails"
	TasksDone           = "tasks_done"
)

// Catalogue lists every metric, in report order.
var Catalogue = []Metric{
	{WonRevenue, UnitCurrency, GroupResults, false, "Won revenue"},
	{GrossMargin, UnitCurrency, GroupResults, false, "Gross margin"},
	{WonDeals, UnitCount, GroupResults, false, "Won deals"},
	{LostDeals, UnitCount, GroupResults, false, "Lost deals"},
	{WinRate, UnitRatio, GroupResults, false, "Win rate"},
	{AvgDealSize, UnitCurrency, GroupResults, false, "Average deal size"},
	{SalesCycleMean, UnitDays, GroupResults, false, "Sales cycle (mean)"},
	{SalesCycleMedian, UnitDays, GroupResults, false, "Sales cycle (median)"},
	{NewOpportunities, UnitCount, GroupResults, false, "New opportunities"},
	{PipelineValue, UnitCurrency, GroupResults, true, "Open pipeline"},
	{PipelineCount, UnitCount, GroupResults, true, "Open deals"},
	{WeightedPipeline, UnitCurrency, GroupResults, true, "Weighted pipeline"},
	{InvoicedVolume, UnitCurrency, GroupResults, false, "Invoiced volume"},
	{TargetAttainment, UnitRatio, GroupResults, false, "Target attainment"},
	{NewBusinessRevenue, UnitCurrency, GroupResults, false, "New business revenue"},
	{RenewalRevenue, UnitCurrency, GroupResults, false, "Renewal revenue"},
	{RenewalRate, UnitRatio, GroupResults, false, "Renewal rate"},
	{CrossSellSaturation, UnitRatio, GroupResults, true, "Cross-selling saturation"},
	{NewContacts, UnitCount, GroupActivity, false, "New contacts"},
	{NewLeads, UnitCount, GroupActivity, false, "New leads"},
	{Calls, UnitCount, GroupActivity, false, "Calls"},
	{Meetings, UnitCount, GroupActivity, false, "Meetings and visits"},
	{Demos, UnitCount, GroupActivity, false, "Demos"},
	{Proposals, UnitCount, GroupActivity, false, "Proposals"},
	{Emails, UnitCount, GroupActivity, false, "Emails"},
	{TasksDone, UnitCount, GroupActivity, false, "Tasks done"},
}

// MetricByName returns the catalogue entry of a metric.
func MetricByName(name string) (Metric, bool) {
	for _, m := range Catalogue {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// The additive series kept per owner and period bucket. Flows are summed
// over a period; the pipeline's in/out series are summed from the start
// of time to read the stock at a period's end.
const (
	sWonN = iota
	sWonAmt
	sWonMargin
	sLostN
	sCycleSum
	sCycleN
	sNBAmt
	sRenAmt
	sRenWonN
	sRenLostN
	sCreatedN
	sPipeInN // a deal enters the reconstructed pipeline (created day)
	sPipeInAmt
	sPipeInW
	sPipeOutN // and leaves it (closed day)
	sPipeOutAmt
	sPipeOutW
	sPipeInNoAmt // the same for deals without an amount, counted
	sPipeOutNoAmt
	sInv
	sContacts
	sLeads
	sCalls
	sMeetings
	sDemos
	sProposals
	sEmails
	sTasks
	// sPipeUndated counts the open deals without a created date, which
	// join the pipeline on the snapshot day: a pipeline figure that holds
	// them is not comparable with one from before that day.
	sPipeUndated
	nSeries
)

// activitySeries maps an activity type to its series (-1: not counted).
var activitySeries = [...]int{
	crm.ActivityOther:    -1,
	crm.ActivityCall:     sCalls,
	crm.ActivityMeeting:  sMeetings,
	crm.ActivityDemo:     sDemos,
	crm.ActivityProposal: sProposals,
	crm.ActivityEmail:    sEmails,
	crm.ActivityTask:     sTasks,
}

// family says which dated rows a metric comes from, to tell a period
// before the data starts (absent) from a period with nothing in it (0).
type family uint8

const (
	famClosed family = iota
	famCreated
	famInvoices
	famLeads
	famActivities
	nFamilies
)

func familyOf(name string) family {
	switch name {
	case NewOpportunities, PipelineValue, PipelineCount, WeightedPipeline:
		return famCreated
	case InvoicedVolume:
		return famInvoices
	case NewContacts, NewLeads:
		return famLeads
	case Calls, Meetings, Demos, Proposals, Emails, TasksDone:
		return famActivities
	}
	return famClosed
}

// ratio returns a / b, NaN when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// evalFlow computes a bucket-based metric from the sums of one period
// (flow) and the running totals at its end (stock).
func evalFlow(name string, flow, stock []float64) float64 {
	switch name {
	case WonRevenue:
		return flow[sWonAmt]
	case GrossMargin:
		return flow[sWonMargin]
	case WonDeals:
		return flow[sWonN]
	case LostDeals:
		return flow[sLostN]
	case WinRate:
		return ratio(flow[sWonN], flow[sWonN]+flow[sLostN])
	case AvgDealSize:
		return ratio(flow[sWonAmt], flow[sWonN])
	case SalesCycleMean:
		return ratio(flow[sCycleSum], flow[sCycleN])
	case NewOpportunities:
		return flow[sCreatedN]
	case PipelineValue:
		if !pipelineAmountsKnown(stock) {
			return math.NaN()
		}
		return stock[sPipeInAmt] - stock[sPipeOutAmt]
	case PipelineCount:
		return stock[sPipeInN] - stock[sPipeOutN]
	case WeightedPipeline:
		if !pipelineAmountsKnown(stock) {
			return math.NaN()
		}
		return stock[sPipeInW] - stock[sPipeOutW]
	case InvoicedVolume:
		return flow[sInv]
	case NewBusinessRevenue:
		return flow[sNBAmt]
	case RenewalRevenue:
		return flow[sRenAmt]
	case RenewalRate:
		return ratio(flow[sRenWonN], flow[sRenWonN]+flow[sRenLostN])
	case NewContacts:
		return flow[sContacts]
	case NewLeads:
		return flow[sLeads]
	case Calls:
		return flow[sCalls]
	case Meetings:
		return flow[sMeetings]
	case Demos:
		return flow[sDemos]
	case Proposals:
		return flow[sProposals]
	case Emails:
		return flow[sEmails]
	case TasksDone:
		return flow[sTasks]
	}
	return math.NaN()
}

// pipelineAmountsKnown reports whether at least half of the deals open at
// a day carry an amount: below that, a pipeline value would mostly count
// what the export does not say (Maven leaves open deals' values blank).
func pipelineAmountsKnown(stock []float64) bool {
	open := stock[sPipeInN] - stock[sPipeOutN]
	blank := stock[sPipeInNoAmt] - stock[sPipeOutNoAmt]
	return open == 0 || 2*blank <= open
}

// supported returns the metrics the dataset can support at all, with the
// reason for each one it cannot; a metric it cannot support is absent from
// every output, never 0.
func supported(ds *crm.Dataset, opt *Options) (map[string]bool, map[string]string) {
	ok := make(map[string]bool)
	why := make(map[string]string)
	set := func(name string, cond bool, reason string) {
		if cond {
			ok[name] = true
		} else {
			why[name] = reason
		}
	}
	deals := ds.HasKind(crm.KindDeals)
	f := func(field string) bool { return ds.HasField(crm.KindDeals, field) }
	noDeals := "no deals source"
	amount := deals && f("amount")
	closed := deals && f("closed") && (f("status") || f("stage"))
	for _, n := range []string{WonRevenue, AvgDealSize} {
		set(n, amount && closed, pick(deals, noDeals, "the deals export has no amount, close date or status"))
	}
	set(GrossMargin, closed && f("margin"), pick(deals, noDeals, "the deals export carries no margin"))
	set(WonDeals, closed, pick(deals, noDeals, "the deals export has no close date or status"))
	set(LostDeals, closed, pick(deals, noDeals, "the deals export has no close date or status"))
	set(WinRate, closed, pick(deals, noDeals, "the deals export has no close date or status"))
	cycle := closed && f("created")
	set(SalesCycleMean, cycle, pick(deals, noDeals, "the deals export has no created date"))
	set(SalesCycleMedian, cycle, pick(deals, noDeals, "the deals export has no created date"))
	set(NewOpportunities, deals && f("created"), pick(deals, noDeals, "the deals export has no created date"))
	set(PipelineCount, deals && f("created"), pick(deals, noDeals, "the deals export has no created date"))
	set(PipelineValue, amount && f("created"), pick(deals, noDeals, "the deals export has no amount or created date"))
	set(WeightedPipeline, amount && f("created") && (f("probability") || len(opt.StageProbabilities) > 0),
		pick(deals, noDeals, "no probability in the export and no stage probabilities in config"))
	kind := closed && f("kind")
	set(NewBusinessRevenue, kind && amount, pick(deals, noDeals, "the deals export does not tell new business from renewals"))
	set(RenewalRevenue, kind && amount, pick(deals, noDeals, "the deals export does not tell new business from renewals"))
	set(RenewalRate, kind, pick(deals, noDeals, "the deals export does not tell new business from renewals"))
	set(CrossSellSaturation, closed && f("account") && f("product") && catalogueSize(ds) > 0,
		pick(deals, noDeals, "the deals export has no account or product"))
	set(TargetAttainment, amount && closed && ds.HasKind(crm.KindTargets) && len(ds.Targets) > 0, "no targets")
	set(InvoicedVolume, ds.HasKind(crm.KindInvoices), "no invoices source")
	leads := ds.HasKind(crm.KindLeads)
	set(NewLeads, leads, "no leads source")
	set(NewContacts, leads && ds.HasField(crm.KindLeads, "kind"), pick(leads, "no leads source", "the leads export does not tell contacts from leads"))
	acts := ds.HasKind(crm.KindActivities)
	for _, n := range []string{Calls, Meetings, Demos, Proposals, Emails, TasksDone} {
		set(n, acts, "no activities source")
	}
	return ok, why
}

func pick(cond bool, ifNot, ifSo string) string {
	if !cond {
		return ifNot
	}
	return ifSo
}

// catalogueSize is the number of products for the saturation rate: the
// configured catalogue, else the number of products named in the deals.
func catalogueSize(ds *crm.Dataset) int {
	if ds.Catalogue > 0 {
		return ds.Catalogue
	}
	return ds.Products.Len()
}
