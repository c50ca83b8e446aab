package kpi

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// Record is one metric of one scope and period, the unit of
// `crmdigest kpis` output. docs/KPIS.md has its JSON Schema.
type Record struct {
	Scope  string `json:"scope"`
	Key    string `json:"key"`
	Name   string `json:"name"`
	Period string `json:"period"`
	Metric string `json:"metric"`
	Unit   Unit   `json:"unit"`
	// Currency is the reporting currency, for currency values only.
	Currency       string   `json:"currency,omitempty"`
	Value          float64  `json:"value"`
	Previous       *float64 `json:"previous"`
	YearAgo        *float64 `json:"year_ago"`
	Baseline       *float64 `json:"baseline"`
	BaselineMethod string   `json:"baseline_method"`
	Structural     *bool    `json:"structural"`
}

// round keeps 6 decimals: enough for cents and for ratios, without the
// float noise of long sums.
func round(v float64) float64 {
	if math.Abs(v) >= 1e15 {
		return v
	}
	return math.Round(v*1e6) / 1e6
}

func ptr(v float64) *float64 {
	if !crm.Has(v) || math.IsInf(v, 0) {
		return nil
	}
	r := round(v)
	return &r
}

// Records flattens the result: one record per scope, key and metric,
// sorted by scope, key and metric (plain string order: org, region, rep,
// team).
func (r *Result) Records() []Record {
	metrics := slices.Clone(r.Metrics)
	slices.SortFunc(metrics, func(a, b Metric) int { return strings.Compare(a.Name, b.Name) })
	// r.Scopes is sorted by level then key: visit the levels in the
	// order of their names, and no general sort is needed.
	kinds := []ScopeKind{ScopeRep, ScopeTeam, ScopeRegion, ScopeOrg}
	slices.SortFunc(kinds, func(a, b ScopeKind) int { return strings.Compare(a.String(), b.String()) })
	period := r.Period.String()
	n := 0
	for _, s := range r.Scopes {
		n += len(s.Values)
	}
	out := make([]Record, 0, n)
	for _, kind := range kinds {
		for _, s := range r.Scopes {
			if s.Kind != kind {
				continue
			}
			for _, mt := range metrics {
				v := s.Values[mt.Name]
				if v == nil || !crm.Has(v.Value) || math.IsInf(v.Value, 0) {
					continue
				}
				out = append(out, record(s, v, period, r.Currency))
			}
		}
	}
	return out
}

func record(s *Scope, v *Value, period, currency string) Record {
	mt := v.Metric
	rec := Record{Scope: s.Kind.String(), Key: s.Key, Name: s.Name, Period: period,
		Metric: mt.Name, Unit: mt.Unit, Value: round(v.Value),
		Previous: ptr(v.Previous), YearAgo: ptr(v.YearAgo), Baseline: ptr(v.Baseline.Value),
		BaselineMethod: v.Baseline.Method.String()}
	if rec.Baseline == nil {
		rec.BaselineMethod = MethodNone.String()
	}
	if mt.Unit == UnitCurrency {
		rec.Currency = currency
	}
	switch v.Baseline.Structural {
	case crm.TriTrue:
		t := true
		rec.Structural = &t
	case crm.TriFalse:
		f := false
		rec.Structural = &f
	}
	return rec
}

// WriteJSONL writes one JSON object per line.
func WriteJSONL(w io.Writer, recs []Record) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return fmt.Errorf("write record %d: %w", i+1, err)
		}
	}
	return nil
}

// CSVHeader is the header row WriteCSV writes: the JSON field names.
var CSVHeader = []string{"scope", "key", "name", "period", "metric", "unit", "currency", "value",
	"previous", "year_ago", "baseline", "baseline_method", "structural"}

// WriteCSV writes a header row and one row per record (RFC 4180, `.` as
// the decimal separator); an empty cell is a null.
func WriteCSV(w io.Writer, recs []Record) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("write csv header: %w", err)
	}
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	for i, r := range recs {
		st := ""
		if r.Structural != nil {
			st = strconv.FormatBool(*r.Structural)
		}
		row := []string{r.Scope, r.Key, r.Name, r.Period, r.Metric, string(r.Unit), r.Currency,
			strconv.FormatFloat(r.Value, 'f', -1, 64), num(r.Previous), num(r.YearAgo), num(r.Baseline),
			r.BaselineMethod, st}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv record %d: %w", i+1, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
