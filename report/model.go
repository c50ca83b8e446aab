package report

import (
	"encoding/json"
	"github.com/crmdigest/crmdigest/charts/fonts"
	"math"
	"strconv"
	"time"

	"github.com/crmdigest/crmdigest/locale"
)

// Digest is the model of one recipient's digest: every string is already
// written in the recipient's language and every number formatted for
// their locale, so the PDF and the email only lay it out. It is a plain
// value (it marshals to JSON for the golden tests) and holds nothing but
// what its recipient may see.
type Digest struct {
	// Kind is the digest kind: "rep", "manager" or "director".
	Kind string
	// Locale is the language the digest is written in: en, fr or es.
	Locale    string
	Recipient string // the person's name
	To        string // the recipient's email
	Title     string // "Weekly digest — Zoé Rousseau"
	Period    string // "23 – 29 Nov 2026"
	PeriodID  string // "2026-W48"
	AsOf      string // the as-of time in the recipient's time zone
	Headline  string
	// Claims are the facts the headline and the diagnosis state, in the
	// order they say them.
	Claims  []Claim  `json:",omitempty"`
	Summary []Item   // the 3 to 5 numbers of the email body
	Alerts  []string // the alerts the email lists (a rep's overdue actions)
	// AlertLinks are the alerts' links into the CRM, one per alert ("" for
	// none); nil without a links: configuration.
	AlertLinks    []string `json:",omitempty"`
	Overdue       int      // a rep's overdue actions
	Blocks        []Block  // the pages, in reading order
	Sources       []string // one data-quality line per source
	SourcesFooter string   // the short line of the page footer

	// OverdueListed is how many of the overdue actions the PDF lists (the
	// rest are in the CRM only): the email says where those it leaves out
	// are.
	OverdueListed int `json:",omitempty"`
	// Region is the region a regional director's digest is about; empty
	// for the organisation and for the other roles.
	Region string `json:",omitempty"`

	// inText is Period as a sentence says it (the email's subject and
	// intro): "octobre 2026" where the header says "Octobre 2026".
	inText   string
	currency string
	created  time.Time
	loc      locale.Locale
	asOfTime time.Time
	// figures are the figures the headline states with nothing to compare
	// them with ("Last week: won revenue $0 (no target or history to
	// compare with yet)"): not claims, but the email leaves them out of its
	// numbers as it does the claims'.
	figures []Claim
	// emailChart is the chart of the headline figure that the email shows
	// inline; nil leaves the choice to EmailChart.
	emailChart *Chart
	fallback   *fonts.Fallback // Options.Fallback
}

// Item is one number of the email summary, formatted.
type Item struct {
	Label, Value, Comparison string

	// metric and value say which figure the item is, so that the email
	// leaves out an item the headline already states (Claim).
	metric string
	value  float64
}

// Block is one element of a page; exactly one of its fields beside
// Section is set (Section alone is a section title).
type Block struct {
	// Section starts a section with this title.
	Section   string   `json:",omitempty"`
	Paragraph string   `json:",omitempty"`
	Quiet     bool     `json:",omitempty"` // the paragraph is a side note
	KPIs      []KPI    `json:",omitempty"`
	Bullets   []Bullet `json:",omitempty"`
	Table     *Table   `json:",omitempty"`
	List      []string `json:",omitempty"`
	// ListLinks optionally links List's items into the CRM: the i-th URL
	// belongs to the i-th item, "" to none.
	ListLinks []string   `json:",omitempty"`
	Chart     *Chart     `json:",omitempty"`
	Multiples *Multiples `json:",omitempty"`
}

// Dir is the direction of a comparison: "up", "down" or "flat" (also for
// a comparison that cannot be made).
type Dir string

// The directions.
const (
	Up   Dir = "up"
	Down Dir = "down"
	Flat Dir = "flat"
)

// KPI is one figure of a row of figures.
type KPI struct {
	Label, Value, Comparison string
	Dir                      Dir
}

// Bullet is one bullet-graph line: the figure, its comparisons (one per
// line), and the graph's data.
type Bullet struct {
	Label, Value, Comparison string
	Dir                      Dir
	Actual                   Num
	// Reference is the target, or the expectation when there is no
	// target (RefIsTarget false); NaN for none.
	Reference   Num
	RefIsTarget bool
	// Target is drawn as the tick, Baseline (last year, the seasonal
	// expectation or the usual level, named by BaselineName) as a
	// diamond; NaN for none. Bands are shares of the target.
	Target       Num
	Baseline     Num
	BaselineName string `json:",omitempty"`
	Bands        []Num
	Spark        []Num
}

// Table is a table of formatted cells, with an optional outlier mark per
// row.
type Table struct {
	Columns   []Column
	Rows      [][]string
	MarkTitle string   `json:",omitempty"`
	Marks     []string `json:",omitempty"`
	// RowLinks optionally links each row's name (first cell) into the CRM.
	RowLinks []string `json:",omitempty"`
}

// Column is a table column.
type Column struct {
	Title   string
	Weight  float64
	Numeric bool `json:",omitempty"`
	// Data marks a column of names, which may wrap to two lines and then
	// end with "…"; other text wraps whole.
	Data bool `json:",omitempty"`
}

// ChartKind names a chart of package charts.
type ChartKind string

// The charts a digest draws.
const (
	ChartTrend    ChartKind = "trend"    // Labels, Actual, Expected, Low, High
	ChartActivity ChartKind = "activity" // Labels, Actual, Reference (usual)
	ChartPipeline ChartKind = "pipeline" // Labels (stages), Actual
	ChartRepBars  ChartKind = "rep_bars" // Labels (reps), Actual, Reference (target), Highlight
	ChartPeriods  ChartKind = "periods"  // Labels (periods), Actual, Reference (target)
	ChartTeams    ChartKind = "teams"    // Labels (teams), Actual, Reference (expected)
	ChartYoY      ChartKind = "yoy"      // Labels (months), Actual (this year), Reference (last year)
	ChartRanking  ChartKind = "ranking"  // Labels, Actual, Highlight index in HighlightIndex
)

// Chart is the data of one chart.
type Chart struct {
	Kind   ChartKind
	Height float64 // millimetres
	// Caption is a line under the chart (what the band means, what is
	// left out).
	Caption   string `json:",omitempty"`
	Labels    []string
	Actual    []Num
	Expected  []Num  `json:",omitempty"`
	Low       []Num  `json:",omitempty"`
	High      []Num  `json:",omitempty"`
	Reference []Num  `json:",omitempty"`
	Highlight []bool `json:",omitempty"`
	// HighlightIndex is the ranking entry to stress; -1 for none.
	HighlightIndex int  `json:",omitempty"`
	Money          bool `json:",omitempty"`
	Percent        bool `json:",omitempty"`
}

// Multiples is a grid of sparklines: one row per rep, one column per
// metric (Tufte's small multiples).
type Multiples struct {
	Metrics []string
	Rows    []MultipleRow
	// Periods says what the points are ("last 12 weeks").
	Periods string
}

// MultipleRow is one rep's sparklines, with the last value of each.
type MultipleRow struct {
	Name   string
	Series [][]Num
	Last   []string
	Mark   string `json:",omitempty"`
}

// Num is a float64 that marshals NaN and infinities as null (JSON has no
// NaN), so the golden files show an absent value as absent.
type Num float64

// MarshalJSON writes the number, or null when it is not finite.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number or null (NaN).
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

func nums(vs []float64) []Num {
	if vs == nil {
		return nil
	}
	out := make([]Num, len(vs))
	for i, v := range vs {
		out[i] = Num(v)
	}
	return out
}

func floats(ns []Num) []float64 {
	if ns == nil {
		return nil
	}
	out := make([]float64, len(ns))
	for i, n := range ns {
		out[i] = float64(n)
	}
	return out
}
