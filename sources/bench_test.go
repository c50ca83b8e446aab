package sources

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// writeDealsCSV writes n deal rows with the canonical headers: 40 owners,
// 2,000 accounts, 7 products, ISO dates, plain amounts.
func writeDealsCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "id,owner,account,product,stage,status,created,closed,amount,probability")
	stages := []string{"Won", "Lost", "Engaging", "Prospecting"}
	statuses := []string{"won", "lost", "open", "open"}
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		s := i % 4
		created := start.AddDate(0, 0, i%1400)
		closed := ""
		if s < 2 {
			closed = created.AddDate(0, 0, 30+i%90).Format("2006-01-02")
		}
		fmt.Fprintf(w, "D%07d,Owner %02d,Account %04d,Product %d,%s,%s,%s,%s,%d.%02d,0.%d\n",
			i, i%40, i%2000, i%7, stages[s], statuses[s], created.Format("2006-01-02"), closed, 500+i%50000, i%100, i%10)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkLoadDealsCSV reads 1,000,000 deal rows from CSV into the model.
// The target is at least 2,000,000 rows/s on 2 cores (docs/PERFORMANCE.md).
//
//	go test ./sources -run '^$' -bench LoadDealsCSV -count 3
func BenchmarkLoadDealsCSV(b *testing.B) {
	path := filepath.Join(b.TempDir(), "deals.csv")
	writeDealsCSV(b, path, loadBenchRows)
	benchLoad(b, []Spec{{Name: "deals", Kind: crm.KindDeals, Path: path}}, loadBenchRows)
}
