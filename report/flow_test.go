package report

import (
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/report/pdfkit"
	"regexp"
	"slices"
	"testing"

	"github.com/crmdigest/crmdigest/kpi"
)

var dealID = regexp.MustCompile(`D-\d+`)

// TestDealInOneTodoList checks that no deal of a demo rep is listed in two
// to-do lists: a deal past its close date that has also gone stale is
// listed as past its close date only.
func TestDealInOneTodoList(t *testing.T) {
	s := sets(t)[KindRep]
	both := 0
	for _, p := range Recipients(demoData().Dataset, KindRep) {
		sc := s.main.Scope(kpi.ScopeRep, p.Key())
		if sc == nil {
			continue
		}
		kinds := map[string][]kpi.AlertKind{}
		for _, a := range sc.Alerts() {
			if a.Activity == "" {
				kinds[a.Deal] = append(kinds[a.Deal], a.Kind)
			}
		}
		for _, ks := range kinds {
			if len(ks) > 1 {
				both++
			}
		}
		d, err := s.Digest(p)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, bl := range d.Blocks {
			for _, it := range bl.List {
				for _, id := range dealID.FindAllString(it, -1) {
					seen[id]++
				}
			}
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("%s: deal %s is in %d to-do items", p.Email, id, n)
			}
			if ks := kinds[id]; len(ks) > 1 && !inPastCloseList(d, id) {
				t.Errorf("%s: deal %s (%v) is not kept in the past-close list", p.Email, id, ks)
			}
		}
	}
	if both == 0 {
		t.Fatal("no demo deal is both past its close date and stale: the rule is not exercised")
	}
	t.Logf("%d deals were both past their close date and stale", both)
}

// inPastCloseList reports whether the deal's to-do item follows the
// past-close title (the lists are a paragraph title and a list).
func inPastCloseList(d *Digest, id string) bool {
	title := d.loc.T("Past close date")
	under := false
	for _, bl := range d.Blocks {
		if bl.Paragraph != "" {
			under = len(bl.Paragraph) >= len(title) && bl.Paragraph[:len(title)] == title
		}
		for _, it := range bl.List {
			if under && dealID.FindString(it) == id {
				return true
			}
		}
	}
	return false
}

// TestStagesInFunnelOrder checks that the pipeline chart of every demo rep
// lists the stages by rising probability, the demo's funnel order
// (Prospecting 10 %, Qualification 25 %, Proposal 50 %, Negotiation 75 %),
// and that a configured probability takes precedence over the export's.
func TestStagesInFunnelOrder(t *testing.T) {
	ds := demoData().Dataset
	prob := stageProbabilities(ds, nil)
	checked := 0
	for _, p := range Recipients(ds, KindRep) {
		d, err := sets(t)[KindRep].Digest(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, bl := range d.Blocks {
			if bl.Chart == nil || bl.Chart.Kind != ChartPipeline {
				continue
			}
			// The labels are the stages' names in the reader's language.
			b := sets(t)[KindRep].newBuilder(p)
			byLabel := map[string]crm.ID{}
			for id := range crm.ID(ds.Stages.Len()) {
				byLabel[b.stageName(id)] = id
			}
			last := -1.0
			for _, name := range bl.Chart.Labels {
				id, ok := byLabel[name]
				if !ok {
					continue // "(closed since)" labels, last by design
				}
				if prob[id] < last {
					t.Errorf("%s: stages %q are not in funnel order", p.Email, bl.Chart.Labels)
				}
				last = prob[id]
				checked++
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d stage labels checked", checked)
	}
	neg, _ := ds.Stages.Lookup("Negotiation")
	pro, _ := ds.Stages.Lookup("Prospecting")
	if p := stageProbabilities(ds, map[string]float64{"negotiation": 0.05}); p[neg] >= p[pro] {
		t.Errorf("configured probability of Negotiation not used: %v", p)
	}
}

// TestFunnelOrderSorts gives the stages in the order a CRM export may
// first name them and checks they come out by rising probability, those
// without one after them and the deals closed since last.
func TestFunnelOrderSorts(t *testing.T) {
	ds := demoData().Dataset
	prob := stageProbabilities(ds, nil)
	id := func(name string) crm.ID {
		i, ok := ds.Stages.Lookup(name)
		if !ok {
			t.Fatalf("no stage %q in the demo", name)
		}
		return i
	}
	stages := []kpi.StageOpen{{Stage: id("Closed Won"), ClosedSince: true}, {Stage: crm.NoID}, {Stage: id("Negotiation")},
		{Stage: id("Prospecting")}, {Stage: id("Qualification")}, {Stage: id("Proposal")}}
	funnelOrder(stages, prob, ds.StageRank)
	var got []string
	for _, s := range stages {
		got = append(got, ds.Stages.Name(s.Stage))
	}
	want := []string{"Prospecting", "Qualification", "Proposal", "Negotiation", ds.Stages.Name(crm.NoID), "Closed Won"}
	if !slices.Equal(got, want) {
		t.Errorf("funnel order %q, want %q", got, want)
	}
}

// TestRepSourcesInFooter checks that a rep's pages end on their figures:
// no "Data sources" block, the sources said by the footer line on every
// page; a manager's digest keeps the block.
func TestRepSourcesInFooter(t *testing.T) {
	for _, kind := range []Kind{KindRep, KindManager} {
		for _, p := range Recipients(demoData().Dataset, kind)[:3] {
			d, err := sets(t)[kind].Digest(p)
			if err != nil {
				t.Fatal(err)
			}
			block, footers, pages := false, 0, 0
			if _, err := d.pdf(func(x pdfkit.Drawn) {
				pages = max(pages, x.Page)
				if x.Kind == pdfkit.KindHeading && x.Whole == d.loc.T("Data sources") {
					block = true
				}
				if x.Kind == pdfkit.KindFooter && x.Whole == d.SourcesFooter {
					footers++
				}
			}); err != nil {
				t.Fatal(err)
			}
			if block != (kind != KindRep) {
				t.Errorf("%s %s: data sources block drawn: %v", kind, p.Email, block)
			}
			if footers != pages || pages == 0 {
				t.Errorf("%s %s: the sources line %q is in the footer of %d of %d pages", kind, p.Email, d.SourcesFooter, footers, pages)
			}
		}
	}
}

// TestMavenStagesInFunnelOrder: Maven's export gives no probabilities and
// names "Engaging" before "Prospecting"; its preset declares the funnel
// (Prospecting, Engaging, Won, Lost), and every rep's pipeline chart
// draws Prospecting first.
func TestMavenStagesInFunnelOrder(t *testing.T) {
	ds := maven(t)
	s := ss2(t, ds, KindRep, "2017-W52", Options{Now: mavenNow})
	both := 0
	for i := range ds.People {
		if ds.People[i].Role != crm.RoleRep {
			continue
		}
		d, err := s.Digest(&ds.People[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range d.Blocks {
			if b.Chart == nil || b.Chart.Kind != ChartPipeline {
				continue
			}
			p, e := slices.Index(b.Chart.Labels, "Prospecting"), slices.Index(b.Chart.Labels, "Engaging")
			if p >= 0 && e >= 0 {
				both++
				if p > e {
					t.Errorf("%s: stages %q, want Prospecting before Engaging", d.Recipient, b.Chart.Labels)
				}
			}
		}
	}
	if both < 5 {
		t.Fatalf("only %d Maven pipeline charts hold both Prospecting and Engaging", both)
	}
	t.Logf("%d Maven pipeline charts checked", both)
}
