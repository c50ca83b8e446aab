package report

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/crmlink"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/templates"
)

// demoLinks are the link templates of the bundled config.yaml.
func demoLinks(t testing.TB) crmlink.Set {
	t.Helper()
	s, err := crmlink.Parse(map[crmlink.Kind]string{
		crmlink.Deal:     "https://crm.example.com/deals/{id}",
		crmlink.Activity: "https://crm.example.com/activities/{id}",
		crmlink.Person:   "https://crm.example.com/users/{id}",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	linkedMu   sync.Mutex
	linkedSets = map[Kind]*Set{}
)

// linkedSet is the demo set of a kind with the demo's links.
func linkedSet(t testing.TB, k Kind) *Set {
	t.Helper()
	linkedMu.Lock()
	defer linkedMu.Unlock()
	if s := linkedSets[k]; s != nil {
		return s
	}
	opts := demoOptions()
	opts.Links = demoLinks(t)
	s, err := NewSet(demoData().Dataset, k, pid(demoPeriods[k]), demoAsOf, opts)
	if err != nil {
		t.Fatal(err)
	}
	linkedSets[k] = s
	return s
}

var pdfURI = regexp.MustCompile(`/URI \(((?:[^()\\]|\\.)*)\)`)

// pdfURIs lists the targets of a PDF's link annotations, in page order.
func pdfURIs(pdf []byte) []string {
	var out []string
	for _, m := range pdfURI.FindAllSubmatch(pdf, -1) {
		s := strings.NewReplacer(`\\`, `\`, `\(`, `(`, `\)`, `)`).Replace(string(m[1]))
		out = append(out, s)
	}
	return out
}

// expectedTodoLinks are the links the rep's to-do list must carry: each
// listed action to its own record (else its deal), each listed deal to
// its record, computed from package kpi's alerts.
func expectedTodoLinks(t *testing.T, s *Set, p *crm.Person, links crmlink.Set) []string {
	t.Helper()
	sc := s.main.Scope(kpi.ScopeRep, p.Key())
	if sc == nil {
		return nil
	}
	var out []string
	listed := map[kpi.AlertKind]int{}
	for _, a := range oneListPerDeal(sc.Alerts()) {
		limit := maxDeals
		if a.Kind == kpi.AlertOverdue || a.Kind == kpi.AlertDueSoon {
			limit = maxActions
		}
		if listed[a.Kind] == limit {
			continue
		}
		listed[a.Kind]++
		u := links.URL(crmlink.Activity, a.ActivityID)
		if u == "" {
			u = links.URL(crmlink.Deal, a.Deal)
		}
		if u != "" {
			out = append(out, u)
		}
	}
	return out
}

// TestPDFLinks reads the link annotations of every demo rep's PDF: one per
// listed to-do item, in list order, each to the item's own activity or
// deal; and none at all without links. The email's hrefs are those of the
// first five overdue actions, in the same order.
func TestPDFLinks(t *testing.T) {
	links := demoLinks(t)
	s := linkedSet(t, KindRep)
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	checked, mailed := 0, 0
	for _, p := range Recipients(demoData().Dataset, KindRep) {
		d, err := s.Digest(p)
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := d.PDF()
		if err != nil {
			t.Fatal(err)
		}
		want := expectedTodoLinks(t, s, p, links)
		got := pdfURIs(pdf)
		if !slices.Equal(got, want) {
			t.Errorf("%s: PDF links\n%v\nwant\n%v", p.Email, got, want)
		}
		checked += len(got)

		var overdue []string
		if sc := s.main.Scope(kpi.ScopeRep, p.Key()); sc != nil {
			for _, a := range sc.Alerts() {
				if a.Kind == kpi.AlertOverdue && len(overdue) < 5 {
					overdue = append(overdue, links.URL(crmlink.Activity, a.ActivityID))
				}
			}
		}
		mailed += len(overdue)
		r, err := set.Render(d.Email())
		if err != nil {
			t.Fatal(err)
		}
		var hrefs []string
		for _, m := range regexp.MustCompile(`<a href="([^"]*)"`).FindAllStringSubmatch(r.HTML, -1) {
			hrefs = append(hrefs, html.UnescapeString(m[1]))
		}
		if !slices.Equal(hrefs, overdue) {
			t.Errorf("%s: email links\n%v\nwant\n%v", p.Email, hrefs, overdue)
		}

		plain, err := sets(t)[KindRep].Digest(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := plain.PDF()
		if err != nil {
			t.Fatal(err)
		}
		if n := len(pdfURIs(b)); n != 0 || bytes.Contains(b, []byte("/Annots")) {
			t.Errorf("%s: %d links without a links: configuration", p.Email, n)
		}
	}
	if checked < 20 || mailed < 20 {
		t.Errorf("only %d PDF links and %d email links checked in the demo's rep digests", checked, mailed)
	}
}

// TestOddIDsAreEscaped gives a rep's overdue actions ids with spaces,
// slashes, quotes, brackets and accents: the PDF's and the email's links
// carry them escaped, and unescape to the ids.
func TestOddIDsAreEscaped(t *testing.T) {
	base := demoData().Dataset
	ds := *base
	ds.Activities = slices.Clone(base.Activities)
	odd := map[string]bool{}
	for i := range ds.Activities {
		id := fmt.Sprintf("A %d/(ü)?&#\"<%d>", i, i)
		ds.Activities[i].ID = id
		odd[id] = true
	}
	opts := demoOptions()
	opts.Links = demoLinks(t)
	s, err := NewSet(&ds, KindRep, pid(demoPeriods[KindRep]), demoAsOf, opts)
	if err != nil {
		t.Fatal(err)
	}
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, p := range Recipients(&ds, KindRep) {
		d, err := s.Digest(p)
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := d.PDF()
		if err != nil {
			t.Fatal(err)
		}
		r, err := set.Render(d.Email())
		if err != nil {
			t.Fatal(err)
		}
		var hrefs []string
		for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(r.HTML, -1) {
			hrefs = append(hrefs, html.UnescapeString(m[1]))
		}
		if len(hrefs) != len(d.Alerts) {
			t.Errorf("%s: %d links in the email for %d alerts", p.Email, len(hrefs), len(d.Alerts))
		}
		for _, u := range append(pdfURIs(pdf), hrefs...) {
			const prefix = "https://crm.example.com/activities/"
			if !strings.HasPrefix(u, prefix) {
				continue // a deal's link
			}
			parsed, err := url.Parse(u)
			if err != nil || parsed.RawQuery != "" || parsed.Fragment != "" {
				t.Errorf("%s: %q does not keep its id in the path (%v)", p.Email, u, err)
				continue
			}
			id, err := url.PathUnescape(strings.TrimPrefix(u, prefix))
			if err != nil || !odd[id] {
				t.Errorf("%s: %q unescapes to %q, not an activity id", p.Email, u, id)
			}
			if !strings.Contains(r.Text, u) && slices.Contains(hrefs, u) {
				t.Errorf("%s: the text body lacks the link %s", p.Email, u)
			}
			seen++
		}
	}
	if seen < 20 {
		t.Errorf("only %d escaped links seen", seen)
	}
}

// TestPersonLinks gives the demo's reps CRM ids: the manager's per-rep
// table links each rep's name to their user record.
func TestPersonLinks(t *testing.T) {
	base := demoData().Dataset
	ds := *base
	ds.People = slices.Clone(base.People)
	for i := range ds.People {
		ds.People[i].CRMID = fmt.Sprintf("U-%03d", i)
	}
	opts := demoOptions()
	opts.Links = demoLinks(t)
	s, err := NewSet(&ds, KindManager, pid(demoPeriods[KindManager]), demoAsOf, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Recipients(&ds, KindManager) {
		d, err := s.Digest(m)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, bl := range d.Blocks {
			if bl.Table == nil || bl.Table.RowLinks == nil {
				continue
			}
			for r, row := range bl.Table.Rows {
				var crmID string
				for _, p := range ds.People {
					if p.Name == row[0] {
						crmID = p.CRMID
					}
				}
				if u := "https://crm.example.com/users/" + crmID; crmID == "" || bl.Table.RowLinks[r] != u {
					t.Errorf("%s: row %q links to %q, want %q", m.Email, row[0], bl.Table.RowLinks[r], u)
				}
				want = append(want, bl.Table.RowLinks[r])
			}
		}
		if len(want) == 0 {
			t.Fatalf("%s: no rep row linked", m.Email)
		}
		pdf, err := d.PDF()
		if err != nil {
			t.Fatal(err)
		}
		if got := pdfURIs(pdf); !slices.Equal(got, want) {
			t.Errorf("%s: PDF links %v, want %v", m.Email, got, want)
		}
	}
}
