package report

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/locale"
)

// storyPhrase matches a catalogue sentence in one locale, its verbs (%s,
// %d) captured, so that the test reads the rendered words rather than the
// structs they were rendered from.
func storyPhrase(loc locale.Locale, key string) *regexp.Regexp {
	tr := loc.T(key, markerArgs(key)...)
	parts := strings.Split(tr, "\x00")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(strings.Join(parts, "(.+?)"))
}

// markerArgs fills every verb of key with a marker that storyPhrase
// turns into a capture (%d included: the printer would format a number).
func markerArgs(key string) []any {
	n := strings.Count(key, "%s") + strings.Count(key, "%d")
	args := make([]any, n)
	for i := range args {
		args[i] = "\x00"
	}
	return args
}

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
			storyPhrase(loc, "General slowdown: %d of %d reps below their usual range (%s)."),
			storyPhrase(loc, "General slowdown: %d of %d reps below their %s (%s)."),
		}
		individual := []*regexp.Regexp{
			storyPhrase(loc, "Individual shortfall: %s below their %s while the team holds."),
			storyPhrase(loc, "Individual shortfall: %s far below their own expectation."),
			storyPhrase(loc, "Individual shortfall: %s far below the rest of the team."),
		}
		farBelow := "▼ " + loc.T("far below")
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
