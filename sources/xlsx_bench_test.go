package sources

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// BenchmarkXLSXRead1M streams 1,000,000 deal rows (15 columns, as the demo
// workbook writes them) out of one sheet. The workbook is generated once
// and cached in the temp directory, keyed by its row count.
//
//	go test ./sources -run '^$' -bench XLSXRead1M -benchtime 1x
func BenchmarkXLSXRead1M(b *testing.B) {
	const n = 1_000_000
	path := benchWorkbook(b, n)
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		r, _, err := openXLSX(path, "deals", "")
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if len(rec) > 0 {
				rows++
			}
		}
		r.Close()
		if rows != n+1 {
			b.Fatalf("read %d records, want %d rows and a header", rows, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
	if mb := peakRSSMB(); mb > 0 {
		b.ReportMetric(mb, "peak-RSS-MB")
	}
}

// benchWorkbook writes (once) a workbook of n deal rows on a sheet "deals".
func benchWorkbook(b *testing.B, n int) string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("crmdigest-bench-deals-%d.xlsx", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("generating %s (once)", path)
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "deals"))
	sw, err := f.NewStreamWriter("deals")
	must(err)
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	header := make([]any, len(Fields["deals"]))
	for i, h := range Fields["deals"] {
		header[i] = h
	}
	must(sw.SetRow("A1", header))
	owners := []string{"Zoë Núñez", "François Müller", "Ana García", "Li Wei", "Jürgen Schäfer", "Emily Smith"}
	products := []string{"Cloud CRM Starter", "Cloud CRM Professional", "Analytics Add-on", "Training Pack"}
	stages := []string{"Prospecting", "Proposal", "Negotiation", "Closed Won", "Closed Lost"}
	status := []string{"open", "open", "open", "won", "lost"}
	row := make([]any, 15)
	for i := range n {
		s := i % 5
		created := 42000 + i%1500
		row[0] = "D-" + strconv.Itoa(i+1)
		row[1] = owners[i%len(owners)]
		row[2] = "Account " + strconv.Itoa(i%5000)
		row[3] = products[i%len(products)]
		row[4] = stages[s]
		row[5] = status[s]
		row[6] = "new_business"
		row[7] = excelize.Cell{StyleID: dateStyle, Value: created}
		if s >= 3 {
			row[8] = excelize.Cell{StyleID: dateStyle, Value: created + 30 + i%60}
		} else {
			row[8] = nil
		}
		row[9] = excelize.Cell{StyleID: dateStyle, Value: created + 45}
		row[10] = float64(1000+i%90000) + 0.5
		row[11] = "EUR"
		row[12] = float64(300 + i%20000)
		row[13] = float64(s) / 5
		row[14] = excelize.Cell{StyleID: dateStyle, Value: created + 10}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(sw.SetRow(cell, row))
	}
	must(sw.Flush())
	tmp := strings.TrimSuffix(path, ".xlsx") + ".partial.xlsx"
	must(f.SaveAs(tmp))
	must(os.Rename(tmp, path))
	return path
}

// resetPeakRSS clears the kernel's high-water mark of this process's
// resident memory (Linux), so that VmHWM measures only what follows.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB reads VmHWM, the peak resident memory, in MB; 0 if unknown.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
