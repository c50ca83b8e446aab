package kpi

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

var coverageDetail = regexp.MustCompile(` CoverageDetail:\{[^}]*\}`)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// dumpResult writes everything a Compute returns, floats in full (the
// shortest form that reads back to the same bits), so that two results
// dump alike only when they are identical. Scopes for which keep returns
// false are skipped, and the findings unless withFindings.
func dumpResult(w io.Writer, r *Result, keep func(*Scope) bool, withFindings bool) {
	fmt.Fprintf(w, "period %s as-of %s history %v year-ago-note %q\n", r.Period, r.AsOf, r.History, r.YearAgoNote)
	for _, s := range r.Scopes {
		if !keep(s) {
			continue
		}
		fmt.Fprintf(w, "scope %s %q %q team %q region %q members %v teams %v\n", s.Kind, s.Key, s.Name, s.Team, s.Region, s.Members, s.Teams)
		for _, mt := range r.Metrics {
			v := s.Values[mt.Name]
			if v == nil {
				continue
			}
			b := v.Baseline
			fmt.Fprintf(w, "  %s %v prev %v ya %v usual %v target %v base %v %s struct %v dev %v thr %v idx %v\n",
				mt.Name, v.Value, v.Previous, v.YearAgo, v.Usual, v.Target, b.Value, b.Method, b.Structural, b.Deviation, b.Threshold, b.Index)
			fmt.Fprintf(w, "    hist %v\n    exp %v thr %v struct %v\n", v.History.Values, v.History.Expected, v.History.Threshold, v.History.Structural)
		}
		for _, a := range s.Alerts() {
			fmt.Fprintf(w, "  alert %+v\n", a)
		}
	}
	if !withFindings {
		return
	}
	f := r.Findings
	for _, t := range f.Teams {
		fmt.Fprintf(w, "team %+v\n", t)
	}
	for _, k := range f.Rankings {
		fmt.Fprintf(w, "ranking %+v\n", k)
	}
	for _, rd := range f.Readings {
		// CoverageDetail repeats Coverage in fields (its text is
		// dumped): left out, the golden file predates it.
		line := fmt.Sprintf("reading %+v\n", rd)
		fmt.Fprint(w, coverageDetail.ReplaceAllString(line, ""))
	}
}

// TestResultFingerprint pins every number of a few Computes (a medium
// synthetic organisation for each period kind, to-date and week 53
// included, and random organisations with unknown owners and foreign
// currencies) to what they were before the aggregation was restructured
// for speed: a SHA-256 of the full dump per case, and the readable dump of
// a few scopes. Run with -update only when numbers change on purpose.
func TestResultFingerprint(t *testing.T) {
	medium := synthOrg(20, 5_000, 40_000, 2_000, 3)
	cases := []fingerprintCase{{"medium", medium, []string{"2017-11", "2017-W48", "2017-Q4..2017-11-15", "2017-W47..2017-11-22", "2017-H2", "2017", "2015-W53"}}}
	for _, seed := range []uint64{2, 5, 11} {
		cases = append(cases, fingerprintCase{fmt.Sprint("random", seed), randomDataset(rand.New(rand.NewPCG(seed, 7))), []string{"2017-12", "2018-Q1..2018-02-28"}})
	}
	// The second time round, every pass runs on as many workers as
	// there are cores (run with -cpu 1,2,4 to vary them): results must
	// not depend on how the rows are shared out.
	// The third time, the activities are counted in place rather than
	// filed by block of counters.
	defer func(r, a int) { grainRows, grainActivities, fileActivities = r, a, true }(grainRows, grainActivities)
	for round := range 3 {
		if round > 0 {
			grainRows, grainActivities = 1, 1
		}
		fileActivities = round < 2
		compareFingerprint(t, cases)
	}
}

type fingerprintCase struct {
	name string
	ds   *crm.Dataset
	ids  []string
}

func compareFingerprint(t *testing.T, cases []fingerprintCase) {
	t.Helper()
	var got strings.Builder
	for _, c := range cases {
		for _, id := range c.ids {
			r := mustCompute(t, c.ds, id, crm.NoDay, Options{})
			h := sha256.New()
			dumpResult(h, r, func(*Scope) bool { return true }, true)
			fmt.Fprintf(&got, "== %s %s sha256 %x\n", c.name, id, h.Sum(nil))
			if c.name == "medium" && id == "2017-11" {
				dumpResult(&got, r, func(s *Scope) bool {
					return s.Key == "rep0003@x" || s.Kind == ScopeOrg
				}, false)
			}
		}
	}
	path := filepath.Join("testdata", "fingerprint.golden")
	if *update && grainRows > 1 {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got.String() != string(want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("result differs from %s at line %d:\n got: %.400s\nwant: %.400s", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("result differs from %s: %d lines, want %d", path, len(gl), len(wl))
	}
}
