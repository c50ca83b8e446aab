package main

import (
	"os"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/crm"
)

// TestCheckWarnsUndrawableNames checks that check names the people whose
// names the PDF fonts cannot draw, and only them; with a fallback face
// that has the letters, it says nothing.
func TestCheckWarnsUndrawableNames(t *testing.T) {
	ds := &crm.Dataset{People: []crm.Person{{Name: "Zoé Rousseau"}, {Name: "Дмитрий Иванов"}, {Name: "王小明"}, {Name: "Trần Văn Đức"}}}
	var b strings.Builder
	writeUndrawable(&b, ds, nil)
	out := b.String()
	for _, want := range []string{"2 people's names", "王小明 (王小明)", "Trần Văn Đức (ầứ)", "report.fonts.fallback"} {
		if !strings.Contains(out, want) {
			t.Errorf("warning lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"Zoé", "Дмитрий"} {
		if strings.Contains(out, not) {
			t.Errorf("warning names %q, whose name the Go fonts draw:\n%s", not, out)
		}
	}
	const droid = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
	const dejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	for _, f := range []string{droid, dejaVu} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is absent in CI: .ci/run should have installed it", f)
			}
			t.Skipf("%s is absent: install fonts-droid-fallback and fonts-dejavu-core to check the warning goes away", f)
		}
	}
	fb, err := fonts.LoadFallback(dejaVu, droid)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	writeUndrawable(&b, ds, fb)
	if b.Len() != 0 {
		t.Errorf("warning with fallback faces that draw every name:\n%s", b.String())
	}
}
