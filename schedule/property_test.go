package schedule

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// oracle lists the firings in (from, to] the slow, independent way: it
// steps through every UTC minute from 26 hours before from (longer than any repeated hour), reads the wall
// clock, fires on the first occurrence of each matching wall time, and, when
// the offset jumps forward, fires at the jump for any skipped wall time that
// matches.
func oracle(c Cron, loc *time.Location, from, to time.Time) []time.Time {
	seen := make(map[time.Time]bool) // wall times, as UTC values
	wall := func(u time.Time) time.Time {
		l := u.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
	}
	var out []time.Time
	add := func(u time.Time) {
		if u.After(from) && !u.After(to) && (len(out) == 0 || !out[len(out)-1].Equal(u)) {
			out = append(out, u)
		}
	}
	start := from.Add(-26 * time.Hour).Truncate(time.Minute)
	prev := wall(start)
	for u := start; !u.After(to); u = u.Add(time.Minute) {
		w := wall(u)
		// Wall times skipped since the previous minute fire now.
		for g := prev.Add(time.Minute); g.Before(w); g = g.Add(time.Minute) {
			if !seen[g] && c.Matches(g) {
				seen[g] = true
				add(u)
			}
		}
		if !seen[w] && c.Matches(w) {
			add(u)
		}
		seen[w] = true
		if w.After(prev) {
			prev = w
		}
	}
	return out
}

var (
	minuteFields = []string{"*", "0", "30", "*/15", "5,35", "0-10", "59"}
	hourFields   = []string{"*", "2", "1-3", "*/6", "0", "23", "2,3"}
	domFields    = []string{"*", "*", "1", "15", "28-31", "*/10"}
	monthFields  = []string{"*", "*", "3", "10,11", "*/2", "4"}
	dowFields    = []string{"*", "*", "SUN", "MON-FRI", "0,6", "SAT"}
	oracleZones  = []string{
		"Europe/Paris", "America/New_York", "America/Los_Angeles", "Australia/Lord_Howe",
		"Australia/Sydney", "America/Sao_Paulo", "America/Havana", "Pacific/Chatham",
		"Asia/Kolkata", "UTC", "Pacific/Apia", "Europe/London",
	}
)

func randomExpr(r *rand.Rand) string {
	pick := func(f []string) string { return f[r.IntN(len(f))] }
	return pick(minuteFields) + " " + pick(hourFields) + " " + pick(domFields) + " " + pick(monthFields) + " " + pick(dowFields)
}

// TestFiringsMatchOracle compares the wall-clock walk with the oracle over
// random expressions, zones and windows, most of them around a DST
// transition (and Samoa's skipped day, 2011-12-30).
func TestFiringsMatchOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 2026))
	n := 120
	if testing.Short() {
		n = 30
	}
	apia := mustLoad(t, "Pacific/Apia")
	compared, firings, shifted := 0, 0, 0
	for i := 0; i < n; i++ {
		expr := randomExpr(r)
		c, err := ParseCron(expr)
		if err != nil {
			continue // such as the 31st of April
		}
		loc := mustLoad(t, oracleZones[r.IntN(len(oracleZones))])
		// A random instant in 2009-2028, moved next to the zone's next
		// transition when it has one.
		mid := time.Unix(1230768000+r.Int64N(20*365*86400), 0)
		if _, end := mid.In(loc).ZoneBounds(); !end.IsZero() {
			mid = end
		}
		if loc == apia && i%3 == 0 {
			mid = time.Date(2011, 12, 30, 10, 0, 0, 0, time.UTC)
		}
		from := mid.Add(-time.Duration(r.IntN(24*60)) * time.Minute)
		to := mid.Add(time.Duration(r.IntN(24*60)) * time.Minute)
		want := oracle(c, loc, from, to)
		var got []time.Time
		for at := c.Next(from, loc); !at.IsZero() && !at.After(to); at = c.Next(at, loc) {
			got = append(got, at)
		}
		if !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Errorf("%q in %s over (%s, %s]:\n got %v\nwant %v", expr, loc, from.UTC(), to.UTC(), got, want)
			continue
		}
		compared++
		firings += len(got)
		// Every firing is a matching wall time, or the end of a gap that
		// swallowed one.
		for _, at := range got {
			if c.Matches(at.In(loc)) {
				continue
			}
			shifted++
			start, _ := at.In(loc).ZoneBounds()
			_, before := at.Add(-time.Second).In(loc).Zone()
			_, after := at.In(loc).Zone()
			if !start.Equal(at) || after <= before {
				t.Errorf("%q in %s: firing %s is neither a match nor the end of a gap", expr, loc, at.In(loc))
			}
		}
	}
	// Guard the test itself: enough cases, and some spring gaps among them.
	if compared < n/2 || firings == 0 || (shifted == 0 && !testing.Short()) {
		t.Errorf("weak sample: %d expressions compared, %d firings, %d at the end of a gap", compared, firings, shifted)
	}
	t.Logf("%d expressions compared, %d firings, %d at the end of a gap", compared, firings, shifted)
}

// TestFiringsDeterministic checks that a window gives the same firings when
// computed twice, and that two adjacent windows give the whole one's.
func TestFiringsDeterministic(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	r := rand.New(rand.NewPCG(1, 2))
	zones := []string{"Europe/Paris", "America/New_York", "Asia/Tokyo", ""}
	for i := 0; i < 40; i++ {
		spec := Spec{Name: "s", Report: "rep", Cron: randomExpr(r), TimeZone: "recipient", Period: Periods[r.IntN(len(Periods))]}
		s, err := Compile(spec, paris)
		if err != nil {
			continue
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(365*24)) * time.Hour)
		mid := from.Add(time.Duration(r.IntN(5*24*60)) * time.Minute)
		to := mid.Add(time.Duration(r.IntN(5*24*60)) * time.Minute)
		a := s.Firings(from, to, zones)
		b := s.Firings(from, to, zones)
		if !slices.Equal(a, b) {
			t.Fatalf("%q: two computations differ", spec.Cron)
		}
		split := append(s.Firings(from, mid, zones), s.Firings(mid, to, zones)...)
		slices.SortFunc(split, func(x, y Firing) int {
			return cmp.Or(x.At.Compare(y.At), cmp.Compare(x.Zone, y.Zone))
		})
		if !slices.Equal(a, split) {
			t.Fatalf("%q: (from, to] gives %d firings, (from, mid] + (mid, to] gives %d", spec.Cron, len(a), len(split))
		}
		keys := make(map[string]bool)
		for _, f := range a {
			if keys[f.Key()] {
				t.Fatalf("%q: key %s twice", spec.Cron, f.Key())
			}
			keys[f.Key()] = true
		}
	}
}

// FuzzParseCron checks that no input makes the parser panic, and that an
// accepted expression yields increasing firings that match it.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"0 7 * * MON", "@monthly", "*/5 1-3 * 3,10 SUN", "0 0 29 2 *", "TZ=UTC 0 0 * * *", "0 0 0 * * *", "@every 1m"} {
		f.Add(s)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Skip("no tzdata: install the tzdata package")
	}
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := ParseCron(expr)
		if err != nil {
			return
		}
		at := time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 20; i++ {
			next := c.Next(at, paris)
			if next.IsZero() {
				t.Fatalf("%q: no firing after %s", expr, at)
			}
			if !next.After(at) {
				t.Fatalf("%q: Next(%s) = %s, not after", expr, at, next)
			}
			if l := next.In(paris); !c.Matches(l) {
				if start, _ := l.ZoneBounds(); !start.Equal(next) {
					t.Fatalf("%q: firing %s does not match", expr, l)
				}
			}
			at = next
		}
	})
}
