package jobs

import (
	"context"
	"fmt"
	"github.com/crmdigest/crmdigest/internal/proccpu"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
)

type nopDeliverer struct{}

func (nopDeliverer) Deliver(ctx context.Context, d Delivery, h Hooks) (Receipt, error) {
	if err := h.BeforeEnd(ctx); err != nil {
		return Receipt{}, err
	}
	return Receipt{MessageID: "<" + d.Recipient + ">"}, nil
}

// BenchmarkEngine measures the job engine's own cost per delivery: a run of
// batch recipients from StartRun (ledger rows, run history, River inserts)
// to the last recipient recorded sent, with a deliverer that does nothing
// but the BeforeEnd hook. Each iteration is a new period, so every
// recipient is really worked.
func BenchmarkEngine(b *testing.B) {
	const batch = 500
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("sqlite/workers=%d", workers), func(b *testing.B) {
			benchEngine(b, filepath.Join(b.TempDir(), "jobs.db"), "", workers, batch)
		})
		b.Run(fmt.Sprintf("postgres/workers=%d", workers), func(b *testing.B) {
			u := os.Getenv("CRMDIGEST_TEST_POSTGRES")
			if u == "" {
				b.Skip("CRMDIGEST_TEST_POSTGRES is not set")
			}
			benchEngine(b, u, pgSchema(b, u), workers, batch)
		})
	}
}

func benchEngine(b *testing.B, url, schema string, workers, batch int) {
	ctx := context.Background()
	s, err := Open(ctx, url, Options{Deliverer: nopDeliverer{}, Workers: workers, Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = s.Stop(sctx)
	}()
	rs := recipients(batch)
	pg0 := proccpu.Named("postgres")
	cpu0 := processCPU()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		id, err := s.StartRun(ctx, RunSpec{Schedule: "bench", Period: kpi.Containing(kpi.Week, crm.Day(i*7)), Recipients: rs})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := s.WaitRun(ctx, id, 5*time.Millisecond)
		if err != nil || sum.Sent != batch {
			b.Fatalf("run %+v: %v", sum, err)
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(b.N*batch)/el.Seconds(), "deliveries/s")
	// The process's CPU per delivery, which a loaded machine blurs less
	// than the rate, and on PostgreSQL the server's.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/float64(b.N*batch), "cpu-ms/delivery")
	if schema != "" {
		// Every process named postgres: other clients of the server add
		// to it.
		b.ReportMetric(float64(proccpu.Since(proccpu.Named("postgres"), pg0))/float64(time.Millisecond)/float64(b.N*batch), "pg-server-cpu-ms/delivery")
	}
}

// processCPU is this process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
