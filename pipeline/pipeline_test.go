package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/sources"
)

// classify must hand the job engine the right kind of failure: retrying a
// bad address would never succeed, and retrying an in-doubt send without the
// policy could deliver twice.
func TestClassify(t *testing.T) {
	type kinds interface {
		Temporary() bool
		InDoubt() bool
	}
	cases := []struct {
		name        string
		err         error
		temp, doubt bool
	}{
		{"bad address", &delivery.AddressError{Address: "x@", Err: errors.New("no domain")}, false, false},
		{"5xx", &delivery.SendError{Permanent: true, Code: 550, Reply: "no such user"}, false, false},
		{"4xx", &delivery.SendError{Code: 451, Reply: "try later"}, true, false},
		{"timeout", &delivery.SendError{Timeout: true, Stage: "dial"}, true, false},
		{"dropped after DATA", &delivery.SendError{InDoubt: true, Stage: "end-of-data"}, true, true},
		{"wrapped 5xx", fmt.Errorf("send: %w", &delivery.SendError{Permanent: true, Code: 554}), false, false},
	}
	for _, c := range cases {
		var k kinds
		if !errors.As(classify(c.err), &k) {
			t.Errorf("%s: not classified", c.name)
			continue
		}
		if k.Temporary() != c.temp || k.InDoubt() != c.doubt {
			t.Errorf("%s: temporary=%v in-doubt=%v, want %v %v", c.name, k.Temporary(), k.InDoubt(), c.temp, c.doubt)
		}
	}
	// A ledger error from BeforeEnd is left to the engine's default.
	plain := errors.New("database is locked")
	if got := classify(plain); got != plain {
		t.Errorf("an unclassified error was rewrapped: %v", got)
	}
}

// The export's age comes from the date in its file name, else the newest
// date inside it, else the file's modification time.
func TestExportTime(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	mtime := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	day := func(s string) crm.Day { d, _ := time.Parse("2006-01-02", s); return crm.DayOf(d) }
	cases := []struct {
		name string
		q    crm.SourceReport
		want time.Time
	}{
		{"date in name", crm.SourceReport{Kind: crm.KindDeals, ExportDate: day("2026-11-27"), Last: day("2026-11-26"), ModTime: mtime},
			time.Date(2026, 11, 27, 23, 59, 59, 0, paris)},
		{"newest date inside", crm.SourceReport{Kind: crm.KindDeals, ExportDate: crm.NoDay, Last: day("2026-11-26"), ModTime: mtime},
			time.Date(2026, 11, 26, 23, 59, 59, 0, paris)},
		{"people have no dates of their own", crm.SourceReport{Kind: crm.KindPeople, ExportDate: crm.NoDay, Last: day("2020-01-01"), ModTime: mtime}, mtime},
		{"modification time", crm.SourceReport{Kind: crm.KindDeals, ExportDate: crm.NoDay, Last: crm.NoDay, ModTime: mtime}, mtime},
	}
	for _, c := range cases {
		if got := exportTime(c.q, paris); !got.Equal(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	ds := crm.NewDataset()
	ds.Quality = []crm.SourceReport{cases[1].q, cases[0].q, {Kind: sources.KindProducts, ExportDate: crm.NoDay, Last: crm.NoDay}}
	if got := NewestExport(ds, paris); !got.Equal(cases[0].want) {
		t.Errorf("NewestExport = %v, want the newest of the sources %v", got, cases[0].want)
	}
}

// Stale data is refused with a message naming the age, the limit and the
// files, so that the administrator's email says what to fix.
func TestCheckFresh(t *testing.T) {
	cfg := config.Default()
	cfg.Daemon.MaxDataAge = 48 * time.Hour
	newest := time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC)
	p := &Pipeline{cfg: &cfg, data: &data{newest: newest, files: []string{"exports/deals-2026-11-27.csv"}}}
	if err := p.CheckFresh(newest.Add(47 * time.Hour)); err != nil {
		t.Errorf("data 47 h old refused with a 48 h limit: %v", err)
	}
	err := p.CheckFresh(newest.Add(72 * time.Hour))
	if !errors.Is(err, ErrStaleData) {
		t.Fatalf("data 72 h old accepted with a 48 h limit: %v", err)
	}
	for _, want := range []string{"72h0m0s old", "max_data_age 48h0m0s", "exports/deals-2026-11-27.csv"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("stale-data error %q lacks %q", err, want)
		}
	}
	if got := p.AsOf(newest.Add(72 * time.Hour)); !got.Equal(newest) {
		t.Errorf("AsOf = %v, want the newest export %v", got, newest)
	}
	if got := p.AsOf(newest.Add(-time.Hour)); !got.Equal(newest.Add(-time.Hour)) {
		t.Errorf("AsOf before the export = %v, want the firing time", got)
	}
}
