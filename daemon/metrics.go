package daemon

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/clock"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the daemon's Prometheus series, in a private registry (a
// second daemon in the same process, as in tests, gets its own). Every
// series is named crmdigest_*; docs/DAEMON.md lists them.
type Metrics struct {
	reg *prometheus.Registry

	runs             *prometheus.CounterVec
	runDuration      *prometheus.HistogramVec
	deliveries       *prometheus.CounterVec
	deliveryDuration *prometheus.HistogramVec
	planDuration     *prometheus.HistogramVec
	firings          *prometheus.CounterVec
	rowsRead         *prometheus.GaugeVec
	rowsSetAside     *prometheus.GaugeVec
	lastSuccess      *prometheus.GaugeVec
	nextFiring       *prometheus.GaugeVec

	// Totals for the progress lines, which should not have to read the
	// registry back.
	sent, failed atomic.Int64

	mu   sync.Mutex
	last map[string]time.Time // last success per schedule
}

// Delivery and run outcomes, the values of the outcome label.
const (
	OutcomeSent      = "sent"      // the server accepted the message (or the outbox wrote it)
	OutcomePreview   = "preview"   // dry run or redirected
	OutcomeRetry     = "retry"     // transient failure: the job engine tries again
	OutcomeFailed    = "failed"    // permanent failure; for a run: refused as a whole (stale data)
	OutcomeInDoubt   = "in_doubt"  // cut off after DATA
	OutcomeOK        = "ok"        // a run whose recipients all have their digest
	OutcomeAttention = "attention" // a run with failed or in-doubt deliveries
)

// NewMetrics builds the series and registers them with the Go runtime's
// and the process's own.
func NewMetrics() *Metrics {
	durations := []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600}
	m := &Metrics{
		reg:  prometheus.NewRegistry(),
		last: map[string]time.Time{},
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmdigest_runs_total",
			Help: "Runs finished, by schedule and outcome (ok, attention, failed).",
		}, []string{"schedule", "outcome"}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crmdigest_run_duration_seconds",
			Help:    "Time from a run's start to its last recipient's final state.",
			Buckets: durations,
		}, []string{"schedule"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmdigest_deliveries_total",
			Help: "Delivery attempts by schedule and outcome (sent, preview, retry, failed, in_doubt).",
		}, []string{"schedule", "outcome"}),
		deliveryDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crmdigest_delivery_duration_seconds",
			Help:    "Time of one delivery attempt: compute, render, send.",
			Buckets: durations,
		}, []string{"schedule"}),
		planDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crmdigest_plan_duration_seconds",
			Help:    "Time a firing takes to read the sources and list its recipients.",
			Buckets: durations,
		}, []string{"schedule"}),
		firings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmdigest_firings_total",
			Help: "Firings seen by this daemon, by schedule and outcome (enqueued, duplicate: already recorded by another node or an earlier start, skipped: missed beyond max_lateness or superseded).",
		}, []string{"schedule", "outcome"}),
		rowsRead: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crmdigest_source_rows_read",
			Help: "Rows read from each source at its last reading.",
		}, []string{"source"}),
		rowsSetAside: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crmdigest_source_rows_set_aside",
			Help: "Rows set aside (not used) from each source at its last reading.",
		}, []string{"source"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crmdigest_last_success_timestamp_seconds",
			Help: "Unix time at which the last run of a schedule finished with every recipient served.",
		}, []string{"schedule"}),
		nextFiring: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crmdigest_next_firing_timestamp_seconds",
			Help: "Unix time of a schedule's next firing, over all its zones.",
		}, []string{"schedule"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.runs, m.runDuration, m.deliveries, m.deliveryDuration, m.planDuration,
		m.firings, m.rowsRead, m.rowsSetAside, m.lastSuccess, m.nextFiring,
	)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the private registry, for callers that add their own series.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRun records a finished run. It has the shape of the job
// engine's OnRunFinished hook, so that it can be chained with the
// administrator's notice.
func (m *Metrics) ObserveRun(_ context.Context, r jobs.RunSummary) {
	outcome := OutcomeOK
	switch {
	case r.Error != "":
		outcome = OutcomeFailed
	case r.NeedsAttention():
		outcome = OutcomeAttention
	}
	m.runs.WithLabelValues(r.Schedule, outcome).Inc()
	if !r.Started.IsZero() && !r.Finished.IsZero() {
		m.runDuration.WithLabelValues(r.Schedule).Observe(r.Finished.Sub(r.Started).Seconds())
	}
	if outcome == OutcomeOK && !r.DryRun && r.RedirectTo == "" {
		m.SetLastSuccess(r.Schedule, r.Finished)
	}
}

// SetLastSuccess sets a schedule's last successful run, e.g. from the run
// history when the daemon starts.
func (m *Metrics) SetLastSuccess(schedule string, t time.Time) {
	if t.IsZero() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Keep the newest: runs of one schedule may finish out of order.
	if prev, ok := m.last[schedule]; ok && !t.After(prev) {
		return
	}
	m.last[schedule] = t
	m.lastSuccess.WithLabelValues(schedule).Set(float64(t.UnixNano()) / 1e9)
}

// ObserveSources records the rows of each source's last reading.
func (m *Metrics) ObserveSources(reports []crm.SourceReport) {
	for _, q := range reports {
		m.rowsRead.WithLabelValues(q.Name).Set(float64(q.RowsRead))
		m.rowsSetAside.WithLabelValues(q.Name).Set(float64(q.RowsSetAside))
	}
}

func (m *Metrics) firing(schedule, outcome string, n int) {
	m.firings.WithLabelValues(schedule, outcome).Add(float64(n))
}

func (m *Metrics) setNext(schedule string, t time.Time) {
	if t.IsZero() {
		m.nextFiring.DeleteLabelValues(schedule)
		return
	}
	m.nextFiring.WithLabelValues(schedule).Set(float64(t.Unix()))
}

// Deliverer wraps a Deliverer so that every attempt is counted and timed.
func (m *Metrics) Deliverer(next jobs.Deliverer) jobs.Deliverer {
	return &meteredDeliverer{next: next, m: m}
}

type meteredDeliverer struct {
	next jobs.Deliverer
	m    *Metrics
}

func (w *meteredDeliverer) Deliver(ctx context.Context, d jobs.Delivery, h jobs.Hooks) (jobs.Receipt, error) {
	start := clock.Now()
	rc, err := w.next.Deliver(ctx, d, h)
	outcome := deliveryOutcome(d, err)
	switch outcome {
	case OutcomeSent:
		w.m.sent.Add(1)
	case OutcomeFailed, OutcomeInDoubt:
		w.m.failed.Add(1)
	}
	w.m.deliveries.WithLabelValues(d.Schedule, outcome).Inc()
	w.m.deliveryDuration.WithLabelValues(d.Schedule).Observe(clock.Since(start).Seconds())
	return rc, err
}

// deliveryOutcome reads an attempt's error the way the job engine does.
func deliveryOutcome(d jobs.Delivery, err error) string {
	if err == nil {
		if d.DryRun || d.RedirectTo != "" {
			return OutcomePreview
		}
		return OutcomeSent
	}
	var doubt interface{ InDoubt() bool }
	if errors.As(err, &doubt) && doubt.InDoubt() {
		return OutcomeInDoubt
	}
	var temp interface{ Temporary() bool }
	if errors.As(err, &temp) && !temp.Temporary() {
		return OutcomeFailed
	}
	return OutcomeRetry
}

// Planner wraps a Planner so that each firing's planning is timed and the
// sources' row counts are refreshed from sources (called after each plan;
// nil skips it).
func (m *Metrics) Planner(next jobs.Planner, sources func() []crm.SourceReport) jobs.Planner {
	return &meteredPlanner{next: next, m: m, sources: sources}
}

type meteredPlanner struct {
	next    jobs.Planner
	m       *Metrics
	sources func() []crm.SourceReport
}

func (w *meteredPlanner) Plan(ctx context.Context, f jobs.Firing) (jobs.Plan, error) {
	start := clock.Now()
	p, err := w.next.Plan(ctx, f)
	w.m.planDuration.WithLabelValues(f.Schedule).Observe(clock.Since(start).Seconds())
	if w.sources != nil {
		w.m.ObserveSources(w.sources())
	}
	return p, err
}
