package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/kpi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGoldenModels compares the digest models of a few people, as JSON,
// with testdata/*.golden. Run with -update after a deliberate change and
// read the diff.
func TestGoldenModels(t *testing.T) {
	ds := demoData().Dataset
	cases := []struct {
		name  string
		kind  Kind
		email string
	}{
		{"rep-fr", KindRep, "zoe.rousseau@example.com"},
		{"rep-en-new", KindRep, demoData().NewRep},
		{"manager-es", KindManager, "jose.dominguez@example.com"},
		{"director-en-region", KindDirector, "james.jackson@example.com"},
		{"director-fr-org", KindDirector, "francois.marchand@example.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := sets(t)[c.kind].Digest(person(t, ds, c.email))
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.name, d)
		})
	}
	t.Run("maven-director", func(t *testing.T) {
		ds := maven(t)
		d, err := ss2(t, ds, KindDirector, "2017-12", Options{Now: mavenNow}).Digest(person(t, ds, "head.of.sales@maventech.example.com"))
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "maven-director", d)
	})
}

func checkGolden(t *testing.T, name string, d *Digest) {
	t.Helper()
	got, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenModels -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run with -update and read the diff:\n%s", name, firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return "line " + itoa(i+1) + ":\n got: " + string(la[i]) + "\nwant: " + string(lb[i])
		}
	}
	return "lengths differ"
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestDeterministic renders the same digest from two separate sets and
// expects the same bytes.
func TestDeterministic(t *testing.T) {
	ds := demoData().Dataset
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		p := Recipients(ds, k)[0]
		a, err := Render(ds, pid(demoPeriods[k]), demoAsOf, p.Email, demoOptions())
		if err != nil {
			t.Fatal(err)
		}
		b, err := Render(ds, pid(demoPeriods[k]), demoAsOf, p.Email, demoOptions())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings differ", k)
		}
		if !bytes.Contains(a, []byte("D:20261130")) {
			t.Errorf("%s: creation date is not the as-of time", k)
		}
	}
}

// TestEmail checks the email body's numbers: three to five, each with a
// comparison, in the recipient's language, counting those the headline
// states (the table then leaves them out, and the headline must hold them).
func TestEmail(t *testing.T) {
	ds := demoData().Dataset
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		for _, p := range Recipients(ds, k) {
			d, err := sets(t)[k].Digest(p)
			if err != nil {
				t.Fatal(err)
			}
			e := d.Email()
			if e.Role != string(k) || e.Locale != d.Locale || e.Headline == "" || e.RecipientName != p.Name {
				t.Errorf("%s: email %+v", p.Email, e)
			}
			shown := map[string]bool{}
			for _, it := range e.Summary {
				shown[it.Label] = true
			}
			stated := 0
			for _, it := range d.Summary[:min(5, len(d.Summary))] {
				if shown[it.Label] {
					continue
				}
				stated++
				if !strings.Contains(e.Headline, it.Value) {
					t.Errorf("%s: %q (%s) left out of the email's table but not in the headline %q", p.Email, it.Label, it.Value, e.Headline)
				}
			}
			if n := len(e.Summary) + stated; n < 3 || n > 5 {
				t.Errorf("%s: %d numbers in the email, want 3 to 5", p.Email, n)
			}
			if len(e.Summary) == 0 {
				t.Errorf("%s: no numbers in the email's table beside the headline", p.Email)
			}
			for _, it := range e.Summary {
				if it.Comparison == "" || it.Value == "" {
					t.Errorf("%s: %+v lacks a value or comparison", p.Email, it)
				}
			}
			if k == KindRep {
				sc := sets(t)[k].main.Scope(kpi.ScopeRep, p.Key())
				if sc != nil && e.OverdueCount != sc.AlertCount(kpi.AlertOverdue) {
					t.Errorf("%s: overdue %d, kpi says %d", p.Email, e.OverdueCount, sc.AlertCount(kpi.AlertOverdue))
				}
			}
			png, _, err := d.EmailChart()
			if err != nil {
				t.Fatal(err)
			}
			if png != nil && !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Errorf("%s: chart is not a PNG", p.Email)
			}
		}
	}
}

// TestConcurrentDigests renders digests from one set on several
// goroutines (run with -race): a Set is shared by every recipient.
func TestConcurrentDigests(t *testing.T) {
	s := sets(t)[KindRep]
	reps := Recipients(demoData().Dataset, KindRep)
	want := make([][]byte, len(reps))
	for i, p := range reps[:4] {
		_, want[i] = render(t, s, p)
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			i := g % 4
			d, err := s.Digest(reps[i])
			if err == nil {
				var b []byte
				if b, err = d.PDF(); err == nil && !bytes.Equal(b, want[i]) {
					err = errors.New("concurrent rendering differs from the serial one")
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
