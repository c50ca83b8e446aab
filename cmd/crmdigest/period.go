package main

import (
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/pipeline"
)

// periodParser reads a period id with the configured fiscal year. The
// store uses it once, to rewrite period keys written by older versions to
// their canonical form (jobs.Options.ParsePeriod); ids typed on the command
// line are read by kpiRequest.
func periodParser(cfg *config.Config) func(string) (kpi.Period, error) {
	fiscal := time.Month(0)
	if cfg != nil {
		fiscal = pipeline.KPIOptions(cfg).FiscalStart
	}
	return func(id string) (kpi.Period, error) { return kpi.ParsePeriod(id, fiscal) }
}
