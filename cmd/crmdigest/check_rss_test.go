package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/internal/xlsxbomb"
)

// maxCheckRSS is the peak memory `crmdigest check` may reach on a hostile
// workbook.
const maxCheckRSS = 300 << 20

// TestCheckHostileWorkbooksRSS runs `crmdigest check` on generated XLSX
// bombs and measures the subprocess's peak RSS: each is refused with an
// error naming the part and the limit, under 300 MB. Before the limits,
// check read the 4-million-run and 4-million-<v> cells to 750 and 680 MB
// and said OK, the 20 million <si/> to 1.1 GB, and a 9-million-deep
// workbook.xml to 1.3 GB.
func TestCheckHostileWorkbooksRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("writes hundreds of MB of XML into small zips")
	}
	bin := crmdigestBinary(t)
	for _, tc := range []struct {
		kind xlsxbomb.Kind
		n    int
		part string // the part the error names
		want string // and what it says of the limit
	}{
		{xlsxbomb.Runs, 4_000_000, "xl/worksheets/sheet1.xml", "cell A2 holds more than 32767 characters (Excel's limit)"},
		{xlsxbomb.Values, 4_000_000, "xl/worksheets/sheet1.xml", "cell A2 holds more than 32767 characters (Excel's limit)"},
		{xlsxbomb.SharedStrings, 20_000_000, "xl/sharedStrings.xml", "shared strings (the limit)"},
		{xlsxbomb.Nested, 9_000_000, "xl/workbook.xml", "this reader holds in memory (the limit)"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			dir := t.TempDir()
			book := filepath.Join(dir, "bomb.xlsx")
			start := time.Now()
			if err := xlsxbomb.Write(book, tc.kind, tc.n); err != nil {
				t.Fatal(err)
			}
			st, _ := os.Stat(book)
			t.Logf("%s ×%d: %d KB, written in %v", tc.kind, tc.n, st.Size()>>10, time.Since(start).Round(time.Millisecond))
			cfg := `organisation: {name: B, timezone: UTC, currency: EUR, clock: "2026-01-01T08:00:00Z"}
sources:
  - {name: deals, kind: deals, path: bomb.xlsx, sheet: deals}
delivery: {from: d@example.com, transport: outbox, outbox: out}
store: store.db
`
			if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "check", "--config", filepath.Join(dir, "config.yaml"))
			start = time.Now()
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("check passed:\n%s", out)
			}
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KB on Linux
			t.Logf("check: exit %v, peak RSS %d MB, %v", err, rss>>20, time.Since(start).Round(time.Millisecond))
			if !strings.Contains(string(out), tc.part+": ") || !strings.Contains(string(out), tc.want) {
				t.Errorf("check output lacks %q and %q:\n%s", tc.part, tc.want, out)
			}
			if rss > maxCheckRSS {
				t.Errorf("peak RSS %d MB, over %d MB", rss>>20, maxCheckRSS>>20)
			}
		})
	}
}
