package report

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/locale"
)

// storyPhrase matches a catalogue sentence in one locale, its verbs (%s,
// %d) captured, so that the test reads the rendered words rather than the
// structs they were rendered from.
func storyPhrase(loc locale.Locale, key string) *regexp.Regexp {
	tr := strings.ReplaceAll(loc.T(key, markerArgs(key)...), strconv.Itoa(intMarker), "\x00")
	parts := strings.Split(tr, "\x00")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	// Case folded: a headline puts the sentence after its period
	// ("Quarter to date, general slowdown: …").
	return regexp.MustCompile("(?i)" + strings.Join(parts, "(.+?)"))
}

// markerArgs fills every verb of key, in order, with a marker that
// storyPhrase turns into a capture: "\x00" for %s, intMarker for %d
// (a string given to %d would print as "%!d(string=…)").
func markerArgs(key string) []any {
	var args []any
	for i := 0; i+1 < len(key); i++ {
		if key[i] != '%' {
			continue
		}
		switch key[i+1] {
		case 's':
			args = append(args, "\x00")
		case 'd':
			args = append(args, intMarker)
		}
		i++
	}
	return args
}

// intMarker stands for a %d in markerArgs: a number the catalogue's
// sentences do not hold, and short enough that no locale groups its
// digits.
const intMarker = 987

// storyTexts returns every rendered string of a digest: headline,
// summary, paragraphs, figures, lists and table rows with their marks.
func storyTexts(d *Digest) []string {
	out := []string{d.Headline}
	for _, it := range d.Summary {
		out = append(out, it.Label+" "+it.Value+" "+it.Comparison)
	}
	out = append(out, d.Alerts...)
	for _, bl := range d.Blocks {
		out = append(out, bl.Section, bl.Paragraph)
		out = append(out, bl.List...)
		for _, k := range bl.KPIs {
			out = append(out, k.Label+" "+k.Value+" "+k.Comparison)
		}
		for _, b := range bl.Bullets {
			out = append(out, b.Label+" "+b.Value+" "+b.Comparison)
		}
		if bl.Table != nil {
			for i, r := range bl.Table.Rows {
				row := strings.Join(r, " | ")
				if i < len(bl.Table.Marks) {
					row += " | " + bl.Table.Marks[i]
				}
				out = append(out, row)
			}
		}
	}
	return out
}

// TestDemoStoryConverse: every structural mark, every manager diagnosis
// and every "far below" flag in the demo organisation's digests, all
// people and roles, in en, fr and es, is on the list the generator
// planted (demo.Story): a structural break only for the declining team,
// its region or the organisation it weighs on; a general slowdown only
// in the declining team's digest; an individual shortfall or a "far
// below" flag only in the struggling reps' team, naming only them.
func TestDemoStoryConverse(t *testing.T) {
	d := demoData()
	st := d.Story
	if st.DeclineTeam == "" || st.StrugglingTeam == "" || len(st.Struggling) == 0 {
		t.Fatalf("the demo plants no story: %+v", st)
	}
	var struggling []string
	declineRegion := ""
	for _, p := range d.People {
		if slices.Contains(st.Struggling, p.Email) {
			struggling = append(struggling, p.Name)
		}
		if p.Team == st.DeclineTeam {
			declineRegion = p.Region
		}
	}
	checked := 0
	for _, code := range []string{"en", "fr", "es"} {
		loc := locale.New(code)
		structural := []*regexp.Regexp{
			storyPhrase(loc, "Structural since %s"),
			storyPhrase(loc, "This looks structural: a lasting break since %s."),
			storyPhrase(loc, "%s — %s: structural since %s, %s vs expected."),
			storyPhrase(loc, "%s — %s: structural, %s vs expected; beyond the seasonal range in %s."),
			storyPhrase(loc, "Beyond the seasonal range %d months running: this looks structural."),
		}
		general := []*regexp.Regexp{
			storyPhrase(loc, "General slowdown: %d of the %d reps assessed below their usual range (%s)."),
			storyPhrase(loc, "General slowdown: %d of %d reps below their %s (%s)."),
		}
		individual := []*regexp.Regexp{
			storyPhrase(loc, "Individual shortfall: %s below their %s while the team holds."),
			storyPhrase(loc, "Individual shortfall: %s far below their own expectation."),
			storyPhrase(loc, "Individual shortfall: %s far below the rest of the team."),
		}
		// The mark reads "▼▼ Won rev." (the legend under the table says
		// ▼▼ is far below), so the double sign is what is looked for.
		farBelow := "▼▼"
		for i := range d.People {
			p := d.People[i]
			p.Locale = code
			k := KindOf(p.Role)
			dg, err := sets(t)[k].Digest(&p)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			// The scopes a digest may call structural: the declining team,
			// and above it its region and the organisation.
			for _, s := range storyTexts(dg) {
				for _, re := range structural {
					if re.MatchString(s) && !(p.Team == st.DeclineTeam || (k == KindDirector && (p.Region == "" || p.Region == declineRegion))) {
						t.Errorf("%s, %s's digest (%s): a structural mark off the planted list: %s", code, p.Name, k, s)
					}
				}
				for _, re := range general {
					if re.MatchString(s) && p.Team != st.DeclineTeam {
						t.Errorf("%s, %s's digest (%s): a general slowdown off the planted list: %s", code, p.Name, k, s)
					}
				}
				for _, re := range individual {
					m := re.FindStringSubmatch(s)
					if m == nil {
						continue
					}
					if p.Team != st.StrugglingTeam || !namesOnly(m[1], struggling) {
						t.Errorf("%s, %s's digest (%s): an individual shortfall off the planted list: %s", code, p.Name, k, s)
					}
				}
			}
			// The flag is a table mark; the legend under the table names
			// it too, so only the marks are read.
			for _, bl := range dg.Blocks {
				if bl.Table == nil {
					continue
				}
				for i, mark := range bl.Table.Marks {
					if strings.Contains(mark, farBelow) && (p.Team != st.StrugglingTeam || !slices.Contains(struggling, bl.Table.Rows[i][0])) {
						t.Errorf("%s, %s's digest (%s): %s flagged %q, off the planted list", code, p.Name, k, bl.Table.Rows[i][0], mark)
					}
				}
			}
		}
	}
	if checked != 3*len(d.People) {
		t.Fatalf("checked %d digests, want %d", checked, 3*len(d.People))
	}
}

// namesOnly reports whether a list of names as a sentence renders it
// ("A", "A and B", "A et B", "A y B") holds only names from allowed.
func namesOnly(list string, allowed []string) bool {
	for _, n := range regexp.MustCompile(`, | and | et | y `).Split(list, -1) {
		if !slices.Contains(allowed, strings.TrimSpace(n)) {
			return false
		}
	}
	return true
}

// TestDemoRangesNotNegative: no usual range the demo digests show or cite
// has a lower bound below zero; every metric is an amount, a count, a
// rate or a duration, which cannot be negative, so such a bound would be
// an artefact of a wide relative range (expected × (1 − w) with w > 1).
func TestDemoRangesNotNegative(t *testing.T) {
	d := demoData()
	seen := 0
	for i := range d.People {
		p := d.People[i]
		p.Locale = "en"
		k := KindOf(p.Role)
		dg, err := sets(t)[k].Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range dg.Claims {
			if c.Against == againstRange {
				seen++
				if c.Low < 0 {
					t.Errorf("%s's digest: the claim %q cites a usual range from %v", p.Name, c.Text, c.Low)
				}
			}
		}
		for _, bl := range dg.Blocks {
			if bl.Chart == nil {
				continue
			}
			for j, lo := range bl.Chart.Low {
				if crm.Has(float64(lo)) {
					seen++
				}
				if lo < 0 {
					t.Errorf("%s's digest: the chart %q draws a usual range from %v in %s", p.Name, bl.Chart.Caption, lo, bl.Chart.Labels[j])
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no usual range in the demo digests: the test checks nothing")
	}
}

// TestDemoStory: the bundled demo's digests tell the story the generator
// planted (demo.Story, docs/REPORTS.md "The demo's story"), read in the
// rendered words and figures, in en, fr and es:
//
//   - the declining team's break is structural and dated in the October
//     digests of the head of sales and of its region's director: its row
//     reads "structural since" the month the decline starts or the one
//     after (a run below range that the level-shift test does not take
//     for a lasting break would not do), and the region director's
//     headline calls it a lasting break from that month;
//   - its manager's digest for 2026-W48 reads a general slowdown;
//   - the struggling rep's manager reads an individual shortfall naming
//     that rep only, and the rep table flags them far below;
//   - the August trough reads as seasonal wherever no other story runs:
//     in the trend charts of the head of sales and of the on-target
//     team's director, each August of the chart is a trough of the
//     seasonal expectation, a trough of the actual, inside the usual
//     range, and no structural mark names it; in every region's
//     "this year vs last year" chart August is the lowest month of last
//     year and of this year so far;
//   - the on-target team reads near its target (within 5 %) in the
//     ranking of the head of sales and in its director's headline,
//     while the two other teams stand far below theirs.
func TestDemoStory(t *testing.T) {
	d := demoData()
	st := d.Story
	if st.DeclineTeam == "" || st.StrugglingTeam == "" || len(st.Struggling) != 1 || st.OnTargetTeam == "" {
		t.Fatalf("the demo plants no full story: %+v", st)
	}
	var head, declineDirector, onTargetDirector, declineManager, struggleManager *crm.Person
	region := map[string]string{}
	var strugglingName string
	for i := range d.People {
		p := &d.People[i]
		if p.Role == crm.RoleRep {
			region[p.Team] = p.Region
		}
		if p.Email == st.Struggling[0] {
			strugglingName = p.Name
		}
	}
	var directors []*crm.Person
	for i := range d.People {
		p := &d.People[i]
		switch {
		case p.Role == crm.RoleDirector && p.Region == "":
			head = p
		case p.Role == crm.RoleDirector:
			directors = append(directors, p)
			if p.Region == region[st.DeclineTeam] {
				declineDirector = p
			}
			if p.Region == region[st.OnTargetTeam] {
				onTargetDirector = p
			}
		case p.Role == crm.RoleManager && p.Team == st.DeclineTeam:
			declineManager = p
		case p.Role == crm.RoleManager && p.Team == st.StrugglingTeam:
			struggleManager = p
		}
	}
	if head == nil || declineDirector == nil || onTargetDirector == nil || declineManager == nil || struggleManager == nil || strugglingName == "" {
		t.Fatal("the demo directory lacks a person the story test reads")
	}
	pct := regexp.MustCompile(`(\d+)[\s\x{a0}\x{202f}]*%`)
	for _, code := range []string{"en", "fr", "es"} {
		loc := locale.New(code)
		digest := func(p *crm.Person) *Digest {
			t.Helper()
			q := *p
			q.Locale = code
			dg, err := sets(t)[KindOf(q.Role)].Digest(&q)
			if err != nil {
				t.Fatal(err)
			}
			return dg
		}
		y, m, _ := st.DeclineFrom.Date()
		dated := []string{loc.ShortMonthYear(m, y), loc.ShortMonthYear(m+1, y)}
		aug := loc.ShortMonth(time.August)

		// The decline, structural and dated, in the October digests
		// above the team. Anchored at the end: the month closes the
		// cell, and a lazy capture would otherwise stop at its first
		// letter.
		breakRow := []*regexp.Regexp{regexp.MustCompile(storyPhrase(loc, "Structural since %s").String() + "$")}
		for _, p := range []*crm.Person{head, declineDirector} {
			dg := digest(p)
			found := false
			for _, bl := range dg.Blocks {
				if bl.Table == nil {
					continue
				}
				for i, r := range bl.Table.Rows {
					if len(r) == 0 || r[0] != st.DeclineTeam {
						continue
					}
					cells := slices.Clone(r)
					if i < len(bl.Table.Marks) {
						cells = append(cells, bl.Table.Marks[i])
					}
					for _, c := range cells {
						for _, re := range breakRow {
							if mm := re.FindStringSubmatch(c); mm != nil && slices.Contains(dated, mm[1]) {
								found = true
							}
						}
					}
				}
			}
			if !found {
				t.Errorf("%s, %s's October digest: no row marks %s structural since %v", code, p.Name, st.DeclineTeam, dated)
			}
		}
		// The sentence filled with the month, not a capture: a French
		// month ends with a full stop ("juil."), as the sentence does.
		if dg := digest(declineDirector); !slices.ContainsFunc(dated, func(m string) bool {
			return strings.Contains(dg.Headline, loc.T("This looks structural: a lasting break since %s.", m))
		}) {
			t.Errorf("%s, %s's October headline does not call %s's break structural since %v: %s", code, declineDirector.Name, st.DeclineTeam, dated, dg.Headline)
		}

		// The declining team's manager: a general slowdown.
		general := []*regexp.Regexp{
			storyPhrase(loc, "General slowdown: %d of the %d reps assessed below their usual range (%s)."),
			storyPhrase(loc, "General slowdown: %d of %d reps below their %s (%s)."),
		}
		if dg := digest(declineManager); !matchesAny(general, dg.Headline) {
			t.Errorf("%s, %s's digest does not read a general slowdown: %s", code, declineManager.Name, dg.Headline)
		}

		// The struggling rep's manager: an individual shortfall naming
		// them only, and the far-below flag on their row.
		individual := storyPhrase(loc, "Individual shortfall: %s far below their own expectation.")
		dg := digest(struggleManager)
		if mm := individual.FindStringSubmatch(dg.Headline); mm == nil || !namesOnly(mm[1], []string{strugglingName}) {
			t.Errorf("%s, %s's digest does not name %s alone as an individual shortfall: %s", code, struggleManager.Name, strugglingName, dg.Headline)
		}
		flagged := false
		for _, bl := range dg.Blocks {
			if bl.Table == nil {
				continue
			}
			for i, mark := range bl.Table.Marks {
				if strings.Contains(mark, "▼▼") && bl.Table.Rows[i][0] == strugglingName {
					flagged = true
				}
			}
		}
		if !flagged {
			t.Errorf("%s, %s's rep table does not flag %s far below", code, struggleManager.Name, strugglingName)
		}

		// The August trough, read as seasonal where nothing else runs.
		structural := []*regexp.Regexp{
			storyPhrase(loc, "Structural since %s"),
			storyPhrase(loc, "This looks structural: a lasting break since %s."),
		}
		for _, p := range []*crm.Person{head, onTargetDirector} {
			dg := digest(p)
			augusts := 0
			for _, bl := range dg.Blocks {
				c := bl.Chart
				if c == nil || c.Kind != ChartTrend {
					continue
				}
				for i, l := range c.Labels {
					if !strings.HasPrefix(l, aug) || i == 0 || i+1 >= len(c.Labels) {
						continue
					}
					augusts++
					a, e, lo, hi := c.Actual[i], c.Expected[i], c.Low[i], c.High[i]
					if !(e < c.Expected[i-1] && e < c.Expected[i+1]) {
						t.Errorf("%s, %s's trend, %s: the expectation %v is no trough (%v, %v around it)", code, p.Name, l, e, c.Expected[i-1], c.Expected[i+1])
					}
					if !(a < c.Actual[i-1] && a < c.Actual[i+1]) {
						t.Errorf("%s, %s's trend, %s: the actual %v is no trough (%v, %v around it)", code, p.Name, l, a, c.Actual[i-1], c.Actual[i+1])
					}
					if a < lo || a > hi {
						t.Errorf("%s, %s's trend, %s: %v outside its usual range [%v, %v]", code, p.Name, l, a, lo, hi)
					}
				}
			}
			if augusts < 2 {
				t.Errorf("%s, %s's trend chart shows %d Augusts, want two years of them", code, p.Name, augusts)
			}
			for _, s := range storyTexts(dg) {
				for _, re := range structural {
					if mm := re.FindStringSubmatch(s); mm != nil && strings.HasPrefix(mm[1], aug) {
						t.Errorf("%s, %s's digest calls August structural: %s", code, p.Name, s)
					}
				}
			}
		}
		for _, p := range directors {
			dg := digest(p)
			for _, bl := range dg.Blocks {
				c := bl.Chart
				if c == nil || c.Kind != ChartYoY {
					continue
				}
				lowest := func(v []Num) int {
					k := -1
					for i, x := range v {
						if crm.Has(float64(x)) && (k < 0 || x < v[k]) {
							k = i
						}
					}
					return k
				}
				if lowest(c.Reference) != 7 || lowest(c.Actual) != 7 {
					t.Errorf("%s, %s's year-on-year chart: lowest month %d last year, %d this year; want August (7, from 0)", code, p.Name, lowest(c.Reference), lowest(c.Actual))
				}
			}
		}

		// The team on target, near it; the others far below theirs.
		for _, bl := range digest(head).Blocks {
			if bl.Table == nil || bl.Chart == nil || bl.Chart.Kind != ChartRanking {
				continue
			}
			for _, r := range bl.Table.Rows {
				mm := pct.FindStringSubmatch(r[len(r)-1])
				if mm == nil {
					continue
				}
				v, _ := strconv.Atoi(mm[1])
				switch {
				case r[1] == st.OnTargetTeam && (v < 95 || v > 105):
					t.Errorf("%s, the ranking puts %s at %d%% of target, want 95-105", code, r[1], v)
				case r[1] != st.OnTargetTeam && v >= 90:
					t.Errorf("%s, the ranking puts %s at %d%% of target: the story has it well below", code, r[1], v)
				}
			}
		}
		near := []*regexp.Regexp{storyPhrase(loc, "%s above target"), storyPhrase(loc, "%s below target")}
		hd := digest(onTargetDirector).Headline
		ok := strings.Contains(hd, loc.T("on target"))
		for _, re := range near {
			if mm := re.FindStringSubmatch(hd); mm != nil {
				if n := pct.FindStringSubmatch(mm[1]); n != nil {
					v, _ := strconv.Atoi(n[1])
					ok = ok || v <= 5
				}
			}
		}
		if !ok {
			t.Errorf("%s, %s's headline does not read near target: %s", code, onTargetDirector.Name, hd)
		}
	}
}

func matchesAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
