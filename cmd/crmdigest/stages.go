package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/crmdigest/crmdigest/pipeline"
)

// envStages names a diagnostic hook: when set, run prints on stderr the
// wall time of each stage (read, gate, plan, deliveries) and the worker
// time the deliveries spent computing figures, rendering and sending: the
// time budget in docs/PERFORMANCE.md comes from it.
const envStages = "CRMDIGEST_STAGES"

type stageClock struct {
	w    io.Writer // nil: the hook is off
	last time.Time
}

func newStageClock(w io.Writer) *stageClock {
	if os.Getenv(envStages) == "" {
		return &stageClock{}
	}
	return &stageClock{w: w, last: time.Now()}
}

// mark prints the wall time since the previous mark.
func (c *stageClock) mark(stage string) {
	if c.w == nil {
		return
	}
	now := time.Now()
	fmt.Fprintf(c.w, "stage %s: %.2f s wall\n", stage, now.Sub(c.last).Seconds())
	c.last = now
}

// workers prints the deliveries' worker time by stage.
func (c *stageClock) workers(p *pipeline.Pipeline) {
	if c.w == nil {
		return
	}
	k, r, s := p.StageTimes()
	fmt.Fprintf(c.w, "stage deliveries, worker time: kpi %.2f s, render %.2f s, send %.2f s\n", k.Seconds(), r.Seconds(), s.Seconds())
}
