package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/demo"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/sources"
)

// The demo organisation's data ends on Friday 2026-11-27; its digests are
// read on the Monday after, at 07:00 in Paris.
var (
	demoAsOf = crm.DayFromDate(2026, time.November, 30)
	demoNow  = time.Date(2026, time.November, 30, 6, 0, 0, 0, time.UTC)
)

var demoData = sync.OnceValue(func() *demo.Data { return demo.Build(demo.Options{}) })

func demoOptions() Options { return Options{Now: demoNow, TeamRank: true} }

// demoPeriods are the periods each kind of digest is tested on.
var demoPeriods = map[Kind]string{KindRep: "2026-W48", KindManager: "2026-W48", KindDirector: "2026-10"}

// demoSets computes the three sets of the demo organisation once.
var demoSets = sync.OnceValues(func() (map[Kind]*Set, error) {
	out := map[Kind]*Set{}
	for k, id := range demoPeriods {
		s, err := NewSet(demoData().Dataset, k, pid(id), demoAsOf, demoOptions())
		if err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, nil
})

func sets(t testing.TB) map[Kind]*Set {
	t.Helper()
	s, err := demoSets()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mavenDataset reads the real Maven export (a copy in testdata) as
// examples/maven/config.yaml does.
var mavenDataset = sync.OnceValues(func() (*crm.Dataset, error) {
	dir := filepath.Join("testdata", "maven-crm")
	specs := []sources.Spec{
		{Name: "teams", Kind: crm.KindPeople, Preset: "maven", Path: filepath.Join(dir, "sales_teams.csv")},
		{Name: "people", Kind: crm.KindPeople, Preset: "maven", Path: filepath.Join(dir, "people.csv")},
		{Name: "products", Kind: sources.KindProducts, Preset: "maven", Path: filepath.Join(dir, "products.csv")},
		{Name: "pipeline", Kind: crm.KindDeals, Preset: "maven", Path: filepath.Join(dir, "sales_pipeline.csv")},
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		return nil, err
	}
	now := time.Date(2018, time.January, 1, 8, 0, 0, 0, ny)
	ds, err := sources.Load(context.Background(), specs, sources.Options{Location: ny, Currency: "USD", Now: func() time.Time { return now }})
	if err != nil {
		return nil, err
	}
	// The files carry no export date, so the digest shows their
	// modification time, which a checkout sets to the day of the clone:
	// pin it, as if the files were exported on the evening of the data's last day.
	for i := range ds.Quality {
		ds.Quality[i].ModTime = mavenFileTime
	}
	return ds, nil
})

func maven(t testing.TB) *crm.Dataset {
	t.Helper()
	ds, err := mavenDataset()
	if err != nil {
		t.Fatalf("load maven: %v", err)
	}
	return ds
}

var (
	mavenAsOf = crm.DayFromDate(2018, time.January, 1)
	mavenNow  = time.Date(2018, time.January, 1, 13, 0, 0, 0, time.UTC)
	// mavenFileTime is the pinned modification time of the Maven files.
	mavenFileTime = time.Date(2017, time.December, 31, 23, 0, 0, 0, time.UTC)
)

// pdfText extracts the text of a PDF with pdftotext, skipping the test
// when the tool is missing. Non-breaking spaces become spaces and runs of
// spaces collapse, so formatted numbers compare as plain strings. The text
// of each PDF (by its bytes) is extracted once per test binary.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	needPdftotext(t)
	s, err := pdfTextOf(pdf)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// needPdftotext skips the test when pdftotext is missing.
func needPdftotext(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not found: install poppler-utils (apt-get install -y poppler-utils) to run the PDF-level tests")
	}
}

// pdfTexts holds the text of every PDF read, by its SHA-256: the language,
// PDF and scoping tests read the same digests.
var pdfTexts sync.Map // [sha256.Size]byte → func() (string, error)

func pdfTextOf(pdf []byte) (string, error) {
	f, _ := pdfTexts.LoadOrStore(sha256.Sum256(pdf), sync.OnceValues(func() (string, error) { return runPdftotext(pdf) }))
	return f.(func() (string, error))()
}

func runPdftotext(pdf []byte) (string, error) {
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pdftotext: %v: %s", err, errb.String())
	}
	if strings.Contains(errb.String(), "Error") {
		return "", fmt.Errorf("pdftotext reports: %s", errb.String())
	}
	return normalize(out.String()), nil
}

var spaces = regexp.MustCompile(`[ \t]+`)

func normalize(s string) string {
	s = strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
	return spaces.ReplaceAllString(s, " ")
}

// pageCount reads the page count of a PDF with pdfinfo.
func pageCount(t testing.TB, pdf []byte) int {
	t.Helper()
	if _, err := exec.LookPath("pdfinfo"); err != nil {
		t.Skip("pdfinfo not found: install poppler-utils (apt-get install -y poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "d.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfinfo", f).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v: %s", err, out)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo gave no page count: %s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// render builds and lays out the digest of p with the set of its kind.
func render(t testing.TB, s *Set, p *crm.Person) (*Digest, []byte) {
	t.Helper()
	d, err := s.Digest(p)
	if err != nil {
		t.Fatalf("%s: digest: %v", p.Email, err)
	}
	b, err := d.PDF()
	if err != nil {
		t.Fatalf("%s: pdf: %v", p.Email, err)
	}
	return d, b
}

// pid reads a period id for a test; a bad id is a bug in the test.
func pid(id string) kpi.Period {
	p, err := kpi.ParsePeriod(id, 0)
	if err != nil {
		panic(err)
	}
	return p
}
