package report

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// folded is a name as a reader looks it up in a list: without accents,
// in lower case ("Étienne" among the e, "Ángela" among the a).
func folded(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// TestRepRowsInReadersOrder checks the order of every manager's rep table
// (demo, en, fr and es): by name as a reader looks it up, so that Étienne
// and Ángela are not listed after Z (issue 9: the rows were sorted by
// their bytes).
func TestRepRowsInReadersOrder(t *testing.T) {
	accented := 0
	for _, p := range Recipients(demoData().Dataset, KindManager) {
		for _, loc := range []string{"en", "fr", "es"} {
			q := *p
			q.Locale = loc
			d, err := sets(t)[KindManager].Digest(&q)
			if err != nil {
				t.Fatal(err)
			}
			for _, bl := range d.Blocks {
				if bl.Table == nil || bl.Table.MarkTitle == "" {
					continue
				}
				for i := 1; i < len(bl.Table.Rows); i++ {
					a, b := bl.Table.Rows[i-1][0], bl.Table.Rows[i][0]
					if folded(a) > folded(b) {
						t.Errorf("%s (%s): %q listed before %q", p.Name, loc, a, b)
					}
					if folded(b) != strings.ToLower(b) {
						accented++
					}
				}
			}
		}
	}
	if accented == 0 {
		t.Error("no accented name in the demo's rep tables: the test checks nothing")
	}
}

// TestZeroReferenceNamed checks every comparison of every demo and Maven
// digest against a reference of 0: it names the reference with its figure
// ("last year: €0"), never "vs last year €0" or "vs previous week 0", which
// read as a change of 0 % (issue 9).
func TestZeroReferenceNamed(t *testing.T) {
	vsKeys := []string{"vs target", "vs expected", "vs last year", "vs usual", "vs previous week", "vs previous month",
		"vs previous quarter", "vs previous half-year", "vs previous year", "vs previous period"}
	zeroKeys := []string{"target: %s", "expected: %s", "last year: %s", "usual: %s", "previous week: %s", "previous month: %s",
		"previous quarter: %s", "previous half-year: %s", "previous year: %s", "previous period: %s"}
	named := 0
	for _, d := range emailDigests(t) {
		var lines []string
		for _, bl := range d.Blocks {
			for _, k := range bl.KPIs {
				lines = append(lines, strings.Split(k.Comparison, " · ")...)
			}
			for _, b := range bl.Bullets {
				lines = append(lines, strings.Split(b.Comparison, "\n")...)
			}
		}
		for _, l := range lines {
			for _, k := range vsKeys {
				if strings.HasPrefix(l, d.loc.T(k)+" ") {
					t.Errorf("%s (%s): %q reads as a change of 0 %%", d.To, d.PeriodID, l)
				}
			}
			for _, k := range zeroKeys {
				if strings.HasPrefix(l, strings.TrimSuffix(d.loc.T(k, ""), " ")) && !strings.Contains(l, "%") {
					named++
				}
			}
		}
	}
	if named < 5 {
		t.Errorf("only %d comparisons with a reference of 0 found", named)
	}
}

// TestOutlierMarksNameShownMetrics checks the outlier marks of every
// manager's rep table (demo and Maven): each metric a mark names is a
// column of the table (issue 9: "▲ Demos, Proposals: high", "▲ Nouveaux
// contacts" beside tables without proposals or new contacts).
func TestOutlierMarksNameShownMetrics(t *testing.T) {
	marks := 0
	for _, d := range emailDigests(t) {
		if d.Kind != string(KindManager) {
			continue
		}
		for _, bl := range d.Blocks {
			if bl.Table == nil || len(bl.Table.Marks) == 0 {
				continue
			}
			var titles []string
			for _, c := range bl.Table.Columns {
				titles = append(titles, c.Title)
			}
			for _, m := range bl.Table.Marks {
				// "▼▼ Won rev. ▼ Deals, Calls ▲ Demos"
				for _, names := range strings.FieldsFunc(m, func(r rune) bool { return r == '▲' || r == '▼' }) {
					for _, n := range strings.Split(names, ", ") {
						marks++
						if n = strings.TrimSpace(n); !slices.Contains(titles, n) {
							t.Errorf("%s: the mark %q names %q, not a column of the table %q", d.To, m, n, titles)
						}
					}
				}
			}
		}
	}
	if marks < 3 {
		t.Errorf("only %d metrics named by outlier marks", marks)
	}
}
