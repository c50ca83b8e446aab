package pdfkit

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/locale"
)

// The fallback faces of the tests: Debian's fonts-dejavu-core (Vietnamese)
// and fonts-droid-fallback (Chinese), which .ci/run installs.
const (
	dejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	droid  = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
)

// directory is a team with names in Greek, Cyrillic, Vietnamese and
// Chinese, beside a Latin one.
var directory = []string{"Αλέξανδρος Παπαδόπουλος", "Дмитрий Иванов", "Nguyễn Thị Hương", "Trần Văn Đức", "王小明", "Zoé Rousseau"}

// fallbackFonts loads the test's fallback faces, skipping the test when
// they are absent outside CI; in CI they must be there.
func fallbackFonts(t *testing.T) *fonts.Fallback {
	t.Helper()
	for _, f := range []string{dejaVu, droid} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("CI") == "" {
				t.Skipf("%s is absent: install fonts-dejavu-core and fonts-droid-fallback (apt-get), as .ci/run does", f)
			}
			t.Fatalf("%s is absent in CI: .ci/run should have installed it", f)
		}
	}
	fb, err := fonts.LoadFallback(dejaVu, droid)
	if err != nil {
		t.Fatal(err)
	}
	return fb
}

// namesTable lays out a table and a list of the directory's names.
func namesTable(opts Options) ([]byte, []Drawn, error) {
	var drawn []Drawn
	opts.OnText = func(x Drawn) { drawn = append(drawn, x) }
	loc := locale.New("en")
	d := NewWith(loc, Header{Title: "Team report — " + directory[4], Period: "Week 48", AsOf: asOf}, "Sources: people", asOf, opts)
	d.Section("Reps", 20)
	var rows [][]string
	for _, n := range directory {
		rows = append(rows, []string{n, loc.Money(1234, "EUR", 0)})
	}
	d.Table(Table{Columns: []Column{{Title: "Rep", Weight: 3, Data: true}, {Title: "Won", Weight: 1, Numeric: true}}, Rows: rows})
	d.List(directory)
	b, err := d.Bytes()
	return b, drawn, err
}

// TestNamesInOtherScripts draws a directory with Greek, Cyrillic,
// Vietnamese and Chinese names: Greek and Cyrillic in the Go fonts, the
// rest in the fallback faces, every rune in a face that has it, and the
// names read back from the PDF's text.
func TestNamesInOtherScripts(t *testing.T) {
	fb := fallbackFonts(t)
	b, drawn, err := namesTable(Options{Fallback: fb})
	if err != nil {
		t.Fatal(err)
	}
	faces := map[string]bool{}
	for _, x := range drawn {
		faces[x.Family] = true
		for _, r := range x.Text {
			switch {
			case x.Family == fonts.Family && !fonts.Has(r):
				t.Errorf("%q drawn in the Go fonts, which lack %q", x.Text, r)
			case x.Family != fonts.Family && fb.Face(r) < 0:
				t.Errorf("%q drawn in %s, which lacks %q", x.Text, x.Family, r)
			}
		}
		if strings.Contains(x.Text, Placeholder) && strings.ContainsAny(x.Whole, "王ễ") {
			t.Errorf("%q drawn with a placeholder", x.Whole)
		}
	}
	for _, fam := range []string{fonts.Family, fb.Family(0), fb.Family(1)} {
		if !faces[fam] {
			t.Errorf("no text drawn in %s: %v", fam, faces)
		}
	}
	for _, n := range directory[:4] {
		for _, r := range n {
			if (r >= 0x370 && r < 0x500) && !fonts.Has(r) {
				t.Errorf("%q (in %q): Greek or Cyrillic missing from the Go fonts", r, n)
			}
		}
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not found: install poppler-utils")
	}
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range directory {
		if !strings.Contains(string(out), n) {
			t.Errorf("%q not found in the PDF's text:\n%s", n, out)
		}
	}
}

// TestNamesWithoutFallback checks that without fallback faces a letter
// the Go fonts lack is drawn as the visible placeholder, never as a rune
// the font has no glyph for.
func TestNamesWithoutFallback(t *testing.T) {
	_, drawn, err := namesTable(Options{})
	if err != nil {
		t.Fatal(err)
	}
	placeholders := 0
	for _, x := range drawn {
		if x.Family != fonts.Family {
			t.Errorf("%q drawn in %s without fallback faces", x.Text, x.Family)
		}
		for _, r := range x.Text {
			if !fonts.Has(r) {
				t.Errorf("%q drawn with %q, which the Go fonts lack", x.Text, r)
			}
		}
		if strings.Contains(x.Whole, "王小明") && strings.Contains(x.Text, "???") {
			placeholders++
		}
	}
	if placeholders == 0 {
		t.Error("王小明 was not drawn with placeholders")
	}
}
