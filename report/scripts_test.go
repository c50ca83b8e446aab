package report

import (
	"os"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/demo"
	"github.com/crmdigest/crmdigest/report/pdfkit"
)

// otherScripts are names in Greek, Cyrillic, Vietnamese and Chinese.
var otherScripts = []string{"Αλέξανδρος Παπαδόπουλος", "Дмитрий Иванов", "Nguyễn Thị Hương", "王小明"}

// TestDigestsOfOtherScripts renames four reps of a demo organisation to
// names in other scripts (their CRM id keeps the name the exports use)
// and lays out every rep and manager digest with the Debian fallback
// fonts: every rune of every run is in a face that has it (in the pages
// and in the labels of the charts, such as the rep bars of a manager's
// digest), no letter is replaced by the placeholder, the names are drawn
// whole on the page and under the bars, and the fit rules hold.
func TestDigestsOfOtherScripts(t *testing.T) {
	paths := []string{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"}
	for _, f := range paths {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is absent in CI: .ci/run should have installed it", f)
			}
			t.Skipf("%s is absent: install fonts-dejavu-core and fonts-droid-fallback (apt-get), as .ci/run does", f)
		}
	}
	fb, err := fonts.LoadFallback(paths...)
	if err != nil {
		t.Fatal(err)
	}
	ds := demo.Build(demo.Options{}).Dataset
	renamed := map[string]bool{}
	n := 0
	for i := range ds.People {
		p := &ds.People[i]
		if p.Role != crm.RoleRep || n == len(otherScripts) {
			continue
		}
		p.CRMID, p.Name = p.Name, otherScripts[n]
		renamed[p.Name] = true
		n++
	}
	opts := demoOptions()
	opts.Fallback = fb
	pages := drawAll(t, "scripts", ds, demoPeriods, demoAsOf, opts, []string{"en"})
	m := newMeasurer(fb)
	seen, inChart := map[string]bool{}, map[string]bool{}
	for _, pg := range pages {
		for _, p := range fitProblems(pg, m, fb) {
			t.Errorf("%s: %s", pg.where, p)
		}
		// The runs of a string put back together are the string: no
		// letter was drawn as the placeholder.
		for i := 0; i < len(pg.drawn); {
			x, s, j := pg.drawn[i], "", i
			for ; j < len(pg.drawn) && (j == i || pg.drawn[j].Run > 0); j++ {
				s += pg.drawn[j].Text
			}
			i = j
			if s != x.Whole && x.Kind != pdfkit.KindFooter {
				t.Errorf("%s: %q drawn as %q (%s)", pg.where, x.Whole, s, x.Kind)
			}
		}
		for _, x := range pg.drawn {
			if x.Kind == pdfkit.KindChart && x.Run == 0 {
				for name := range renamed {
					if strings.Contains(x.Whole, name) || shortened(x.Whole, name) {
						inChart[name] = true
					}
				}
			}
			for _, r := range x.Text {
				if x.Family == fonts.Family && !fonts.Has(r) || x.Family != fonts.Family && fb.Face(r) < 0 {
					t.Errorf("%s: %q drawn in %s, which lacks %q", pg.where, x.Whole, x.Family, r)
				}
			}
			for name := range renamed {
				if strings.Contains(x.Whole, name) && x.Run == 0 && !strings.Contains(x.Whole, pdfkit.Placeholder+pdfkit.Placeholder) {
					seen[name] = true
				}
			}
		}
	}
	for name := range renamed {
		if !seen[name] {
			t.Errorf("%s was never drawn whole", name)
		}
		if !inChart[name] {
			t.Errorf("%s was never drawn in a chart (the manager's rep bars)", name)
		}
	}
}

// shortened tells whether label is name cut with "…" after a few letters.
func shortened(label, name string) bool {
	head, ok := strings.CutSuffix(label, "…")
	return ok && len([]rune(head)) >= 2 && strings.HasPrefix(name, head)
}
