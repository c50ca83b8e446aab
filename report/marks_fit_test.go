package report

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/report/pdfkit"
)

// TestMarksFitTwoLines: every mark of a manager's rep table ("▲ Calls",
// "▼ Won: far below") fits on at most two lines of its cell, in English,
// French and Spanish, for the demo's managers and Maven's (French and
// Spanish marks ran to three to eight lines).
func TestMarksFitTwoLines(t *testing.T) {
	type org struct {
		name   string
		ds     *crm.Dataset
		period string
		asOf   crm.Day
		opts   Options
	}
	orgs := []org{{"demo", demoData().Dataset, demoPeriods[KindManager], demoAsOf, demoOptions()},
		{"maven", maven(t), mavenPeriods[KindManager], mavenAsOf, Options{Now: mavenNow}}}
	marks := 0
	for _, o := range orgs {
		s, err := NewSet(o.ds, KindManager, pid(o.period), o.asOf, o.opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range Recipients(o.ds, KindManager) {
			for _, lang := range []string{"en", "fr", "es"} {
				q := *p
				q.Locale = lang
				d, err := s.Digest(&q)
				if err != nil {
					t.Fatal(err)
				}
				var drawn []pdfkit.Drawn
				if _, err := d.pdf(func(x pdfkit.Drawn) { drawn = append(drawn, x) }); err != nil {
					t.Fatal(err)
				}
				// A mark is the bold text of a table cell; its lines are
				// one cell line (3.6 mm) apart, a new row at least 5.6 mm.
				var lines []string
				prev := pdfkit.Drawn{Page: -1}
				flush := func() {
					if len(lines) == 0 {
						return
					}
					marks++
					if len(lines) > 2 {
						t.Errorf("%s %s (%s): mark %q on %d lines", o.name, p.Email, lang, strings.Join(lines, " / "), len(lines))
					}
					lines = nil
				}
				for _, x := range drawn {
					if x.Kind != pdfkit.KindCell || x.Style != "B" || x.Run > 0 {
						continue
					}
					if x.Page != prev.Page || x.Left != prev.Left || math.Abs(x.Y-prev.Y) > 4.5 {
						flush()
					}
					lines = append(lines, x.Whole)
					prev = x
				}
				flush()
			}
		}
	}
	if marks < 10 {
		t.Fatalf("only %d marks drawn", marks)
	}
	t.Logf("%d marks checked", marks)
	_ = fmt.Sprint()
}
