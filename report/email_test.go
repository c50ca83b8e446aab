package report

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/templates"
)

// tokenCount counts the whole-number occurrences of tok in s: not inside
// a longer figure ("11" is not in "€113,280" nor in "2.11").
func tokenCount(s, tok string) int {
	part := func(r rune) bool {
		return unicode.IsDigit(r) || r == ',' || r == '.' || r == '\u00a0' || r == '\u202f'
	}
	n := 0
	for i := 0; ; {
		j := strings.Index(s[i:], tok)
		if j < 0 {
			return n
		}
		at := i + j
		end := at + len(tok)
		before, after := ' ', ' '
		if at > 0 {
			before = lastRune(s[:at])
		}
		if end < len(s) {
			after = []rune(s[end:])[0]
		}
		// "12,5" and "1.200" go on with a digit after the separator; a
		// separator that ends a sentence ("11." "11,") does not.
		follow := end+1 < len(s) && strings.ContainsRune(",.\u00a0\u202f", after) && unicode.IsDigit([]rune(s[end+len(string(after)):])[0])
		if !part(before) && !unicode.IsDigit(after) && !follow {
			n++
		}
		i = end
	}
}

func lastRune(s string) rune {
	r := []rune(s)
	return r[len(r)-1]
}

// factLines are the lines of a text body that state facts: every line
// with a figure but the lines that name the period (the intro, the
// attachment line with its as-of date) and the to-do items with their
// links, which list records rather than state figures.
func factLines(e templates.Email, text string) []string {
	var out []string
	inAlerts := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "":
			inAlerts = false
		case inAlerts, strings.Contains(line, e.Period):
		case !strings.ContainsAny(line, "0123456789") && !strings.HasPrefix(line, "- "):
			// a title, the greeting or the footer; the alerts' title
			// starts the to-do items
			inAlerts = len(e.Alerts) > 0 && strings.Contains(text, line+"\n- "+e.Alerts[0])
		default:
			out = append(out, line)
		}
	}
	return out
}

// TestEmailSaysEachFactOnce renders every demo digest's email and checks
// that no fact is said twice: the overdue count once, by the headline (the
// body without the headline holds the count only where a key figure
// happens to be the same number), and no key figure that the headline
// states as a claim (same metric, period and value).
func TestEmailSaysEachFactOnce(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	overdueSaid, dropped := 0, 0
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		s := linkedSet(t, k)
		for _, p := range Recipients(demoData().Dataset, k) {
			d, err := s.Digest(p)
			if err != nil {
				t.Fatal(err)
			}
			e := d.Email()
			r, err := set.Render(e)
			if err != nil {
				t.Fatal(err)
			}
			if n := d.Overdue; n > 0 {
				phrase := d.loc.T("%d actions overdue.", n)
				if n == 1 {
					phrase = d.loc.T("1 action overdue.")
				}
				if c, h := strings.Count(r.Text, phrase), strings.Count(r.HTML, phrase); c != 1 || h != 1 {
					t.Errorf("%s: %q said %d times in the text, %d in the HTML; want once", p.Email, phrase, c, h)
				}
				bare := e
				bare.Headline = ""
				rb, err := set.Render(bare)
				if err != nil {
					t.Fatal(err)
				}
				var items []string
				for _, it := range e.Summary {
					items = append(items, it.Label, it.Value, it.Comparison)
				}
				tok := strconv.Itoa(n)
				facts := strings.Join(factLines(bare, rb.Text), "\n")
				if got, data := tokenCount(facts, tok), tokenCount(strings.Join(items, " | "), tok); got != data {
					t.Errorf("%s: without its headline the email says %d %d times (the key figures hold it %d times):\n%s", p.Email, got, n, data, facts)
				}
				overdueSaid++
			}
			shown := map[string]bool{}
			for _, it := range e.Summary {
				shown[it.Label] = true
			}
			for _, it := range d.Summary {
				for _, c := range d.Claims {
					if it.metric != c.Metric || it.value != c.Value || c.Label == "" || !strings.HasPrefix(it.Label, c.Label) || !strings.Contains(d.Headline, c.Text) {
						continue
					}
					if shown[it.Label] {
						t.Errorf("%s: the key figure %q %s is also in the headline: %q", p.Email, it.Label, it.Value, c.Text)
					} else {
						dropped++
					}
				}
			}
		}
	}
	if overdueSaid < 5 || dropped < 5 {
		t.Errorf("only %d digests with overdue actions and %d key figures stated by the headline checked", overdueSaid, dropped)
	}
}

// TestEmailChart checks the email's chart of every demo digest: a PNG,
// and alt text that says each figure the chart draws — for a rep and a
// manager the won revenue of every period of the bullet graphs with its
// target, for a director the last months of the trend.
func TestEmailChart(t *testing.T) {
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		for _, p := range Recipients(demoData().Dataset, k) {
			d, err := sets(t)[k].Digest(p)
			if err != nil {
				t.Fatal(err)
			}
			png, alt, err := d.EmailChart()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Fatalf("%s: no PNG chart for the email", p.Email)
			}
			var want []string
			if k == KindDirector {
				var trend *Chart
				for _, bl := range d.Blocks {
					if bl.Chart != nil && bl.Chart.Kind == ChartTrend && trend == nil {
						trend = bl.Chart
					}
				}
				n := len(trend.Labels)
				want = append(want, trend.Labels[n-1], d.loc.Money(float64(trend.Actual[n-1]), d.currency, 0), trend.Caption)
			} else {
				for _, bl := range d.Blocks {
					if len(bl.Bullets) == 0 {
						continue
					}
					for _, b := range bl.Bullets {
						want = append(want, b.Label+" "+b.Value)
						if b.RefIsTarget {
							want = append(want, d.loc.T("target")+" "+d.loc.Money(float64(b.Reference), d.currency, 0))
						}
					}
					break // the first bullet graphs are won revenue's
				}
			}
			if len(want) < 2 {
				t.Fatalf("%s: nothing to look for in the alt text", p.Email)
			}
			for _, w := range want {
				if !strings.Contains(alt, w) {
					t.Errorf("%s: the chart's alt text %q does not say %q", p.Email, alt, w)
				}
			}
		}
	}
}

// TestEmailOverdueAsThePDFLists checks the line that ends a rep email's
// overdue actions against the PDF's list: the email lists five, the PDF
// ten and then "… and N more in the CRM", so the email must say how many
// more the attached digest holds and how many only the CRM (issue 9: Ryan's
// email said "8 more … in the attached digest" where the PDF listed 5
// more and sent the reader to the CRM for 3).
func TestEmailOverdueAsThePDFLists(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ds := demoData().Dataset
	beyond := 0
	for _, p := range Recipients(ds, KindRep) {
		q := *p
		q.Locale = "en"
		d, err := sets(t)[KindRep].Digest(&q)
		if err != nil {
			t.Fatal(err)
		}
		if d.Overdue <= 5 {
			continue
		}
		// The PDF's list: the items after "Overdue actions (n)", the last
		// one "… and N more in the CRM." when the list is cut.
		var list []string
		for i, bl := range d.Blocks {
			if strings.HasPrefix(bl.Paragraph, "Overdue actions (") && i+1 < len(d.Blocks) {
				list = d.Blocks[i+1].List
			}
		}
		inCRM := 0
		if n := len(list); n > 0 && strings.HasPrefix(list[n-1], "…") {
			inCRM = d.Overdue - (n - 1)
			if list[n-1] != d.loc.T("… and %d more in the CRM.", inCRM) {
				t.Fatalf("%s: the PDF's list ends %q, expected %d more in the CRM", p.Email, list[n-1], inCRM)
			}
			list = list[:n-1]
			beyond++
		}
		e := d.Email()
		r, err := set.Render(e)
		if err != nil {
			t.Fatal(err)
		}
		more := len(list) - len(e.Alerts)
		want := fmt.Sprintf("- %d more overdue actions in the attached digest", more)
		if more == 1 {
			want = "- 1 more overdue action in the attached digest"
		}
		if inCRM > 0 {
			want += fmt.Sprintf(" and %d more in the CRM", inCRM)
		}
		want += ".\n"
		if !strings.Contains(r.Text, want) {
			t.Errorf("%s: %d overdue, %d in the PDF's list, %d in the email: want %q in the email:\n%s", p.Email, d.Overdue, len(list), len(e.Alerts), want, r.Text)
		}
	}
	if beyond < 2 {
		t.Errorf("only %d demo reps with more overdue actions than the PDF lists", beyond)
	}
}

// emailDigests are the digests whose emails the email tests read: every
// demo digest and every Maven one (reps and managers for 2017-W52,
// directors for 2017-12).
func emailDigests(t *testing.T) []*Digest {
	t.Helper()
	var out []*Digest
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		for _, p := range Recipients(demoData().Dataset, k) {
			d, err := sets(t)[k].Digest(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
	}
	ds := maven(t)
	for k, id := range map[Kind]string{KindRep: "2017-W52", KindManager: "2017-W52", KindDirector: "2017-12"} {
		s := ss2(t, ds, k, id, Options{Now: mavenNow})
		for _, p := range Recipients(ds, k) {
			d, err := s.Digest(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
	}
	return out
}

// TestEmailFiguresAsThePDFPrints checks that every key figure of an email
// is a figure the PDF prints with the comparison the PDF prints beside it
// (issue 9: managers' emails compared the open pipeline with the previous
// week where the PDF compares it with the expectation; directors' emails
// put this month's change against last year beside last year's figure, and
// compared the month with a usual level the PDF never shows), and that no
// won revenue figure of the headline is said again among them.
func TestEmailFiguresAsThePDFPrints(t *testing.T) {
	checked := 0
	for _, d := range emailDigests(t) {
		e := d.Email()
		for _, it := range e.Summary {
			found := false
			for _, bl := range d.Blocks {
				for _, k := range bl.KPIs {
					found = found || (k.Value == it.Value && k.Comparison == it.Comparison)
				}
				for _, b := range bl.Bullets {
					found = found || (b.Value == it.Value && slices.Contains(strings.Split(b.Comparison, "\n"), it.Comparison))
				}
			}
			if !found {
				t.Errorf("%s (%s): the email's %q: %s (%s) is not a figure with its comparison in the PDF", d.To, d.PeriodID, it.Label, it.Value, it.Comparison)
			}
			checked++
		}
		for _, it := range d.Summary {
			if it.metric != kpi.WonRevenue || !slices.ContainsFunc(e.Summary, func(x templates.Item) bool { return x.Label == it.Label }) {
				continue
			}
			// The headline's clause of the same period with the same figure.
			period := strings.ToLower(strings.Split(it.Label, " · ")[0])
			for _, clause := range clauses.Split(e.Headline, -1) {
				if strings.HasPrefix(strings.ToLower(clause), period) && tokenCount(clause, it.Value) > 0 {
					t.Errorf("%s (%s): the email says %s twice: in the headline %q and as %q", d.To, d.PeriodID, it.Value, e.Headline, it.Label)
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d key figures checked", checked)
	}
}

// clauses splits a headline into its clauses: after "; " (" ; " in
// French) and ". ", never inside a figure ("139.082 US$").
var clauses = regexp.MustCompile(`[;.]\s+`)

// TestDirectorEmailNamesItsScope checks the intro of a director's email:
// a regional director reads their region's name, the head of sales the
// organisation (issue 9: every director read "the sales organisation's
// overview").
func TestDirectorEmailNamesItsScope(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	org := map[string]string{"en": "the sales organisation's overview", "fr": "l'organisation commerciale", "es": "la organización comercial"}
	regions := 0
	for _, d := range emailDigests(t) {
		if d.Kind != string(KindDirector) {
			continue
		}
		var p *crm.Person
		for _, ds := range []*crm.Dataset{demoData().Dataset, maven(t)} {
			for i := range ds.People {
				if ds.People[i].Email == d.To {
					p = &ds.People[i]
				}
			}
		}
		if p == nil {
			t.Fatalf("%s: not in the directory", d.To)
		}
		r, err := set.Render(d.Email())
		if err != nil {
			t.Fatal(err)
		}
		intro := strings.Split(r.Text, "\n\n")[1]
		if p.Region == "" {
			if !strings.Contains(intro, org[d.Locale]) {
				t.Errorf("%s (head of sales): the intro %q does not name the organisation", d.To, intro)
			}
			continue
		}
		regions++
		if !strings.Contains(intro, " "+p.Region+" ") || strings.Contains(intro, org[d.Locale]) {
			t.Errorf("%s (region %s): the intro %q does not name the region alone", d.To, p.Region, intro)
		}
	}
	if regions < 4 {
		t.Errorf("only %d regional directors checked", regions)
	}
}

// TestRankingSaysAmongWhom: a regional director's ranking table lists only
// their teams, each with its rank in the whole organisation ("1 of 3"
// under a one-row table); the caption must say the rank is among the
// organisation's teams.
func TestRankingSaysAmongWhom(t *testing.T) {
	rankRE := regexp.MustCompile(`^\d+ (?:of|sur|de) (\d+)$`)
	among := map[string]string{"en": "among the organisation's %d teams", "fr": "parmi les %d équipes de l'organisation", "es": "entre los %d equipos de la organización"}
	partial, whole := 0, 0
	for _, d := range emailDigests(t) {
		if d.Kind != string(KindDirector) {
			continue
		}
		for i, b := range d.Blocks {
			if b.Table == nil || len(b.Table.Rows) == 0 {
				continue
			}
			m := rankRE.FindStringSubmatch(b.Table.Rows[0][0])
			if m == nil {
				continue
			}
			n, _ := strconv.Atoi(m[1])
			caption := ""
			for j := i - 1; j >= 0 && caption == ""; j-- {
				caption = d.Blocks[j].Paragraph
			}
			says := strings.Contains(caption, fmt.Sprintf(among[d.Locale], n))
			switch {
			case len(b.Table.Rows) < n:
				partial++
				if !says {
					t.Errorf("%s: %d of %d teams ranked, caption %q does not say among whom", d.To, len(b.Table.Rows), n, caption)
				}
			default:
				whole++
				if says {
					t.Errorf("%s: every team ranked, yet the caption %q says among whom", d.To, caption)
				}
			}
		}
	}
	if partial == 0 || whole == 0 {
		t.Errorf("%d partial and %d whole rankings read; want both", partial, whole)
	}
}
