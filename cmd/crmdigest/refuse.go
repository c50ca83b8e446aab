package main

import (
	"context"
	"fmt"

	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/pipeline"
)

// refuse records one refused run per firing, so that status shows it,
// prints why, and returns the error that makes the command exit non-zero.
// Nothing is enqueued: no outbox file, no ledger row. The administrator
// has been told by the gate (once per source and breach per day).
func (eng *engine) refuse(ctx context.Context, m *Main, firings []jobs.Firing, o sendOptions, r *pipeline.Refusal) error {
	reasons := r.RefusedReasons()
	for _, f := range firings {
		id, err := eng.store.RefuseRun(ctx, jobs.RunSpec{
			Schedule: f.Schedule, Period: f.Period, Zone: f.Zone, At: f.At,
			DataFiles: eng.pipe.DataFiles(), DryRun: o.dryRun, RedirectTo: o.redirectTo, Force: o.force,
		}, reasons)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s %s (run #%d): refused by the data gate, nothing sent\n", f.Schedule, f.Period, id)
	}
	for _, why := range reasons {
		fmt.Fprintf(m.Stdout, "  %s\n", why)
	}
	return fmt.Errorf("the data gate refused the sources (%s, listed above); fix the export, or send anyway with --accept-quality", breaches(len(reasons)))
}
