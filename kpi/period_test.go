package kpi

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

func day(s string) crm.Day {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return crm.DayOf(t)
}

// The start and end days below were read off a printed calendar.
func TestParsePeriod(t *testing.T) {
	tests := []struct {
		id         string
		fiscal     time.Month
		start, end string
		prev, ago  string
		want       string
	}{
		{"2017-W48", 0, "2017-11-27", "2017-12-03", "2017-W47", "2016-W48", ""},
		{"2020-W01", 0, "2019-12-30", "2020-01-05", "2019-W52", "2019-W01", ""},
		{"2020-W53", 0, "2020-12-28", "2021-01-03", "2020-W52", "", ""},
		{"2021-W01", 0, "2021-01-04", "2021-01-10", "2020-W53", "2020-W01", ""},
		{"2015-W53", 0, "2015-12-28", "2016-01-03", "2015-W52", "", ""},
		{"2017-12", 0, "2017-12-01", "2017-12-31", "2017-11", "2016-12", ""},
		{"2016-02", 0, "2016-02-01", "2016-02-29", "2016-01", "2015-02", ""},
		{"2017-02", 0, "2017-02-01", "2017-02-28", "2017-01", "2016-02", ""},
		{"2017-01", 0, "2017-01-01", "2017-01-31", "2016-12", "2016-01", ""},
		{"2017-Q4", 0, "2017-10-01", "2017-12-31", "2017-Q3", "2016-Q4", ""},
		{"2017-Q1", 0, "2017-01-01", "2017-03-31", "2016-Q4", "2016-Q1", ""},
		{"2017-H2", 0, "2017-07-01", "2017-12-31", "2017-H1", "2016-H2", ""},
		{"2017-H1", 0, "2017-01-01", "2017-06-30", "2016-H2", "2016-H1", ""},
		{"2017", 0, "2017-01-01", "2017-12-31", "2016", "2016", ""},
		{"2016", 0, "2016-01-01", "2016-12-31", "2015", "2015", ""},
		{"FY2018", 10, "2017-10-01", "2018-09-30", "FY2017", "FY2017", ""},
		{"FY2018-Q1", 10, "2017-10-01", "2017-12-31", "FY2017-Q4", "FY2017-Q1", ""},
		{"FY2018-Q2", 10, "2018-01-01", "2018-03-31", "FY2018-Q1", "FY2017-Q2", ""},
		{"FY2018-H2", 10, "2018-04-01", "2018-09-30", "FY2018-H1", "FY2017-H2", ""},
		{"FY2020-Q4", 4, "2020-01-01", "2020-03-31", "FY2020-Q3", "FY2019-Q4", ""}, // includes 2020-02-29
		{"fy2018", 0, "2018-01-01", "2018-12-31", "2017", "2017", "2018"},
		{"2017-Q4..2017-11-15", 0, "2017-10-01", "2017-11-15", "2017-Q3..2017-08-15", "2016-Q4..2016-11-15", ""},
		{"2016-02..2016-02-29", 0, "2016-02-01", "2016-02-29", "2016-01", "2015-02", "2016-02"},
		{"2016..2016-02-29", 0, "2016-01-01", "2016-02-29", "2015..2015-02-28", "2015..2015-02-28", ""},
		{"2017-03..2017-03-31", 0, "2017-03-01", "2017-03-31", "2017-02", "2016-03", "2017-03"},
		{"2017-03..2017-03-30", 0, "2017-03-01", "2017-03-30", "2017-02", "2016-03..2016-03-30", ""},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.id, tt.fiscal)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", tt.id, err)
			continue
		}
		want := tt.want
		if want == "" {
			want = tt.id
		}
		if p.String() != want {
			t.Errorf("%s: String() = %q, want %q", tt.id, p.String(), want)
		}
		if p.Start() != day(tt.start) || p.End() != day(tt.end) {
			t.Errorf("%s: %s..%s, want %s..%s", tt.id, p.Start(), p.End(), tt.start, tt.end)
		}
		if got := p.Previous().String(); got != tt.prev {
			t.Errorf("%s: Previous() = %s, want %s", tt.id, got, tt.prev)
		}
		ago, err := p.YearAgo()
		if tt.ago == "" {
			if !errors.Is(err, ErrNoYearAgo) || !strings.Contains(err.Error(), "53 weeks") {
				t.Errorf("%s: YearAgo() = %v, %v; want ErrNoYearAgo saying why", tt.id, ago, err)
			}
		} else if err != nil || ago.String() != tt.ago {
			t.Errorf("%s: YearAgo() = %s, %v; want %s", tt.id, ago, err, tt.ago)
		}
		if !p.Contains(p.Start()) || !p.Contains(p.End()) || p.Contains(p.Start()-1) || p.Contains(p.End()+1) {
			t.Errorf("%s: Contains is wrong at the edges", tt.id)
		}
		if got := int(p.End()-p.Start()) + 1; got != p.Days() {
			t.Errorf("%s: Days() = %d, want %d", tt.id, p.Days(), got)
		}
		// Containing the first and last day gives the whole period back.
		if !p.IsToDate() {
			for _, d := range []crm.Day{p.Start(), p.End()} {
				if c := ContainingFiscal(p.Kind, d, p.FiscalStart); c != p {
					t.Errorf("%s: ContainingFiscal(%s) = %s", tt.id, d, c)
				}
			}
		}
	}
}

func TestParsePeriodErrors(t *testing.T) {
	for _, id := range []string{"", "17-Q4", "2017-Q5", "2017-W54", "2019-W53", "2017-13", "2017-1", "2017-H3",
		"FY2018-W01", "FY2018-03", "2017-Q4..2017-09-30", "2017-Q4..soon", "2017-W+1", "abcd"} {
		if p, err := ParsePeriod(id, 10); err == nil {
			t.Errorf("ParsePeriod(%q) = %v, want an error", id, p)
		} else if !strings.Contains(err.Error(), "period") {
			t.Errorf("ParsePeriod(%q): error %q does not name the period", id, err)
		}
	}
}

// The error says what is wrong, not only which forms exist.
func TestParsePeriodErrorSaysWhy(t *testing.T) {
	for id, want := range map[string]string{
		"2026-13":    `month: number "13" out of range 1..12`,
		"2026-00":    `month: number "00" out of range 1..12`,
		"2025-02-30": "a day is not a period, and 2025-02-30 is no day: use a month (2025-02)",
		"2026-11-27": "use its month (2026-11), its week (2026-W48) or its month to that day (2026-11..2026-11-27)",
		"2027-01-01": "its week (2026-W53)",
		"2026-W60":   `week: number "60" out of range 1..53`,
	} {
		_, err := ParsePeriod(id, 1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePeriod(%q): error %v, want it to contain %q", id, err, want)
		}
	}
}

func TestLastAndToDate(t *testing.T) {
	tests := []struct {
		got  Period
		want string
	}{
		{Last(Week, day("2017-12-04")), "2017-W48"}, // a Monday: the week just ended
		{Last(Week, day("2017-12-03")), "2017-W47"}, // a Sunday: its week is not complete
		{Last(Week, day("2020-01-01")), "2019-W52"},
		{Last(Week, day("2021-01-04")), "2020-W53"},
		{Last(Month, day("2017-12-01")), "2017-11"},
		{Last(Quarter, day("2018-01-02")), "2017-Q4"},
		{Last(Half, day("2017-07-01")), "2017-H1"},
		{Last(Year, day("2017-07-01")), "2016"},
		{LastFiscal(Year, day("2018-10-01"), 10), "FY2018"},
		{LastFiscal(Quarter, day("2018-01-01"), 10), "FY2018-Q1"},
		{ToDate(Month, day("2017-12-15")), "2017-12..2017-12-15"},
		{ToDate(Quarter, day("2017-11-15")), "2017-Q4..2017-11-15"},
		{ToDate(Week, day("2017-11-29")), "2017-W48..2017-11-29"},
		{ToDate(Month, day("2017-12-31")), "2017-12"},
	}
	for _, tt := range tests {
		if tt.got.String() != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
	// Walking forward week by week from 2015 to 2025 never skips or repeats a day.
	p := Containing(Week, day("2015-01-01"))
	for p.Start() < day("2025-01-01") {
		n := p.Next()
		if n.Start() != p.End()+1 || n.Previous() != p {
			t.Fatalf("%s -> %s -> %s", p, n, n.Previous())
		}
		p = n
	}
}

// FuzzParsePeriod: whatever ParsePeriod accepts has a first day no later
// than its last, contains both, and reads back from its String.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2017-W48", "2017-12", "2017-Q4", "2017-H2", "2017", "FY2018-Q1", "2017-Q4..2017-11-15", "2020-W53", "x"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, id string, fiscal int) {
		p, err := ParsePeriod(id, time.Month(fiscal%13))
		if err != nil {
			return
		}
		if p.Start() > p.End() || !p.Contains(p.Start()) || !p.Contains(p.End()) {
			t.Fatalf("%q: %s..%s", id, p.Start(), p.End())
		}
		q, err := ParsePeriod(p.String(), p.FiscalStart)
		if err != nil || q != p {
			t.Fatalf("%q -> %s -> %v, %v", id, p, q, err)
		}
	})
}

// TestPeriodKey checks that ids denoting the same dates share one key, and
// that ids of other dates do not.
func TestPeriodKey(t *testing.T) {
	key := func(id string, fiscal time.Month) string {
		t.Helper()
		p, err := ParsePeriod(id, fiscal)
		if err != nil {
			t.Fatal(err)
		}
		return p.Key()
	}
	same := []struct {
		a, b   string
		fiscal time.Month
	}{
		{"2026-w48", "2026-W48", 0},
		{" 2026-W48 ", "2026-W48", 0},
		{"2026-W1", "2026-W01", 0},
		{"fy2027-q1", "2026-Q2", time.April},
		{"FY2027-H1", "2026-H2", time.July},
		{"FY2026-Q4", "2026-Q3", time.October},
		{"FY2026", "2026", 0}, // no fiscal start: fiscal ids are calendar ids
		{"2026-q4..2026-11-15", "2026-Q4..2026-11-15", 0},
	}
	for _, c := range same {
		if ka, kb := key(c.a, c.fiscal), key(c.b, c.fiscal); ka != kb {
			t.Errorf("%q and %q (fiscal start %v): keys %q and %q, want one", c.a, c.b, c.fiscal, ka, kb)
		}
	}
	// Whatever the typing, the key is the calendar id when one exists.
	if k := key("FY2027-Q1", time.April); k != "2026-Q2" {
		t.Errorf("FY2027-Q1 (April) key %q, want the calendar id 2026-Q2", k)
	}
	differ := []struct {
		a, b   string
		fiscal time.Month
	}{
		{"2026-W48", "2026-W49", 0},
		{"FY2027", "2026", time.April},          // April to March is no calendar year
		{"FY2027-Q1", "2026-Q1", time.February}, // Feb-Apr is no calendar quarter
		{"2026-Q4", "2026-Q4..2026-11-15", 0},
	}
	for _, c := range differ {
		if ka, kb := key(c.a, c.fiscal), key(c.b, c.fiscal); ka == kb {
			t.Errorf("%q and %q (fiscal start %v) share key %q", c.a, c.b, c.fiscal, ka)
		}
	}
	// A fiscal quarter off the calendar keeps its fiscal id, whose dates
	// depend on the fiscal start.
	if k := key("FY2027-Q1", time.February); k != "FY2027-Q1" {
		t.Errorf("FY2027-Q1 (February) key %q", k)
	}
}

// TestToDateComparisonWindows: for a week-, month-, quarter-, half- and
// year-to-date on several as-of days, 29 February among them, the
// periods a digest names for last year and the previous period
// (Period.YearAgo, Period.Previous) are the windows Compute sums: the
// History holds exactly them, and the year-ago and previous values equal
// the sums of the deals closed in them, added up here from the deals.
// Cutting each earlier period like the one after it carried a clamped day
// back in time: a half-year to 30 August was compared with last year's
// to 28 August, through a first half cut at 28 February.
func TestToDateComparisonWindows(t *testing.T) {
	ds := crm.NewDataset()
	ds.People = []crm.Person{{Name: "Ann", Email: "ann@x", Role: crm.RoleRep, Team: "A", Region: "R"}}
	ann := ds.Owners.Intern("Ann")
	// One won deal a day, of an amount that changes from day to day, so
	// that a window a day too long or too short sums differently.
	for d := day("2019-01-01"); d <= day("2026-12-31"); d++ {
		ds.Deals = append(ds.Deals, crm.Deal{ID: d.String(), Owner: ann, Status: crm.StatusWon, Created: d, Closed: d,
			ExpectedClose: crm.NoDay, LastActivity: crm.NoDay, Amount: float64(int(d)%97 + 1), Margin: math.NaN(),
			Probability: math.NaN(), Currency: crm.NoID, Account: crm.NoID, Product: crm.NoID, Stage: crm.NoID})
	}
	for k, f := range allFields {
		ds.MarkFields(k, f...)
	}
	sum := func(p Period) float64 {
		s := 0.0
		for _, dl := range ds.Deals {
			if dl.Closed >= p.Start() && dl.Closed <= p.End() {
				s += dl.Amount
			}
		}
		return s
	}
	asOfs := []string{"2024-02-29", "2025-02-28", "2024-03-31", "2025-05-31", "2024-08-30",
		"2025-08-28", "2025-08-31", "2025-11-30", "2026-01-01", "2025-12-31", "2020-12-31"}
	for _, k := range []Kind{Week, Month, Quarter, Half, Year} {
		for _, s := range asOfs {
			asOf := day(s)
			p := ToDate(k, asOf)
			r, err := Compute(ds, Request{Period: p, AsOf: asOf, Options: Options{HistoryN: 60}})
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			v := r.Scope(ScopeOrg, "all").Values[WonRevenue]
			h := r.History
			if prev := p.Previous(); h[len(h)-2] != prev || v.Previous != sum(prev) {
				t.Errorf("%s: previous window %s sums %v, want %s summing %v", p, h[len(h)-2], v.Previous, prev, sum(prev))
			}
			ya, err := p.YearAgo()
			if err != nil {
				if !errors.Is(err, ErrNoYearAgo) || r.YearAgoNote == "" || crm.Has(v.YearAgo) {
					t.Errorf("%s: no year-ago period (%v), yet note %q and year-ago value %v", p, err, r.YearAgoNote, v.YearAgo)
				}
				continue
			}
			i := slices.IndexFunc(h, func(q Period) bool { return q.Whole() == ya.Whole() })
			if i < 0 || h[i] != ya {
				t.Errorf("%s: the history holds no window equal to the year-ago period %s", p, ya)
			}
			if v.YearAgo != sum(ya) {
				t.Errorf("%s: year-ago value %v, want %v, the sum over %s", p, v.YearAgo, sum(ya), ya)
			}
			if p.IsToDate() && k != Week {
				// Same day of the year, 29 February clamped to the 28th.
				wy, wm, wd := asOf.Date()
				want := crm.DayFromDate(wy-1, wm, wd)
				if wm == time.February && wd == 29 {
					want = crm.DayFromDate(wy-1, wm, 28)
				}
				if ya.End() != want {
					t.Errorf("%s: year-ago period %s ends on %s, want %s", p, ya, ya.End(), want)
				}
			}
		}
	}
}
