package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// wallLayout shows a firing as local wall time with its offset, which is
// what a DST expectation is about.
const wallLayout = "2006-01-02T15:04-07:00"

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v (install the tzdata package)", name, err)
	}
	return loc
}

func mustCron(t testing.TB, expr string) Cron {
	t.Helper()
	c, err := ParseCron(expr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// local parses a wall time in layout "2006-01-02T15:04" in loc. Only
// unambiguous wall times are used as window bounds.
func local(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// collect lists the firings in (from, to] by repeated Next, the way a
// periodic job runner calls it, shown as local wall times.
func collect(z Zoned, from, to time.Time) []string {
	var out []string
	for at := z.Next(from); !at.IsZero() && !at.After(to); at = z.Next(at) {
		out = append(out, at.In(z.Loc).Format(wallLayout))
	}
	return out
}

func TestParseCron(t *testing.T) {
	for _, tc := range []struct {
		expr string
		err  string // substring; "" means valid
	}{
		{"0 7 * * MON", ""},
		{"30 2 * * *", ""},
		{"*/15 8-18 * * 1-5", ""},
		{"@monthly", ""},
		{"@weekly", ""},
		{"@yearly", ""},
		{"@daily", ""},
		{"@hourly", ""},
		{"  0 8 1 * *  ", ""},
		{"0 0 29 2 *", ""}, // leap days only, still a date
		{"", "empty"},
		{"0 0 7 * * MON", "seconds field is not supported"},
		{"0 7 * *", "expected 5 fields"},
		{"TZ=Europe/Paris 0 7 * * *", "timezone:"},
		{"CRON_TZ=UTC 0 7 * * *", "timezone:"},
		{"@every 1h", "@every is not supported"},
		{"@fortnightly", `"@fortnightly" is not a descriptor`},
		{"61 7 * * *", "minute 61 is out of range"},
		{"0 7 * * FUNDAY", `day of week "FUNDAY" is not a day name`},
		{"0 0 31 4 *", "matches no calendar date"},
		{"0 0 30 2 *", "matches no calendar date"},
	} {
		c, err := ParseCron(tc.expr)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParseCron(%q): %v", tc.expr, err)
		case tc.err == "" && c.String() != strings.TrimSpace(tc.expr):
			t.Errorf("ParseCron(%q).String() = %q", tc.expr, c.String())
		case tc.err != "" && err == nil:
			t.Errorf("ParseCron(%q) accepted, want error with %q", tc.expr, tc.err)
		case tc.err != "" && !strings.Contains(err.Error(), tc.err):
			t.Errorf("ParseCron(%q) = %v, want error with %q", tc.expr, err, tc.err)
		}
	}
}

func TestNextDST(t *testing.T) {
	for _, tc := range []struct {
		zone, expr, from, to string
		want                 []string
	}{
		// Europe/Paris, spring: 2026-03-29 02:00 CET -> 03:00 CEST.
		{"Europe/Paris", "30 2 * * *", "2026-03-27T12:00", "2026-03-31T00:00",
			[]string{"2026-03-28T02:30+01:00", "2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00"}},
		{"Europe/Paris", "30 1 * * *", "2026-03-27T12:00", "2026-03-31T00:00",
			[]string{"2026-03-28T01:30+01:00", "2026-03-29T01:30+01:00", "2026-03-30T01:30+02:00"}},
		{"Europe/Paris", "0 7 * * *", "2026-03-27T12:00", "2026-03-31T00:00",
			[]string{"2026-03-28T07:00+01:00", "2026-03-29T07:00+02:00", "2026-03-30T07:00+02:00"}},
		{"Europe/Paris", "30 2 * * SUN", "2026-03-16T00:00", "2026-04-10T00:00",
			[]string{"2026-03-22T02:30+01:00", "2026-03-29T03:00+02:00", "2026-04-05T02:30+02:00"}},
		{"Europe/Paris", "0 7 * * SUN", "2026-03-16T00:00", "2026-04-10T00:00",
			[]string{"2026-03-22T07:00+01:00", "2026-03-29T07:00+02:00", "2026-04-05T07:00+02:00"}},
		{"Europe/Paris", "* * * * *", "2026-03-29T01:58", "2026-03-29T03:02",
			[]string{"2026-03-29T01:59+01:00", "2026-03-29T03:00+02:00", "2026-03-29T03:01+02:00", "2026-03-29T03:02+02:00"}},
		{"Europe/Paris", "0 * * * *", "2026-03-29T00:30", "2026-03-29T04:30",
			[]string{"2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00", "2026-03-29T04:00+02:00"}},
		{"Europe/Paris", "30 * * * *", "2026-03-29T00:45", "2026-03-29T04:00",
			[]string{"2026-03-29T01:30+01:00", "2026-03-29T03:00+02:00", "2026-03-29T03:30+02:00"}},

		// Europe/Paris, autumn: 2026-10-25 03:00 CEST -> 02:00 CET.
		{"Europe/Paris", "30 2 * * *", "2026-10-23T12:00", "2026-10-27T00:00",
			[]string{"2026-10-24T02:30+02:00", "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00"}},
		{"Europe/Paris", "30 1 * * *", "2026-10-23T12:00", "2026-10-27T00:00",
			[]string{"2026-10-24T01:30+02:00", "2026-10-25T01:30+02:00", "2026-10-26T01:30+01:00"}},
		{"Europe/Paris", "0 7 * * *", "2026-10-23T12:00", "2026-10-27T00:00",
			[]string{"2026-10-24T07:00+02:00", "2026-10-25T07:00+01:00", "2026-10-26T07:00+01:00"}},
		{"Europe/Paris", "30 2 * * SUN", "2026-10-12T00:00", "2026-11-06T00:00",
			[]string{"2026-10-18T02:30+02:00", "2026-10-25T02:30+02:00", "2026-11-01T02:30+01:00"}},
		{"Europe/Paris", "0 * * * *", "2026-10-25T00:30", "2026-10-25T04:30",
			[]string{"2026-10-25T01:00+02:00", "2026-10-25T02:00+02:00", "2026-10-25T03:00+01:00", "2026-10-25T04:00+01:00"}},

		// America/New_York, spring: 2026-03-08 02:00 EST -> 03:00 EDT.
		{"America/New_York", "30 2 * * *", "2026-03-06T12:00", "2026-03-10T00:00",
			[]string{"2026-03-07T02:30-05:00", "2026-03-08T03:00-04:00", "2026-03-09T02:30-04:00"}},
		{"America/New_York", "30 1 * * *", "2026-03-06T12:00", "2026-03-10T00:00",
			[]string{"2026-03-07T01:30-05:00", "2026-03-08T01:30-05:00", "2026-03-09T01:30-04:00"}},
		{"America/New_York", "0 7 * * *", "2026-03-06T12:00", "2026-03-10T00:00",
			[]string{"2026-03-07T07:00-05:00", "2026-03-08T07:00-04:00", "2026-03-09T07:00-04:00"}},
		{"America/New_York", "30 2 * * SUN", "2026-02-24T00:00", "2026-03-20T00:00",
			[]string{"2026-03-01T02:30-05:00", "2026-03-08T03:00-04:00", "2026-03-15T02:30-04:00"}},

		// America/New_York, autumn: 2026-11-01 02:00 EDT -> 01:00 EST.
		{"America/New_York", "30 1 * * *", "2026-10-30T12:00", "2026-11-03T00:00",
			[]string{"2026-10-31T01:30-04:00", "2026-11-01T01:30-04:00", "2026-11-02T01:30-05:00"}},
		{"America/New_York", "30 2 * * *", "2026-10-30T12:00", "2026-11-03T00:00",
			[]string{"2026-10-31T02:30-04:00", "2026-11-01T02:30-05:00", "2026-11-02T02:30-05:00"}},
		{"America/New_York", "0 7 * * *", "2026-10-30T12:00", "2026-11-03T00:00",
			[]string{"2026-10-31T07:00-04:00", "2026-11-01T07:00-05:00", "2026-11-02T07:00-05:00"}},
		{"America/New_York", "30 1 * * SUN", "2026-10-20T00:00", "2026-11-10T00:00",
			[]string{"2026-10-25T01:30-04:00", "2026-11-01T01:30-04:00", "2026-11-08T01:30-05:00"}},

		// Ordinary weeks and months.
		{"Europe/Paris", "0 7 * * MON", "2026-03-01T00:00", "2026-04-01T00:00",
			[]string{"2026-03-02T07:00+01:00", "2026-03-09T07:00+01:00", "2026-03-16T07:00+01:00", "2026-03-23T07:00+01:00", "2026-03-30T07:00+02:00"}},
		{"Europe/Paris", "@weekly", "2026-03-01T00:00", "2026-03-20T00:00",
			[]string{"2026-03-08T00:00+01:00", "2026-03-15T00:00+01:00"}},
		{"Europe/Paris", "@monthly", "2026-01-01T00:00", "2026-06-15T00:00",
			[]string{"2026-02-01T00:00+01:00", "2026-03-01T00:00+01:00", "2026-04-01T00:00+02:00", "2026-05-01T00:00+02:00", "2026-06-01T00:00+02:00"}},
		{"America/Los_Angeles", "0 8 1 * *", "2026-09-15T00:00", "2027-01-15T00:00",
			[]string{"2026-10-01T08:00-07:00", "2026-11-01T08:00-08:00", "2026-12-01T08:00-08:00", "2027-01-01T08:00-08:00"}},
		{"Europe/Paris", "0 8 29 2 *", "2026-01-01T00:00", "2032-12-31T00:00",
			[]string{"2028-02-29T08:00+01:00", "2032-02-29T08:00+01:00"}},
		// Day-of-month and day-of-week both restricted: either matches.
		{"UTC", "0 8 1 * MON", "2026-06-01T08:00", "2026-07-07T00:00",
			[]string{"2026-06-08T08:00+00:00", "2026-06-15T08:00+00:00", "2026-06-22T08:00+00:00", "2026-06-29T08:00+00:00", "2026-07-01T08:00+00:00", "2026-07-06T08:00+00:00"}},
	} {
		t.Run(tc.zone+" "+tc.expr+" "+tc.from, func(t *testing.T) {
			loc := mustLoad(t, tc.zone)
			z := mustCron(t, tc.expr).In(loc)
			from, to := local(t, loc, tc.from), local(t, loc, tc.to)
			got := collect(z, from, to)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("firings in (%s, %s]:\n got %q\nwant %q", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

// TestNextFallBackEveryMinute walks the hour the clocks repeat: the
// repeated wall times do not fire again.
func TestNextFallBackEveryMinute(t *testing.T) {
	loc := mustLoad(t, "Europe/Paris")
	z := mustCron(t, "* * * * *").In(loc)
	from := time.Date(2026, 10, 24, 23, 58, 0, 0, time.UTC) // 01:58 CEST
	to := time.Date(2026, 10, 25, 2, 1, 0, 0, time.UTC)     // 03:01 CET
	got := collect(z, from, to)
	// 01:59, then 02:00..02:59 CEST once, then 03:00 and 03:01 CET.
	if len(got) != 1+60+2 {
		t.Fatalf("got %d firings, want 63: %q", len(got), got)
	}
	if got[1] != "2026-10-25T02:00+02:00" || got[60] != "2026-10-25T02:59+02:00" || got[61] != "2026-10-25T03:00+01:00" {
		t.Errorf("wrong firings around the repeated hour: %q", got[58:])
	}
}

// TestRobfigAloneIsWrong records why this package wraps robfig/cron: on
// its own it skips the spring wall time and repeats the autumn one. If an
// upgrade fixes that, this test says the wrapper may be simplified.
func TestRobfigAloneIsWrong(t *testing.T) {
	loc := mustLoad(t, "Europe/Paris")
	s, err := cron.ParseStandard("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	count := func(from, to time.Time) int {
		n := 0
		for at := s.Next(from.In(loc)); at.Before(to); at = s.Next(at) {
			n++
		}
		return n
	}
	spring := count(local(t, loc, "2026-03-29T00:00"), local(t, loc, "2026-03-29T12:00"))
	autumn := count(local(t, loc, "2026-10-25T00:00"), local(t, loc, "2026-10-25T12:00"))
	if spring == 1 && autumn == 1 {
		t.Skip("robfig/cron now fires once on both nights")
	}
	if spring != 0 || autumn != 2 {
		t.Errorf("robfig/cron fired %d times in spring and %d in autumn, expected the documented 0 and 2", spring, autumn)
	}
	z := mustCron(t, "30 2 * * *").In(loc)
	if n := len(collect(z, local(t, loc, "2026-03-29T00:00"), local(t, loc, "2026-03-29T12:00"))); n != 1 {
		t.Errorf("spring: %d firings, want 1", n)
	}
	if n := len(collect(z, local(t, loc, "2026-10-25T00:00"), local(t, loc, "2026-10-25T12:00"))); n != 1 {
		t.Errorf("autumn: %d firings, want 1", n)
	}
}

func TestResolve(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	for _, tc := range []struct {
		wall  string
		want  string
		exact bool
	}{
		{"2026-03-29T01:59", "2026-03-29T00:59:00Z", true},
		{"2026-03-29T02:00", "2026-03-29T01:00:00Z", false},
		{"2026-03-29T02:59", "2026-03-29T01:00:00Z", false},
		{"2026-03-29T03:00", "2026-03-29T01:00:00Z", true},
		{"2026-10-25T02:00", "2026-10-25T00:00:00Z", true}, // first of two
		{"2026-10-25T02:59", "2026-10-25T00:59:00Z", true},
		{"2026-10-25T03:00", "2026-10-25T02:00:00Z", true},
		{"2026-07-14T12:00", "2026-07-14T10:00:00Z", true},
	} {
		w, _ := time.Parse("2006-01-02T15:04", tc.wall)
		at, exact := resolve(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), paris)
		if got := at.Format(time.RFC3339); got != tc.want || exact != tc.exact {
			t.Errorf("resolve(%s) = %s %v, want %s %v", tc.wall, got, exact, tc.want, tc.exact)
		}
	}
}
