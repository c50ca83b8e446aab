package pipeline

import (
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/kpi"
)

// kpiOptions maps the configuration onto the kpi package's options.
func kpiOptions(cfg *config.Config) kpi.Options {
	return kpi.Options{
		FiscalStart:        time.Month(cfg.Organisation.FiscalYearStart),
		UsualN:             cfg.KPI.UsualPeriods,
		StaleDays:          cfg.KPI.StaleDays,
		StructuralK:        cfg.KPI.StructuralK,
		StructuralFactor:   cfg.KPI.StructuralThreshold,
		StageProbabilities: cfg.KPI.StageProbabilities,
		OrgName:            cfg.Organisation.Name,
	}
}

// KPIOptions is kpiOptions for the command line's kpis and render commands.
func KPIOptions(cfg *config.Config) kpi.Options { return kpiOptions(cfg) }
