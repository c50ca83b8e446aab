package sources

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
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
// with excelize's StreamWriter, which writes strings as inline strings, and
// cached in the temp directory, keyed by its row count.
//
//	go test ./sources -run '^$' -bench XLSXRead1M -benchtime 1x -benchmem
func BenchmarkXLSXRead1M(b *testing.B) {
	benchXLSXRead(b, benchWorkbook(b, 1_000_000), 1_000_000)
}

// BenchmarkXLSXRead1MShared reads the same rows from a workbook that keeps
// its strings in a shared-strings table, as Excel writes them (every deal
// id is a distinct string, so the table holds over a million of them).
func BenchmarkXLSXRead1MShared(b *testing.B) {
	benchXLSXRead(b, benchWorkbookShared(b, 1_000_000), 1_000_000)
}

func benchXLSXRead(b *testing.B, path string, n int) {
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
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
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "rows/CPU-s")
	}
	if mb := peakRSSMB(); mb > 0 {
		b.ReportMetric(mb, "peak-RSS-MB")
	}
}

// benchDeal fills row with the i-th deal of the benchmark workbooks; dates
// are serials, and date returns them as the writer wants them.
func benchDeal(row []any, i int, date func(serial int) any) {
	owners := []string{"Zoë Núñez", "François Müller", "Ana García", "Li Wei", "Jürgen Schäfer", "Emily Smith"}
	products := []string{"Cloud CRM Starter", "Cloud CRM Professional", "Analytics Add-on", "Training Pack"}
	stages := []string{"Prospecting", "Proposal", "Negotiation", "Closed Won", "Closed Lost"}
	status := []string{"open", "open", "open", "won", "lost"}
	s := i % 5
	created := 42000 + i%1500
	row[0] = "D-" + strconv.Itoa(i+1)
	row[1] = owners[i%len(owners)]
	row[2] = "Account " + strconv.Itoa(i%5000)
	row[3] = products[i%len(products)]
	row[4] = stages[s]
	row[5] = status[s]
	row[6] = "new_business"
	row[7] = date(created)
	if s >= 3 {
		row[8] = date(created + 30 + i%60)
	} else {
		row[8] = nil
	}
	row[9] = date(created + 45)
	row[10] = float64(1000+i%90000) + 0.5
	row[11] = "EUR"
	row[12] = float64(300 + i%20000)
	row[13] = float64(s) / 5
	row[14] = date(created + 10)
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
	row := make([]any, 15)
	date := func(serial int) any { return excelize.Cell{StyleID: dateStyle, Value: serial} }
	for i := range n {
		benchDeal(row, i, date)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(sw.SetRow(cell, row))
	}
	must(sw.Flush())
	tmp := strings.TrimSuffix(path, ".xlsx") + ".partial.xlsx"
	must(f.SaveAs(tmp))
	must(os.Rename(tmp, path))
	return path
}

// benchWorkbookShared writes (once) the rows of benchWorkbook as Excel
// would: strings in xl/sharedStrings.xml, cells <c r="B2" t="s"><v>3</v></c>.
// excelize only writes shared strings through SetCellValue, which holds
// the whole sheet in memory, so the parts are written here by hand.
func benchWorkbookShared(b *testing.B, n int) string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("crmdigest-bench-deals-shared-%d.xlsx", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("generating %s (once)", path)
	tmp := strings.TrimSuffix(path, ".xlsx") + ".partial.xlsx"
	fh, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	zw := zip.NewWriter(fh)
	writeXLSXPackage(b, zw, true)

	// The sheet first, numbering strings as they come; the table after.
	index := map[string]int{}
	var strs []string
	sid := func(s string) int {
		i, ok := index[s]
		if !ok {
			i = len(strs)
			index[s] = i
			strs = append(strs, s)
		}
		return i
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="` + xlsxRels + `"><dimension ref="A1:O` + strconv.Itoa(n+1) + `"/><sheetData>`)
	writeRow := func(r int, row []any) {
		fmt.Fprintf(bw, `<row r="%d" spans="1:15">`, r)
		for c, v := range row {
			ref := string(rune('A'+c)) + strconv.Itoa(r)
			switch v := v.(type) {
			case nil:
			case string:
				fmt.Fprintf(bw, `<c r="%s" t="s"><v>%d</v></c>`, ref, sid(v))
			case int: // a date serial, with a date style
				fmt.Fprintf(bw, `<c r="%s" s="1"><v>%d</v></c>`, ref, v)
			case float64:
				fmt.Fprintf(bw, `<c r="%s"><v>%s</v></c>`, ref, strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
		bw.WriteString(`</row>`)
	}
	header := make([]any, len(Fields["deals"]))
	for i, h := range Fields["deals"] {
		header[i] = h
	}
	writeRow(1, header)
	row := make([]any, 15)
	for i := range n {
		benchDeal(row, i, func(serial int) any { return serial })
		writeRow(i+2, row)
	}
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	w, err = zw.Create("xl/sharedStrings.xml")
	if err != nil {
		b.Fatal(err)
	}
	bw = bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(strs), len(strs))
	for _, s := range strs {
		bw.WriteString("<si><t>")
		xml.EscapeText(bw, []byte(s))
		bw.WriteString("</t></si>")
	}
	bw.WriteString(`</sst>`)
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
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
