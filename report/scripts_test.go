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
// fonts: every rune of every run is in a face that has it, the names are
// drawn whole, and the fit rules hold.
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
	seen := map[string]bool{}
	for _, pg := range pages {
		for _, p := range fitProblems(pg, m, fb) {
			t.Errorf("%s: %s", pg.where, p)
		}
		for _, x := range pg.drawn {
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
	}
}
