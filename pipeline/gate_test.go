package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/kpi"
)

// flakyTransport fails its first sends, then records the subjects: a mail
// server that was down when the first notice was due.
type flakyTransport struct {
	mu       sync.Mutex
	failures int
	subjects []string
}

func (f *flakyTransport) Send(_ context.Context, m *delivery.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return errors.New("connection refused")
	}
	f.subjects = append(f.subjects, m.Subject)
	return nil
}

// TestJudgeNoticeOncePerDay proves, on the real Maven export with half
// its deals gone after a good load, and a real SQLite store, that the gate
// refuses, that
// a notice the mail server did not take is sent at the next judgement,
// that the same breach is then not mailed again the same day, that it is
// mailed again the next day, and that a dry run mails nothing.
func TestJudgeNoticeOncePerDay(t *testing.T) {
	cfg, err := config.Load("../examples/maven/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2018, 1, 1, 8, 0, 0, 0, cfg.Organisation.Location)
	tr := &flakyTransport{failures: 1}
	p, err := New(cfg, Options{Transport: tr, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	store, err := jobs.Open(ctx, filepath.Join(t.TempDir(), "jobs.db"), jobs.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p.UseStore(store)
	good, err := p.Reload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Judge(ctx, good, false); err != nil {
		t.Fatalf("the Maven export is refused: %v", err)
	}
	// The same reading with half the deals accepted: max_drop breaks.
	half := *good
	half.Quality = append([]crm.SourceReport(nil), good.Quality...)
	for i, q := range half.Quality {
		if q.Kind == crm.KindDeals {
			half.Quality[i].RowsAccepted = q.RowsAccepted / 2
			half.Quality[i].RowsRead = q.RowsAccepted / 2
		}
	}
	judge := func(dry bool) {
		t.Helper()
		_, err := p.Judge(ctx, &half, dry)
		var r *Refusal
		if !errors.As(err, &r) || !strings.Contains(err.Error(), "max_drop") {
			t.Fatalf("half the deals: %v, want a max_drop refusal", err)
		}
	}
	judge(false) // the server refuses the notice
	if len(tr.subjects) != 0 {
		t.Fatalf("sent %v through a failing server", tr.subjects)
	}
	judge(false) // sent now
	judge(false) // not again today
	judge(true)  // a dry run never mails
	if len(tr.subjects) != 1 || !strings.Contains(tr.subjects[0], "source pipeline refused by the data gate") {
		t.Fatalf("notices %q, want one about source pipeline", tr.subjects)
	}
	now = now.Add(24 * time.Hour)
	judge(false)
	if len(tr.subjects) != 2 {
		t.Fatalf("notices %q, want a second one the next day", tr.subjects)
	}
	// Refused loads never become the last good load.
	want := 0
	for _, q := range good.Quality {
		if q.Name == "pipeline" {
			want = q.RowsAccepted
		}
	}
	l, ok, err := store.LastGoodLoad(ctx, "pipeline")
	if err != nil || !ok || want == 0 || l.RowsAccepted != want || l.Verdict != jobs.VerdictOK {
		t.Fatalf("last good load %+v %v %v, want the first reading's %d rows", l, ok, err, want)
	}
}

// TestRecheckOnAnotherNode: a node that works deliveries of a firing
// another node planned reads the sources itself; if they now break the
// gate (here: far fewer deals than the last good load the store holds),
// the delivery fails for good, naming the rule, and nothing is rendered.
func TestRecheckOnAnotherNode(t *testing.T) {
	cfg, err := config.Load("../examples/maven/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2018, 1, 1, 8, 0, 0, 0, cfg.Organisation.Location)
	p, err := New(cfg, Options{Transport: &flakyTransport{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	store, err := jobs.Open(ctx, filepath.Join(t.TempDir(), "jobs.db"), jobs.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p.UseStore(store)
	if err := store.RecordLoad(ctx, jobs.SourceLoad{Source: "pipeline", Kind: "deals", File: "bigger.csv",
		RowsRead: 20000, RowsAccepted: 20000, Verdict: jobs.VerdictOK, LoadedAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	d := jobs.Delivery{Schedule: "managers-weekly", Recipient: "cara.losch@maventech.example.com", Period: kpi.Period{Kind: kpi.Week, Year: 2017, N: 52}, At: now}
	for i := range 2 {
		_, err := p.Message(ctx, d)
		var temp interface{ Temporary() bool }
		if err == nil || !strings.Contains(err.Error(), "max_drop") || !errors.As(err, &temp) || temp.Temporary() {
			t.Fatalf("delivery %d on fresh data below the last good load: %v, want a permanent max_drop refusal", i, err)
		}
	}
}
