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
)

// TestOneAsOf renders every demo rep's digest of a past week, read on
// the Monday after it although the run happens weeks later, and checks
// that the header, the to-do list, the open-deal count, the stage chart
// and the footer all speak of that Monday. The open deals are counted
// again here from the raw deals (open then: created on or before the
// week's last day, not closed by then), and at least one deal won or
// lost since must be among them, so the test can tell "open then" from
// "open now".
func TestOneAsOf(t *testing.T) {
	ds := demoData().Dataset
	asOf := crm.DayFromDate(2026, time.October, 5)
	weekEnd := asOf - 1
	s, err := NewSet(ds, KindRep, pid("2026-W40"), asOf, demoOptions())
	if err != nil {
		t.Fatal(err)
	}
	countRe := regexp.MustCompile(`\((\d+) deals\)`)
	closedSince := 0
	for _, p := range Recipients(ds, KindRep) {
		en := *p
		en.Locale = "en"
		d, err := s.Digest(&en)
		if err != nil {
			t.Fatal(err)
		}
		if got := crm.DayOf(d.asOfTime); got != asOf {
			t.Errorf("%s: header as-of %s, want %s", p.Name, got, asOf)
		}
		if !strings.Contains(d.SourcesFooter, "data up to") {
			t.Errorf("%s: footer %q has no data-up-to day", p.Name, d.SourcesFooter)
		}
		// The open deals, counted from the raw rows.
		owners := map[crm.ID]bool{}
		for _, o := range s.ownersOf(p) {
			owners[o] = true
		}
		want := 0
		for i := range ds.Deals {
			dl := &ds.Deals[i]
			if !owners[dl.Owner] || !dl.Created.Valid() || dl.Created > weekEnd {
				continue
			}
			if dl.Status == crm.StatusOpen || (dl.Closed.Valid() && dl.Closed > weekEnd) {
				want++
				if dl.Status != crm.StatusOpen {
					closedSince++
				}
			}
		}
		var kpiCount, chartCount = -1, -1
		for _, bl := range d.Blocks {
			for _, k := range bl.KPIs {
				if k.Label == "Open deals" {
					kpiCount, _ = strconv.Atoi(strings.ReplaceAll(k.Value, ",", ""))
				}
			}
			if bl.Chart != nil && bl.Chart.Kind == ChartPipeline {
				if !strings.Contains(bl.Chart.Caption, "4 Oct 2026") {
					t.Errorf("%s: pipeline caption %q does not name the week's last day", p.Name, bl.Chart.Caption)
				}
				if !strings.Contains(bl.Chart.Caption, "no stage history") {
					t.Errorf("%s: pipeline caption %q does not say the stages are today's", p.Name, bl.Chart.Caption)
				}
				if m := countRe.FindStringSubmatch(bl.Chart.Caption); m != nil {
					chartCount, _ = strconv.Atoi(m[1])
				}
			}
		}
		if want > 0 && (kpiCount != want || chartCount != want) {
			t.Errorf("%s: open deals on %s: KPI %d, chart %d, recounted from the deals %d", p.Name, weekEnd, kpiCount, chartCount, want)
		}
		// Overdue actions are counted to the as-of day.
		sc := s.main.Scope(kpi.ScopeRep, p.Key())
		if sc == nil {
			continue
		}
		for _, a := range sc.Alerts() {
			if a.Kind == kpi.AlertOverdue && (a.Date >= asOf || a.Days != int(asOf-a.Date)) {
				t.Errorf("%s: overdue action due %s counted %d days overdue on %s", p.Name, a.Date, a.Days, asOf)
			}
		}
	}
	if closedSince == 0 {
		t.Fatal("no deal open on the week's last day has closed since: the test cannot tell then from now")
	}
}

// A file without an export date whose modification time comes after the
// as-of day (a copy, a fresh clone) is not dated by that time: the line
// says it was modified later, and no date after the as-of appears.
func TestFileTouchedAfterAsOf(t *testing.T) {
	src := maven(t)
	ds := *src
	ds.Quality = slices.Clone(src.Quality)
	touched := time.Date(2026, time.November, 29, 9, 0, 0, 0, time.UTC)
	for i := range ds.Quality {
		ds.Quality[i].ModTime = touched
	}
	for _, lang := range []string{"en", "fr"} {
		p := *person(t, &ds, "head.of.sales@maventech.example.com")
		p.Locale = lang
		d, err := ss2(t, &ds, KindDirector, "2017-12", Options{Now: mavenNow}).Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Join(d.Sources, "\n")
		want := map[string]string{"en": "file modified after the as-of day", "fr": "fichier modifié après la date d'arrêté"}[lang]
		if !strings.Contains(lines, want) {
			t.Errorf("%s: sources lack %q:\n%s", lang, want, lines)
		}
		if strings.Contains(lines, "2026") {
			t.Errorf("%s: a date after the as-of is printed:\n%s", lang, lines)
		}
	}
	// With the pinned time, before the as-of, the file's date is shown.
	d, err := ss2(t, src, KindDirector, "2017-12", Options{Now: mavenNow}).Digest(person(t, src, "head.of.sales@maventech.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Join(d.Sources, "\n"); !strings.Contains(lines, "file of") {
		t.Errorf("pinned file time: no file date:\n%s", lines)
	}
}
