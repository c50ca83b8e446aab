package sources

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// loadBenchRows is how many deal rows the load benchmarks read.
const loadBenchRows = 1_000_000

// BenchmarkLoadDealsXLSX reads 1,000,000 deal rows (15 columns, as the demo
// workbook writes them: inline strings, dates as serials) from one sheet
// into the model through Load, the data gate's checks included. The target
// is at least 500,000 rows/s on 2 cores (docs/PERFORMANCE.md).
//
//	go test ./sources -run '^$' -bench LoadDealsXLSX -count 3
func BenchmarkLoadDealsXLSX(b *testing.B) {
	path := filepath.Join(b.TempDir(), "deals.xlsx")
	writeDealsXLSX(b, path, loadBenchRows)
	specs := []Spec{{Name: "deals", Kind: crm.KindDeals, Path: path, Sheet: "deals"}}
	benchLoad(b, specs, loadBenchRows)
}

// benchLoad times Load of specs, which must yield n deals, and reports
// rows per wall-clock second and per CPU-second.
func benchLoad(b *testing.B, specs []Spec, n int) {
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		start := cpuTime()
		ds, err := Load(context.Background(), specs, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(ds.Deals) != n {
			b.Fatalf("%d deals, want %d", len(ds.Deals), n)
		}
		if q := ds.Quality[0]; q.RowsAccepted != n || q.WarningsTotal != 0 {
			b.Fatalf("%d rows accepted, %d warnings; want %d and none", q.RowsAccepted, q.WarningsTotal, n)
		}
		cpu += cpuTime() - start
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if cpu > 0 {
		// On a machine shared with other work, rows per CPU-second (all
		// threads, GC included) is the steadier figure.
		b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "rows/CPU-s")
	}
}

// writeDealsXLSX writes a workbook of n deal rows on a sheet "deals" in
// the form excelize's StreamWriter gives it (the demo's writer): strings
// inline, <c r="A2" t="inlineStr"><is><t>D-1</t></is></c>, numbers and
// date serials as <v>. It writes the parts by hand, which takes seconds
// where the StreamWriter takes minutes for a million rows.
func writeDealsXLSX(tb testing.TB, path string, n int) {
	tb.Helper()
	fh, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	zw := zip.NewWriter(fh)
	writeXLSXPackage(tb, zw, false)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="` + xlsxRels + `"><sheetData>`)
	var ref []byte
	writeRow := func(r int, row []any) {
		bw.WriteString(`<row r="`)
		bw.WriteString(strconv.Itoa(r))
		bw.WriteString(`">`)
		for c, v := range row {
			ref = strconv.AppendInt(append(ref[:0], byte('A'+c)), int64(r), 10)
			switch v := v.(type) {
			case nil:
			case string:
				fmt.Fprintf(bw, `<c r="%s" t="inlineStr"><is><t>`, ref)
				xml.EscapeText(bw, []byte(v))
				bw.WriteString(`</t></is></c>`)
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
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		tb.Fatal(err)
	}
}
