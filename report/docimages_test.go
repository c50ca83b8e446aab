package report

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/locale"
)

// -update-doc-images rewrites every picture of the digests in the docs
// from the current code: the first page of an English rep's, manager's and
// director's digest of the demo (docs/img/rep-1.png, manager-1.png,
// director-1.png, shown in README.md) here, and the email screenshots
// (docs/img/email-*.png, docs/REPORTS.md) through TestEmailInBrowser, which
// the flag turns on as -update-email-shots does. One command does both:
//
//	go test -count=1 -run 'TestDocImages|TestEmailInBrowser' ./report -update-doc-images
var updateDocImages = flag.Bool("update-doc-images", false, "write docs/img/{rep,manager,director}-1.png and the email screenshots")

// TestDocImages writes the page images with pdftoppm at 70 dpi (a page
// 579 pixels wide), from the first English recipient of each role, the
// person whose email TestEmailInBrowser shoots. Without the flag it only
// checks that those people exist, so the pictures can be made.
func TestDocImages(t *testing.T) {
	ds := demoData().Dataset
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		p := firstEnglish(ds, k)
		if p == nil {
			t.Fatalf("the demo has no English %s to picture", k)
		}
		if !*updateDocImages {
			continue
		}
		if _, err := exec.LookPath("pdftoppm"); err != nil {
			t.Fatal("pdftoppm not found: install poppler-utils to write the doc images")
		}
		// With the demo config's links, as the emails are shot.
		_, pdf := render(t, linkedSet(t, k), p)
		f := filepath.Join(t.TempDir(), "d.pdf")
		if err := os.WriteFile(f, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		// -singlefile writes <root>.png for page 1 only.
		root := filepath.Join("..", "docs", "img", string(k)+"-1")
		if out, err := exec.Command("pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", "-singlefile", f, root).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v: %s", err, out)
		}
		t.Logf("wrote %s.png from %s's digest", root, p.Email)
	}
}

// firstEnglish is the first recipient of kind k who reads English.
func firstEnglish(ds *crm.Dataset, k Kind) *crm.Person {
	for _, p := range Recipients(ds, k) {
		if locale.New(p.Locale).Code() == "en" {
			return p
		}
	}
	return nil
}
