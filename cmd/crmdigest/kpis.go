package main

import (
	"context"
	"fmt"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/pipeline"
)

func runKPIs(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("kpis", "--config FILE --period ID [--as-of DATE] [--scope rep|team|region|org|all] [--format json|csv]")
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	periodID := fs.String("period", "", "period id: 2017-W48, 2017-12, 2017-Q4, 2017-H2, 2017, FY2018-Q1 (required)")
	asOf := fs.String("as-of", "", "day the figures are read on (YYYY-MM-DD); a day inside the period makes it to-date")
	scope := fs.String("scope", "all", "rep, team, region, org or all")
	format := fs.String("format", "json", "json (JSON Lines) or csv")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *periodID == "" {
		fs.Usage()
		return usageError("--period is required")
	}
	if *format != "json" && *format != "csv" {
		return usageError(fmt.Sprintf("--format %q: expected json or csv", *format))
	}
	scopes, ok := kpi.ParseScope(*scope)
	if !ok {
		return usageError(fmt.Sprintf("--scope %q: expected rep, team, region, org or all", *scope))
	}
	e, err := loadEnv(*cfgPath)
	if err != nil {
		return err
	}
	req, err := e.kpiRequest(*periodID, *asOf)
	if err != nil {
		return err
	}
	req.Scopes = scopes
	ds, err := e.load(ctx)
	if err != nil {
		return err
	}
	// A period after the data is not an error (an export may be refreshed
	// later), but its zeros are not results: say so before printing them.
	if last := lastDataDay(ds); last.Valid() && req.Period.Start() > last {
		fmt.Fprintf(m.Stderr, "crmdigest: warning: period %s starts after the last dated row of every export (%s): its values are empty, not results\n", req.Period, last)
	}
	res, err := kpi.Compute(ds, req)
	if err != nil {
		return err
	}
	if *format == "csv" {
		return kpi.WriteCSV(m.Stdout, res.Records())
	}
	return kpi.WriteJSONL(m.Stdout, res.Records())
}

// kpiRequest reads a period id and an optional as-of day.
func (e *env) kpiRequest(periodID, asOf string) (kpi.Request, error) {
	opts := pipeline.KPIOptions(e.cfg)
	p, err := kpi.ParsePeriod(periodID, opts.FiscalStart)
	if err != nil {
		return kpi.Request{}, usageError(fmt.Sprintf("--period: %v", err))
	}
	req := kpi.Request{Period: p, AsOf: crm.NoDay, Options: opts}
	if asOf != "" {
		t, err := time.Parse("2006-01-02", asOf)
		if err != nil {
			return kpi.Request{}, usageError(fmt.Sprintf("--as-of %q: expected a date such as 2017-12-15", asOf))
		}
		req.AsOf = crm.DayOf(t)
	}
	return req, nil
}

// lastDataDay is the latest date found in the rows of the sources that hold
// facts (deals, activities, leads, invoices); people and targets carry no
// dated facts, and a file's modification time says nothing of its rows.
func lastDataDay(ds *crm.Dataset) crm.Day {
	last := crm.NoDay
	for _, q := range ds.Quality {
		if q.Kind == crm.KindPeople || q.Kind == crm.KindTargets || !q.Last.Valid() {
			continue
		}
		if !last.Valid() || q.Last > last {
			last = q.Last
		}
	}
	return last
}
