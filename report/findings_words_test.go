package report

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/locale"
)

// TestDiagnosisNamesWhoIsNotAssessed: the Paris manager's table has four
// reps; François Boucher's month compares with last year only (no
// seasonal expectation), so the general slowdown counts three. The
// headline must say "of the 3 reps assessed" and name him with the
// reason, in en, fr and es, or "3 of 3" above a 4-rep table reads as if
// one were forgotten. The count is checked against the table's rows.
func TestDiagnosisNamesWhoIsNotAssessed(t *testing.T) {
	d := demoData()
	var boucher int = -1
	for i, p := range d.People {
		if p.Name == "François Boucher" {
			boucher = i
		}
	}
	if boucher < 0 {
		t.Fatal("no François Boucher in the demo")
	}
	mgr := -1
	for i, p := range d.People {
		if p.Email == d.People[boucher].Manager || p.Name == d.People[boucher].Manager {
			mgr = i
		}
	}
	if mgr < 0 {
		t.Fatalf("no manager %q in the demo", d.People[boucher].Manager)
	}
	for _, code := range []string{"en", "fr", "es"} {
		loc := locale.New(code)
		p := d.People[mgr]
		p.Locale = code
		dg, err := sets(t)[KindManager].Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for _, bl := range dg.Blocks {
			if bl.Table != nil && bl.Table.MarkTitle == loc.T("vs team") {
				rows = len(bl.Table.Rows)
			}
		}
		want := loc.T("Not assessed: %s.", loc.T("%s (not enough history)", "François Boucher"))
		if !strings.Contains(dg.Headline, want) {
			t.Errorf("%s: the headline does not say %q: %s", code, want, dg.Headline)
		}
		mm := storyPhrase(loc, "General slowdown: %d of the %d reps assessed below their usual range (%s).").FindStringSubmatch(dg.Headline)
		if mm == nil {
			t.Errorf("%s: no general slowdown: %s", code, dg.Headline)
			continue
		}
		if n, _ := strconv.Atoi(mm[2]); n != rows-1 {
			t.Errorf("%s: %d reps assessed, the table has %d rows and one rep is not assessed: %s", code, n, rows, dg.Headline)
		}
	}
}

// TestToDoOnDeliveryDay: the demo's export ends on Friday 27 Nov 2026
// and the schedule delivers the rep digests on Monday 30 Nov at 07:00 in
// Paris. The lists stay as of the export (overdue: due before the 27th),
// but the words are true on Monday: no "(today)" but for Monday; the
// actions due from Friday to Sunday are listed apart, open at the
// export; "due this week" is Monday 30 Nov to Sunday 6 Dec, so it holds
// the actions due on Friday 4 Dec. The counts are recomputed here from
// the activities themselves.
func TestToDoOnDeliveryDay(t *testing.T) {
	d := demoData()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	asOf := crm.DayFromDate(2026, time.November, 27)
	monday := crm.DayFromDate(2026, time.November, 30)
	sunday := monday + 6
	opts := Options{Now: time.Date(2026, time.November, 27, 23, 59, 0, 0, paris), Location: paris, TeamRank: true,
		Delivery: time.Date(2026, time.November, 30, 7, 0, 0, 0, paris)}
	s, err := NewSet(d.Dataset, KindRep, pid("2026-W48"), asOf, opts)
	if err != nil {
		t.Fatal(err)
	}
	loc := locale.New("en")
	since := loc.T("Due since the export of %s", loc.Date(asOf.Time()))
	week := loc.T("Due this week")
	today := regexp.MustCompile(`due (\d+ \w+ \d{4}) \(today\)`)
	checked, friday, sinceAll := 0, 0, 0
	for _, p := range d.People {
		if KindOf(p.Role) != KindRep {
			continue
		}
		p.Locale, p.TimeZone = "en", "Europe/Paris"
		dg, err := s.Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		// The actions open at the export, by due day, from the rows.
		owners := s.ownersOf(&p)
		wantSince, wantWeek := 0, 0
		for i := range d.Dataset.Activities {
			a := &d.Dataset.Activities[i]
			if a.IsDone() || !a.Due.Valid() || !slices.Contains(owners, a.Owner) {
				continue
			}
			switch {
			case a.Due >= asOf && a.Due < monday:
				wantSince++
			case a.Due >= monday && a.Due <= sunday:
				wantWeek++
				if a.Due == monday+4 {
					friday++
				}
			}
		}
		gotSince, gotWeek := 0, 0
		for i, bl := range dg.Blocks {
			for _, m := range today.FindAllStringSubmatch(strings.Join(bl.List, "\n"), -1) {
				if m[1] != loc.Date(monday.Time()) {
					t.Errorf("%s: %q is not the reader's today (Monday 30 Nov)", p.Name, m[0])
				}
			}
			count := func(title string) int {
				if !strings.HasPrefix(bl.Paragraph, title+" (") {
					return 0
				}
				n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(bl.Paragraph, title+" ("), ")"))
				if i+1 < len(dg.Blocks) && title == since {
					for _, it := range dg.Blocks[i+1].List {
						if !strings.HasSuffix(it, "(open at the export)") && !strings.HasPrefix(it, "…") {
							t.Errorf("%s: %q under %q does not say it was open at the export", p.Name, it, title)
						}
					}
				}
				return n
			}
			gotSince += count(since)
			gotWeek += count(week)
		}
		if gotSince != wantSince || gotWeek != wantWeek {
			t.Errorf("%s: %d due since the export and %d this week, the activities give %d and %d", p.Name, gotSince, gotWeek, wantSince, wantWeek)
		}
		checked++
		sinceAll += wantSince
	}
	if checked == 0 || friday == 0 || sinceAll == 0 {
		t.Errorf("%d rep digests checked, %d actions due on Friday 4 Dec, %d from Friday to Sunday: the test checks nothing", checked, friday, sinceAll)
	}
}

// TestBackSaysTheRun: "Back within its usual range after a run beyond it
// since Sep 2026" said neither how long the run was nor on which side
// (North America, October 2026: one month, above). Every "back" reading
// of a demo director's digest says both, recomputed here from the
// value's history against its usual range.
func TestBackSaysTheRun(t *testing.T) {
	s := sets(t)[KindDirector]
	loc := locale.New("en")
	found := 0
	for _, p := range demoData().People {
		if KindOf(p.Role) != KindDirector {
			continue
		}
		p.Locale = "en"
		dg, err := s.Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range dg.Claims {
			if c.State != string(kpi.StateBack) {
				continue
			}
			var sc *kpi.Scope
			for _, k := range []kpi.ScopeKind{kpi.ScopeOrg, kpi.ScopeRegion, kpi.ScopeTeam, kpi.ScopeRep} {
				if k.String() == c.Scope {
					sc = s.main.Scope(k, c.Key)
				}
			}
			if sc == nil {
				t.Fatalf("%s: no scope %s %s", p.Name, c.Scope, c.Key)
			}
			h := sc.Values[c.Metric].History
			side := func(i int) int {
				switch {
				case h.Values[i] < h.Low[i]:
					return -1
				case h.Values[i] > h.High[i]:
					return 1
				}
				return 0
			}
			last := len(h.Values) - 1
			dir, n := side(last-1), 0
			for i := last - 1; i >= 0 && side(i) == dir; i-- {
				n++
			}
			if dir == 0 || side(last) != 0 {
				t.Errorf("%s: %s %s read back, but the history does not end a run: %v", p.Name, c.Scope, c.Key, c.Text)
				continue
			}
			since := s.main.History[last-n]
			name := loc.ShortMonthYear(time.Month(since.N), since.Year)
			var want string
			switch {
			case n == 1 && dir > 0:
				want = loc.T("Back within its usual range after a month above it (%s).", name)
			case n == 1:
				want = loc.T("Back within its usual range after a month below it (%s).", name)
			case dir > 0:
				want = loc.T("Back within its usual range after %d months above it, since %s.", n, name)
			default:
				want = loc.T("Back within its usual range after %d months below it, since %s.", n, name)
			}
			if c.Text != want {
				t.Errorf("%s: %s %s reads %q, want %q", p.Name, c.Scope, c.Key, c.Text, want)
			}
			found++
		}
	}
	if found == 0 {
		t.Error("no director's digest reads a value back within its range: the test checks nothing")
	}
}

// TestWithinOffIsNotWithin: a reading 15 % or more off its expectation
// but inside its usual range has its own documented words, "Below
// expectation, within usual variation (±X %)"; the directors' "within the
// usual range" lines named Iberia and Madrid at -27 % on new
// opportunities. No scope listed as within reads within_off, and every
// within_off reading of a director's scopes is said with its figure.
func TestWithinOffIsNotWithin(t *testing.T) {
	loc := locale.New("en")
	within := storyPhrase(loc, "Within the usual range (%s): %s.")
	said := 0
	// July 2026 has won revenue and new opportunities 23-27 % above
	// expectation within range (Iberia, Madrid); October none.
	for _, month := range []string{"2026-07", "2026-10"} {
		s, err := NewSet(demoData().Dataset, KindDirector, pid(month), demoAsOf, demoOptions())
		if err != nil {
			t.Fatal(err)
		}
		said += withinOffSaid(t, s, loc, within)
	}
	if said == 0 {
		t.Error("no director's digest says a reading off its expectation within its range: the test checks nothing")
	}
}

func withinOffSaid(t *testing.T, s *Set, loc locale.Locale, within *regexp.Regexp) int {
	state := map[string]kpi.State{} // metric + scope key -> state
	for _, rd := range s.main.Findings.Readings {
		if rd.Kind == kpi.ScopeTeam || rd.Kind == kpi.ScopeRegion {
			state[rd.Metric+"|"+rd.Key] = rd.State
		}
	}
	metricOf := map[string]string{}
	said := 0
	for _, p := range demoData().People {
		if KindOf(p.Role) != KindDirector {
			continue
		}
		p.Locale = "en"
		for _, m := range readingMetrics {
			metricOf[strings.ToLower(s.newBuilder(&p).metricLabel(m))] = m
		}
		dg, err := s.Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		for _, bl := range dg.Blocks {
			if mm := within.FindStringSubmatch(bl.Paragraph); mm != nil {
				m, ok := metricOf[mm[1]]
				if !ok {
					t.Fatalf("unknown metric %q in %q", mm[1], bl.Paragraph)
				}
				for _, name := range strings.Split(mm[2], ", ") {
					if st := state[m+"|"+name]; st == kpi.StateWithinOff {
						t.Errorf("%s: %q lists %s, whose %s is %s", p.Name, bl.Paragraph, name, m, st)
					}
				}
			}
			for _, it := range bl.List {
				if strings.Contains(it, "expectation, within usual variation (±") {
					said++
				}
			}
		}
	}
	return said
}

// A team inside its usual range but 15 % or more below its expectation is
// not said to be "within its usual range or above it" with no figure: the
// sentence gives the gap and the usual variation, recomputed here from the
// team's month-to-date won revenue in the diagnosis (New York, 2026-W48).
func TestManagerNoneSaysTheGap(t *testing.T) {
	d := demoData()
	// Read on the Monday (the test sets), and as a scheduled run reads the
	// bundled export: as of its Friday, where the headline's first fact is
	// the gap to the expectation itself.
	// Since teams pool their seasonal indices with the level above, New
	// York's month to date on those two days is within 15 % of its
	// expectation: the two forms are read on the days that hold them too,
	// New York as of Wednesday 25 November (the gap said by the
	// diagnosis) and Madrid in week 47 as of Thursday 19 November (the gap
	// a fact of the headline).
	all := []*Set{sets(t)[KindManager]}
	for _, c := range []struct {
		week string
		day  int
	}{{"2026-W48", 27}, {"2026-W48", 25}, {"2026-W47", 19}} {
		s, err := NewSet(d.Dataset, KindManager, pid(c.week), crm.DayFromDate(2026, time.November, c.day), demoOptions())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
	}
	seen, short := 0, 0
	for _, s := range all {
		for _, p := range Recipients(d.Dataset, KindManager) {
			for _, code := range []string{"en", "fr", "es"} {
				loc := locale.New(code)
				q := *p
				q.Locale = code
				dg, err := s.Digest(&q)
				if err != nil {
					t.Fatal(err)
				}
				// The candidates as the manager's digest takes them: the week and
				// the month to date, then the longer periods if neither will do.
				res := []*kpi.Result{s.main, s.toDate[0]}
				diag := kpi.Diagnose(res, teamOf(p))
				if diag.Kind == kpi.DiagnosisNotAssessed {
					diag = kpi.Diagnose(append(res, s.diagResults()...), teamOf(p))
				}
				rd := diag.TeamReading
				if diag.Kind != kpi.DiagnosisNone || rd == nil || rd.State != kpi.StateWithinOff || rd.Direction >= 0 {
					continue
				}
				seen++
				// The gap is said once: by the diagnosis, or by a fact of the
				// headline before it, the diagnosis then adding the variation.
				gap := loc.T("%s below the seasonal expectation", loc.Percent(-rd.Deviation, 0))
				want := loc.T("The team is %s below its expectation, within its usual variation (±%s): no slowdown, general or individual, to diagnose.",
					loc.Percent(-rd.Deviation, 0), loc.Percent(rd.Variation, 0))
				if strings.Contains(dg.Headline, gap) {
					want = loc.T("The team is within its usual variation (±%s): no slowdown, general or individual, to diagnose.", loc.Percent(rd.Variation, 0))
					short++
				}
				if strings.Count(dg.Headline, loc.Percent(-rd.Deviation, 0)) > 1 {
					t.Errorf("%s %s: the gap is said twice: %s", p.Name, code, dg.Headline)
				}
				if !strings.Contains(dg.Headline, lowerFirst(want)) {
					t.Errorf("%s %s: headline lacks %q: %s", p.Name, code, want, dg.Headline)
				}
				if strings.Contains(dg.Headline, lowerFirst(loc.T("The team is within its usual range or above it: no slowdown, general or individual, to diagnose."))) {
					t.Errorf("%s %s: says within or above at %.0f %%: %s", p.Name, code, rd.Deviation*100, dg.Headline)
				}
			}
		}
	}
	if seen == 0 || short == 0 || short == seen {
		t.Fatalf("%d demo headlines inside the range and well below expectation, %d of them with the gap as a fact: the test checks only one form", seen, short)
	}
}
