package gate

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/sources"
)

// load reads a bundled configuration's sources as run would.
func load(t *testing.T, path string) *crm.Dataset {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Organisation
	ds, err := sources.Load(context.Background(), cfg.Sources, sources.Options{
		Location: o.Location, Currency: o.Currency, Rates: o.Rates, Now: func() time.Time { return o.Now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestBundledDataPasses proves that the demo workbook and the real Maven
// export pass every rule untouched, with the defaults, both on a first
// load and against a last good load of the same size; and that the
// bundled configs carry no override.
func TestBundledDataPasses(t *testing.T) {
	paths, _ := filepath.Glob("../examples/*/config.yaml")
	for _, path := range append([]string{"../config.yaml"}, paths...) {
		t.Run(path, func(t *testing.T) {
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Quality.Accept) > 0 || cfg.Quality.MaxSetAside != Defaults.MaxSetAside || cfg.Quality.MaxDrop != Defaults.MaxDrop {
				t.Errorf("bundled config changes the gate: %+v", cfg.Quality)
			}
			ds := load(t, path)
			last := map[string]Previous{}
			for _, q := range ds.Quality {
				last[q.Name] = Previous{File: q.File, RowsAccepted: q.RowsAccepted}
			}
			for _, prev := range []map[string]Previous{nil, last} {
				for _, v := range Judge(ds, Defaults, prev) {
					if len(v.Breaches) > 0 {
						t.Errorf("source %s: %v", v.Report.Name, v.Breaches)
					}
				}
			}
		})
	}
}

// deals builds a dataset of one deals source with n won deals, of which
// noAmount lack an amount, plus open deals without one.
func deals(won, noAmount, openNoAmount int) *crm.Dataset {
	ds := crm.NewDataset()
	ds.Fields = map[crm.Kind]map[string]bool{crm.KindDeals: {"amount": true, "closed": true}}
	for i := range won {
		d := crm.Deal{Status: crm.StatusWon, Amount: 100, Closed: crm.DayOf(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))}
		if i < noAmount {
			d.Amount = math.NaN()
		}
		ds.Deals = append(ds.Deals, d)
	}
	for range openNoAmount {
		ds.Deals = append(ds.Deals, crm.Deal{Status: crm.StatusOpen, Amount: math.NaN(), Closed: crm.NoDay})
	}
	n := won + openNoAmount
	ds.Quality = []crm.SourceReport{{Name: "deals", Kind: crm.KindDeals, File: "deals.csv", RowsRead: n, RowsAccepted: n}}
	return ds
}

func rules(vs []Verdict) string {
	var out []string
	for _, v := range vs {
		for _, b := range v.Breaches {
			out = append(out, b.Rule)
		}
	}
	return strings.Join(out, ",")
}

// TestRules checks each rule on both sides of its threshold.
func TestRules(t *testing.T) {
	prev := func(n int) map[string]Previous {
		return map[string]Previous{"deals": {File: "old.csv", RowsAccepted: n}}
	}
	withAside := func(ds *crm.Dataset, read, aside int) *crm.Dataset {
		ds.Quality[0].RowsRead, ds.Quality[0].RowsSetAside = read, aside
		ds.Quality[0].RowsAccepted = read - aside
		return ds
	}
	noColumn := deals(100, 0, 0)
	delete(noColumn.Fields[crm.KindDeals], "amount")
	noClose := deals(100, 0, 0)
	for i := range 2 {
		noClose.Deals[i].Closed = crm.NoDay
	}
	badOrder := deals(100, 0, 0)
	badOrder.Quality[0].Dates = []crm.DateColumn{{Column: "close_date", Used: "DD/MM/YYYY", Rows: 100, Fit: 40, Best: "MM/DD/YYYY", BestFit: 100, Evidence: "60 cells can only be month first"}}
	goodOrder := deals(100, 0, 0)
	goodOrder.Quality[0].Dates = []crm.DateColumn{{Column: "close_date", Used: "MM/DD/YYYY", Rows: 100, Fit: 100}}
	for _, c := range []struct {
		name string
		ds   *crm.Dataset
		last map[string]Previous
		want string
	}{
		{"clean", deals(100, 0, 50), nil, ""},
		{"set aside at the limit", withAside(deals(100, 0, 0), 100, 1), nil, ""},
		{"set aside over the limit", withAside(deals(100, 0, 0), 100, 2), nil, RuleSetAside},
		{"drop at the limit", deals(80, 0, 0), prev(100), ""},
		{"drop over the limit", deals(79, 0, 0), prev(100), RuleDrop},
		{"growth", deals(200, 0, 0), prev(100), ""},
		{"open deals may lack an amount", deals(100, 0, 900), nil, ""},
		{"won amount empty at the limit", deals(100, 1, 0), nil, ""},
		{"won amount empty over the limit", deals(100, 2, 0), nil, RuleColumn},
		{"no amount column", noColumn, nil, RuleColumn},
		{"won close date empty", noClose, nil, RuleColumn},
		{"date order beaten", badOrder, nil, RuleDateFormat},
		{"date order best", goodOrder, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			vs := Judge(c.ds, Defaults, c.last)
			if got := rules(vs); got != c.want {
				t.Fatalf("breaches %q, want %q: %+v", got, c.want, vs)
			}
			if c.want != "" && !vs[0].Refused() {
				t.Fatal("a breach without override is not refused")
			}
		})
	}
}

// TestEvidence checks that a breach says what was found, not just which
// rule broke.
func TestEvidence(t *testing.T) {
	ds := deals(8800, 0, 0)
	ds.Quality[0].RowsRead, ds.Quality[0].RowsAccepted, ds.Quality[0].RowsSetAside = 8800, 2132, 6668
	vs := Judge(ds, Defaults, map[string]Previous{"deals": {File: "old.csv", RowsAccepted: 8800, LoadedAt: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)}})
	var got []string
	for _, b := range vs[0].Breaches {
		got = append(got, b.String())
	}
	want := []string{
		"source deals: max_set_aside: 6,668 of 8,800 rows set aside (75.8 %), more than quality.max_set_aside 1 %",
		"source deals: max_drop: 2,132 rows accepted, down from 8,800 in the last good load (old.csv, 2026-11-23T06:00:00Z): a fall of 75.8 %, more than quality.max_drop 20 %",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("evidence:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestOverride checks both ways of accepting a breach, and that accepting
// one source leaves the others judged.
func TestOverride(t *testing.T) {
	ds := deals(100, 50, 0)
	ds.Quality = append(ds.Quality, crm.SourceReport{Name: "people", Kind: crm.KindPeople, RowsRead: 10, RowsAccepted: 5, RowsSetAside: 5})
	for _, c := range []struct {
		set     Settings
		deals   string
		refused []bool
	}{
		{Defaults, "", []bool{true, true}},
		{Settings{MaxSetAside: 0.01, MaxDrop: 0.2, AcceptAll: true}, "--accept-quality", []bool{false, false}},
		{Settings{MaxSetAside: 0.01, MaxDrop: 0.2, Accept: []string{"deals"}}, "quality.accept", []bool{false, true}},
	} {
		vs := Judge(ds, c.set, nil)
		if vs[0].Override != c.deals || vs[0].Refused() != c.refused[0] || vs[1].Refused() != c.refused[1] {
			t.Errorf("settings %+v: verdicts %+v", c.set, vs)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 8800: "8,800", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
