package kpi

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

var updateHistory = flag.Bool("update-history", false, "rewrite testdata/history.golden")

// TestHistoryFingerprint pins every field of every value, the four
// history series and the structural marks included (which the result
// fingerprint leaves out: Low and High), of the fingerprint's cases to
// what the code gave before the series were packed into one block and the
// series of values without a seasonal fit came to share their NaN.
func TestHistoryFingerprint(t *testing.T) {
	medium := synthOrg(20, 5_000, 40_000, 2_000, 3)
	cases := []fingerprintCase{{"medium", medium, []string{"2017-11", "2017-W48", "2017-Q4..2017-11-15", "2017-W47..2017-11-22", "2017-H2", "2017", "2015-W53"}}}
	for _, seed := range []uint64{2, 5, 11} {
		cases = append(cases, fingerprintCase{fmt.Sprint("random", seed), randomDataset(rand.New(rand.NewPCG(seed, 7))), []string{"2017-12", "2018-Q1..2018-02-28"}})
	}
	var got strings.Builder
	for _, c := range cases {
		for _, id := range c.ids {
			r := mustCompute(t, c.ds, id, crm.NoDay, Options{})
			h := sha256.New()
			n, fitted := 0, 0
			for _, s := range r.Scopes {
				for _, mt := range r.Metrics {
					if v := s.Values[mt.Name]; v != nil {
						fmt.Fprintf(h, "%s %q %s\n", s.Kind, s.Key, valueDump(v))
						n++
						if v.Baseline.Method == MethodSeasonal {
							fitted++
						}
					}
				}
			}
			fmt.Fprintf(&got, "%s %s values %d seasonal %d sha256 %x\n", c.name, id, n, fitted, h.Sum(nil))
		}
	}
	path := filepath.Join("testdata", "history.golden")
	if *updateHistory {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-history to create it)", err)
	}
	if got.String() != string(want) {
		t.Fatalf("values differ from %s:\n got:\n%s\nwant:\n%s", path, got.String(), want)
	}
}
