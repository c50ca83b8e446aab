package charts

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/crmdigest/crmdigest/locale"
)

// TestKeepPNG writes an email-sized PNG of the trend with -keep DIR.
func TestKeepPNG(t *testing.T) {
	if *keep == "" {
		t.Skip("use -keep DIR to write the PNG")
	}
	f := Format{Locale: locale.New("es"), Currency: "EUR"}
	ch := allCharts(dataCases["normal"], f)["trend"]
	out, err := os.Create(filepath.Join(*keep, "trend.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := ch.PNG(out, 600, 260); err != nil {
		t.Fatal(err)
	}
}
