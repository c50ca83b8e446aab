package jobs

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestSourceLoads proves the gate's memory: the last good load skips a
// refused one, the latest loads are one per source, a refused run is
// finished with no recipient and says why, an overridden run records who
// accepted the breach, and a notice key is claimed once until released.
func TestSourceLoads(t *testing.T) {
	eachBackend(t, func(t *testing.T, bc backendCase) {
		ctx := context.Background()
		s := openStore(t, bc, testOptions(bc, newFake(nil)))
		base := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC)
		loads := []SourceLoad{
			{Source: "deals", Kind: "deals", File: "a.csv", RowsRead: 100, RowsAccepted: 100, Verdict: VerdictOK, LoadedAt: base},
			{Source: "deals", Kind: "deals", File: "b.csv", RowsRead: 100, RowsAccepted: 40, RowsSetAside: 60,
				Verdict: VerdictRefused, Reasons: []string{"max_set_aside: 60 of 100", "max_drop: 100 -> 40"}, LoadedAt: base.Add(time.Hour)},
			{Source: "people", Kind: "people", File: "p.csv", RowsRead: 7, RowsAccepted: 7, Verdict: VerdictOverridden,
				Reasons: []string{"x"}, Override: "--accept-quality", LoadedAt: base.Add(2 * time.Hour)},
		}
		for _, l := range loads {
			if err := s.RecordLoad(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
		good, ok, err := s.LastGoodLoad(ctx, "deals")
		if err != nil || !ok || good.File != "a.csv" || !good.LoadedAt.Equal(base) {
			t.Fatalf("last good load of deals = %+v, %v, %v; want a.csv at %s", good, ok, err, base)
		}
		if _, ok, _ := s.LastGoodLoad(ctx, "nobody"); ok {
			t.Fatal("a source never loaded has a last good load")
		}
		latest, err := s.LatestLoads(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(latest) != 2 || latest[0].File != "b.csv" || !slices.Equal(latest[0].Reasons, loads[1].Reasons) ||
			latest[1].Override != "--accept-quality" {
			t.Fatalf("latest loads = %+v", latest)
		}

		id, err := s.RefuseRun(ctx, RunSpec{Schedule: "weekly", Period: "2026-W45", Recipients: []string{"a@x.example"}}, loads[1].Reasons)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Run(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Refused || !r.Done() || len(r.Recipients) != 0 || !slices.Equal(r.RefusedReasons, loads[1].Reasons) || r.Error == "" {
			t.Fatalf("refused run = %+v", r)
		}
		if _, ok, _ := s.Ledger(ctx, "weekly", "a@x.example", "2026-W45"); ok {
			t.Fatal("a refused run wrote a ledger row")
		}
		id2, err := s.StartRun(ctx, RunSpec{Schedule: "weekly", Period: "2026-W45", DryRun: true, Override: "--accept-quality"})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Status(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]RunSummary{}
		for _, r := range rep.Runs {
			byID[r.ID] = r
		}
		if !byID[id].Refused || byID[id2].Refused || byID[id2].Override != "--accept-quality" {
			t.Fatalf("status runs = %+v", rep.Runs)
		}

		for i, want := range []bool{true, false} {
			got, err := s.ClaimNotice(ctx, "deals|max_drop|2026-11-02")
			if err != nil || got != want {
				t.Fatalf("claim %d = %v, %v; want %v", i, got, err, want)
			}
		}
		if err := s.ReleaseNotice(ctx, "deals|max_drop|2026-11-02"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ClaimNotice(ctx, "deals|max_drop|2026-11-02"); !got {
			t.Fatal("a released notice cannot be claimed again")
		}
	})
}
