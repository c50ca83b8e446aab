package charts

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/crmdigest/crmdigest/locale"
)

var keep = flag.String("keep", "", "write a contact sheet of every chart into this directory")

// TestContactSheet draws every chart for normal and thin data on a few
// pages; with -keep DIR the PDF is kept for a look (pdftoppm -png).
func TestContactSheet(t *testing.T) {
	f := Format{Locale: locale.New("en"), Currency: "EUR"}
	pdf := newDoc()
	y := 10.0
	names := []string{"normal", "one", "constant", "nan", "negative", "large"}
	for _, dname := range names {
		cs := allCharts(dataCases[dname], f)
		keys := make([]string, 0, len(cs))
		for k := range cs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, cname := range keys {
			x := 10.0 + float64(i%2)*97
			if i%2 == 0 && i > 0 {
				y += 42
			}
			if y > 250 {
				pdf.AddPage()
				y = 10
			}
			pdf.SetFont("go", "B", 6)
			pdf.Text(x, y-1, dname+"/"+cname)
			h := 36.0
			if cname == "bullet" {
				h = 10
			} else if cname == "spark" {
				h = 6
			}
			if err := cs[cname].PDF(pdf, x, y, 93, h); err != nil {
				t.Errorf("%s/%s: %v", dname, cname, err)
			}
		}
		y += 46
	}
	if *keep == "" {
		return
	}
	if err := pdf.OutputFileAndClose(filepath.Join(*keep, "charts.pdf")); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove
}
