package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
)

// A finished run lets go of the figures its digests were made from, and of
// nothing else: a process that fires three schedules must not hold the
// three sets of KPI results to its end. A delivery after the release still
// gets its digest (the figures are computed again).
func TestRunFinishedReleasesFigures(t *testing.T) {
	cfg, err := config.Load("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Organisation.Admin = "" // RunFinished's notice only logs
	ctx := context.Background()
	p, err := New(cfg, Options{Transport: nowhere{t}})
	if err != nil {
		t.Fatal(err)
	}
	dt, err := p.current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	week, err := kpi.ParsePeriod("2026-W48", time.January)
	if err != nil {
		t.Fatal(err)
	}
	one := func(schedule string) {
		t.Helper()
		send, _ := p.Recipients(dt.ds, p.schedules[schedule])
		if len(send) == 0 {
			t.Fatalf("%s: no recipients", schedule)
		}
		if _, err := p.Message(ctx, jobs.Delivery{Schedule: schedule, Recipient: send[0].Email, Period: week}); err != nil {
			t.Fatal(err)
		}
	}
	one("reps-weekly")
	one("managers-weekly")
	if got := p.heldSets(); got != 2 {
		t.Fatalf("%d figure sets held after a rep and a manager digest, want 2", got)
	}
	// Another period of the same schedule is not this run's.
	p.RunFinished(ctx, jobs.RunSummary{ID: 1, Schedule: "reps-weekly", Period: "2026-W47", Sent: 1})
	if got := p.heldSets(); got != 2 {
		t.Fatalf("%d figure sets held after another period's run finished, want 2", got)
	}
	p.RunFinished(ctx, jobs.RunSummary{ID: 2, Schedule: "reps-weekly", Period: week.Key(), Sent: 1})
	if got := p.heldSets(); got != 1 {
		t.Fatalf("%d figure sets held after the reps' run finished, want 1 (the managers')", got)
	}
	one("reps-weekly")
	if got := p.heldSets(); got != 2 {
		t.Fatalf("%d figure sets held after a rep digest following the release, want 2", got)
	}
}

// Messages are built at most one per CPU at a time: a delivery waits for a
// free render slot (and gives up with its context), and gets its message
// once one is free.
func TestMessageWaitsForRenderSlot(t *testing.T) {
	cfg, err := config.Load("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(cfg, Options{Transport: nowhere{t}})
	if err != nil {
		t.Fatal(err)
	}
	if cap(p.renderSlots) < 1 {
		t.Fatalf("%d render slots", cap(p.renderSlots))
	}
	ctx := context.Background()
	dt, err := p.current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	week, err := kpi.ParsePeriod("2026-W48", time.January)
	if err != nil {
		t.Fatal(err)
	}
	send, _ := p.Recipients(dt.ds, p.schedules["reps-weekly"])
	d := jobs.Delivery{Schedule: "reps-weekly", Recipient: send[0].Email, Period: week}
	// The figures first: a delivery waits for them before it takes a slot
	// (and, under a short deadline, is put back while they are computed).
	if _, err := p.Message(ctx, d); err != nil {
		t.Fatal(err)
	}
	for range cap(p.renderSlots) {
		p.renderSlots <- struct{}{} // every slot taken by someone else
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := p.Message(short, d); err != context.DeadlineExceeded {
		t.Fatalf("with every render slot taken, Message returned %v, want it to wait until its context ends", err)
	}
	<-p.renderSlots
	if _, err := p.Message(ctx, d); err != nil {
		t.Fatalf("with a slot free: %v", err)
	}
	if got := len(p.renderSlots); got != cap(p.renderSlots)-1 {
		t.Errorf("%d slots taken after the message, want %d: Message did not give its slot back", got, cap(p.renderSlots)-1)
	}
}
