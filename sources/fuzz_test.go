package sources

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// FuzzReadCSV feeds any bytes to the CSV reader and to Load: no panic, no
// endless loop, and the row counts always add up.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("owner,stage,amount,created\nAnn,won,\"1.234,56 €\",03/04/2017\n"))
	f.Add([]byte("\xFF\xFEo\x00w\x00n\x00e\x00r\x00\n\x00"))
	f.Add([]byte("owner;stage\r\n\"A\r\nB\";\"won\"\"\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if rs, _, err := openCSV(path, csvOptions{}); err == nil {
			for i := 0; ; i++ {
				_, err := rs.Next()
				if errors.Is(err, io.EOF) || i > len(data)+10 {
					break
				}
			}
			rs.Close()
		}
		ds, _ := Load(context.Background(), []Spec{{Name: "f", Kind: crm.KindDeals, Path: path}}, Options{Currency: "EUR"})
		for _, q := range ds.Quality {
			if q.RowsRead != q.RowsAccepted+q.RowsSetAside {
				t.Fatalf("read %d != %d + %d", q.RowsRead, q.RowsAccepted, q.RowsSetAside)
			}
			if q.Records > q.Lines || q.Fatal == "" && q.RowsRead >= q.Records && q.Records > 0 {
				t.Fatalf("%d records from %d lines, %d rows read", q.Records, q.Lines, q.RowsRead)
			}
		}
	})
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1.234,56 €", "$1,234.56", "(1,234)", "1\u00a0234,5", "-1e3", "EUR 12", "1,234"} {
		f.Add(s, byte(0))
	}
	f.Fuzz(func(t *testing.T, s string, dec byte) {
		switch dec % 3 {
		case 0:
			dec = 0
		case 1:
			dec = '.'
		default:
			dec = ','
		}
		v, _, err := ParseAmount(s, dec)
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("ParseAmount(%q) = %v without an error", s, v)
		}
		decimalHint(s)
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2017-03-01", "03/04/2017", "2024-01-23T17:50:51.000+0000", "23 janv. 2024", "Jan 23, 2024 5:00 PM", "20240123"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, order uint8) {
		d, err := ParseDate(s, DateOrder(order%4), time.UTC)
		if err == nil && !d.Valid() {
			t.Fatalf("ParseDate(%q) = absent without an error", s)
		}
		dateOrderHint(s)
	})
}
