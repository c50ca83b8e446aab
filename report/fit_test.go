package report

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/crmdigest/crmdigest/charts"
	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/report/pdfkit"
	"github.com/go-pdf/fpdf"
)

// page is what the drawing hook saw of one digest.
type page struct {
	where string
	d     *Digest
	drawn []pdfkit.Drawn
	pages int
}

// drawAll lays out every digest of ds (every recipient of the three
// roles, in each language) and records every run of text drawn.
func drawAll(t *testing.T, name string, ds *crm.Dataset, periods map[Kind]string, asOf crm.Day, opts Options, langs []string) []page {
	t.Helper()
	out, err := drawDigests(name, ds, periods, asOf, opts, langs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// drawDigests is drawAll, returning its first error.
func drawDigests(name string, ds *crm.Dataset, periods map[Kind]string, asOf crm.Day, opts Options, langs []string) ([]page, error) {
	var out []page
	for _, kind := range []Kind{KindRep, KindManager, KindDirector} {
		s, err := NewSet(ds, kind, pid(periods[kind]), asOf, opts)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %v", name, kind, err)
		}
		for _, p := range Recipients(ds, kind) {
			for _, lang := range langs {
				q := *p
				q.Locale = lang
				d, err := s.Digest(&q)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %v", name, p.Email, err)
				}
				pg := page{where: fmt.Sprintf("%s %s %s (%s)", name, kind, p.Email, lang), d: d}
				if _, err := d.pdf(func(x pdfkit.Drawn) { pg.drawn = append(pg.drawn, x) }); err != nil {
					return nil, fmt.Errorf("%s: %v", pg.where, err)
				}
				for _, x := range pg.drawn {
					pg.pages = max(pg.pages, x.Page)
				}
				out = append(out, pg)
			}
		}
	}
	return out, nil
}

var mavenPeriods = map[Kind]string{KindRep: "2017-W52", KindManager: "2017-W52", KindDirector: "2017-12"}

// allPages draws the digests of the demo organisation and of Maven in
// English, French and Spanish, once per test binary: TestNothingCut and
// TestPageFlow read the same pages (read only; nothing may change them).
func allPages(t *testing.T) []page {
	t.Helper()
	if testing.Short() {
		t.Skip("lays out every digest of two organisations in three languages")
	}
	out, err := allPagesOnce()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var allPagesOnce = sync.OnceValues(func() ([]page, error) {
	langs := []string{"en", "fr", "es"}
	out, err := drawDigests("demo", demoData().Dataset, demoPeriods, demoAsOf, demoOptions(), langs)
	if err != nil {
		return nil, err
	}
	m, err := mavenDataset()
	if err != nil {
		return nil, fmt.Errorf("load maven: %v", err)
	}
	mv, err := drawDigests("maven", m, mavenPeriods, mavenAsOf, Options{Now: mavenNow}, langs)
	if err != nil {
		return nil, err
	}
	return append(out, mv...), nil
})

// measurer measures text as fpdf does, in a document of its own.
type measurer struct{ pdf *fpdf.Fpdf }

func newMeasurer(fb *fonts.Fallback) measurer {
	pdf := fpdf.New("P", "mm", "A4", "")
	fonts.Register(pdf)
	if fb != nil {
		fb.RegisterAll(pdf)
	}
	return measurer{pdf}
}

func (m measurer) width(x pdfkit.Drawn) float64 {
	m.pdf.SetFont(x.Family, x.Style, x.Size)
	return m.pdf.GetStringWidth(x.Text)
}

// fitProblems returns what is wrong with the text of one digest: an
// ellipsis in catalogue text, a line wider than its room by the font's
// metrics, a rune no face can draw.
func fitProblems(pg page, m measurer, fb *fonts.Fallback) []string {
	var bad []string
	// The runs of one string follow each other, the first numbered 0;
	// their widths add up against the room of the whole string.
	for i := 0; i < len(pg.drawn); {
		x := pg.drawn[i]
		w := 0.0
		j := i
		for ; j < len(pg.drawn) && (j == i || pg.drawn[j].Run > 0); j++ {
			w += m.width(pg.drawn[j])
		}
		i = j
		// A leading "…" ("… and 3 more in the CRM") says there is more; an
		// ellipsis anywhere else is text cut short.
		if !x.Data && strings.Contains(strings.TrimPrefix(x.Whole, "…"), "…") {
			bad = append(bad, fmt.Sprintf("page %d: catalogue text cut: %q (%s)", x.Page, x.Whole, x.Kind))
		}
		if x.Width > 0 && w > x.Width+0.01 {
			bad = append(bad, fmt.Sprintf("page %d: %q is %.1f mm wide in a room of %.1f mm (%s)", x.Page, x.Whole, w, x.Width, x.Kind))
		}
		if miss := fonts.Missing(x.Whole, fb); len(miss) > 0 {
			bad = append(bad, fmt.Sprintf("page %d: %q has runes no font draws: %q", x.Page, x.Whole, string(miss)))
		}
		if x.Broken && !x.Data {
			bad = append(bad, fmt.Sprintf("page %d: a word broken at the end of %q (%s)", x.Page, x.Whole, x.Kind))
		}
		if x.X < x.Left-0.01 {
			bad = append(bad, fmt.Sprintf("page %d: %q starts %.1f mm left of its room (%s)", x.Page, x.Whole, x.Left-x.X, x.Kind))
		}
	}
	return append(bad, overlaps(pg, m)...)
}

// overlaps returns the labels of a chart that overlap another label of
// the same chart: each label's box runs from its start to its end by the
// font's metrics, and from the baseline up by 0.7 of its size (the
// height of a capital) and down by 0.2 (a descender).
func overlaps(pg page, m measurer) []string {
	type box struct {
		x              pdfkit.Drawn
		x0, x1, y0, y1 float64
	}
	byChart := map[int][]box{}
	for i := 0; i < len(pg.drawn); {
		x := pg.drawn[i]
		w := 0.0
		j := i
		for ; j < len(pg.drawn) && (j == i || pg.drawn[j].Run > 0); j++ {
			w += m.width(pg.drawn[j])
		}
		i = j
		if x.Kind != pdfkit.KindChart || strings.TrimSpace(x.Whole) == "" {
			continue
		}
		pt := 25.4 / 72 // millimetres per point
		byChart[x.Chart] = append(byChart[x.Chart], box{x, x.X, x.X + w, x.Y - 0.7*x.Size*pt, x.Y + 0.2*x.Size*pt})
	}
	var bad []string
	for _, bs := range byChart {
		for i, a := range bs {
			for _, b := range bs[i+1:] {
				if a.x0 < b.x1-0.05 && b.x0 < a.x1-0.05 && a.y0 < b.y1-0.05 && b.y0 < a.y1-0.05 {
					bad = append(bad, fmt.Sprintf("page %d: chart labels %q and %q overlap", a.x.Page, a.x.Whole, b.x.Whole))
				}
			}
		}
	}
	return bad
}

// TestNothingCut lays out every digest of the demo organisation and of
// Maven for the three roles in en, fr and es, and fails on catalogue text
// cut with "…", on text wider than its room and on runes no font draws.
func TestNothingCut(t *testing.T) {
	m := newMeasurer(nil)
	texts, pages, dataCut, inCharts := 0, 0, 0, 0
	for _, pg := range allPages(t) {
		pages += pg.pages
		texts += len(pg.drawn)
		for _, x := range pg.drawn {
			if x.Data && strings.HasSuffix(x.Text, "…") {
				dataCut++
			}
			if x.Kind == pdfkit.KindChart {
				inCharts++
			}
		}
		for _, p := range fitProblems(pg, m, nil) {
			t.Errorf("%s: %s", pg.where, p)
		}
	}
	if texts < 10000 || inCharts < texts/10 {
		t.Fatalf("only %d runs of text drawn on %d pages, %d of them in charts: the hook is not seeing the pages", texts, pages, inCharts)
	}
	t.Logf("%d runs of text on %d pages checked, %d of them chart labels; %d data values shortened", texts, pages, inCharts, dataCut)
}

// The checks themselves must catch what they look for.
func TestFitProblemsCatch(t *testing.T) {
	m := newMeasurer(nil)
	cut := page{drawn: []pdfkit.Drawn{{Text: "Montant moyen par aff…", Whole: "Montant moyen par aff…", Family: fonts.Family, Size: 9, Width: 100, Page: 1}}}
	wide := page{drawn: []pdfkit.Drawn{{Text: "Montant moyen par affaire", Whole: "Montant moyen par affaire", Family: fonts.Family, Size: 9, Width: 10, Page: 1}}}
	glyph := page{drawn: []pdfkit.Drawn{{Text: "?", Whole: "王小明", Family: fonts.Family, Size: 9, Width: 100, Page: 1}}}
	data := page{drawn: []pdfkit.Drawn{{Text: "Bartholomew-Featherstonehaugh…", Whole: "Bartholomew-Featherstonehaugh…", Family: fonts.Family, Size: 9, Width: 100, Page: 1, Data: true}}}
	more := page{drawn: []pdfkit.Drawn{{Text: "… and 3 more in the CRM.", Whole: "… and 3 more in the CRM.", Family: fonts.Family, Size: 9, Width: 100, Page: 1}}}
	label := func(s string, x float64, chart int) pdfkit.Drawn {
		return pdfkit.Drawn{Text: s, Whole: s, Family: fonts.Family, Size: 7, Width: 50, X: x, Left: x, Y: 50, Page: 1, Kind: pdfkit.KindChart, Chart: chart}
	}
	// "habituel 2,8 · ▼ −27 %" is about 28 mm wide at 7 pt.
	overlap := page{drawn: []pdfkit.Drawn{label("habituel 2,8 · ▼ −27 %", 10, 1), label("▲ +14 %", 30, 1)}}
	apart := page{drawn: []pdfkit.Drawn{label("habituel 2,8 · ▼ −27 %", 10, 1), label("▲ +14 %", 30, 2)}}
	left := page{drawn: []pdfkit.Drawn{label("Prospection", 10, 1)}}
	left.drawn[0].Left = 12
	broken := page{drawn: []pdfkit.Drawn{{Text: "▲ Propositio", Whole: "▲ Propositio", Family: fonts.Family, Size: 9, Width: 100, Page: 1, Broken: true}}}
	for name, c := range map[string]struct {
		pg   page
		want string
	}{"cut": {cut, "cut"}, "wide": {wide, "wide"}, "glyph": {glyph, "no font"}, "data": {data, ""}, "more": {more, ""},
		"overlap": {overlap, "overlap"}, "two charts": {apart, ""}, "left": {left, "left of its room"},
		"broken": {broken, "word broken"}} {
		got := fitProblems(c.pg, m, nil)
		switch {
		case c.want == "" && len(got) > 0:
			t.Errorf("%s: flagged %q", name, got)
		case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
			t.Errorf("%s: got %q, want one problem saying %q", name, got, c.want)
		}
	}
}

// body is the text of a page's content: neither its header nor its
// footer, nor the labels inside its charts.
func body(x pdfkit.Drawn) bool {
	return x.Kind != pdfkit.KindHeader && x.Kind != pdfkit.KindFooter && x.Kind != pdfkit.KindChart
}

// flowProblems returns the breaks of the page-flow rules in one digest: a
// section title without two lines of its content (or all of it, when
// shorter) under it on its page; a page that goes on with a block without
// its title and "(cont.)"; a last page with less than lastPageMin of
// content.
func flowProblems(pg page) []string {
	var bad []string
	var lines []pdfkit.Drawn // the first run of each line of body text
	for _, x := range pg.drawn {
		if !body(x) || x.Run > 0 {
			continue
		}
		if n := len(lines); n > 0 && lines[n-1].Page == x.Page && lines[n-1].Y == x.Y {
			continue // another cell of the same line
		}
		lines = append(lines, x)
	}
	for i, x := range lines {
		if x.Kind != pdfkit.KindHeading || i+1 < len(lines) && lines[i+1].Kind == pdfkit.KindHeading {
			continue // the last line of a title is checked
		}
		for j := i + 1; j < len(lines) && j <= i+2 && lines[j].Kind != pdfkit.KindHeading; j++ {
			if lines[j].Page != x.Page {
				bad = append(bad, fmt.Sprintf("page %d: title %q has %d line(s) of its content under it", x.Page, x.Whole, j-i-1))
				break
			}
		}
	}
	for i, x := range lines {
		if i > 0 && lines[i-1].Page != x.Page && x.Kind != pdfkit.KindHeading && x.Kind != pdfkit.KindCont {
			bad = append(bad, fmt.Sprintf("page %d opens with %q, without its section title and (cont.)", x.Page, x.Whole))
		}
	}
	if n := len(lines); n > 0 && pg.pages > 1 {
		last := lines[n-1]
		if fill := last.Y - pdfkit.ContentTop; fill < LastPageMin {
			bad = append(bad, fmt.Sprintf("page %d, the last, holds %.0f mm of content", last.Page, fill))
		}
	}
	return bad
}

// TestPageFlow checks the flow rules on every digest of the demo and of
// Maven in three languages.
func TestPageFlow(t *testing.T) {
	conts, breaks := 0, 0
	for _, pg := range allPages(t) {
		for _, x := range pg.drawn {
			if x.Kind == pdfkit.KindCont {
				conts++
			}
		}
		breaks += pg.pages - 1
		for _, p := range flowProblems(pg) {
			t.Errorf("%s: %s", pg.where, p)
		}
	}
	if breaks == 0 || conts == 0 {
		t.Fatalf("%d page breaks and %d continued blocks: the rules were not exercised", breaks, conts)
	}
	t.Logf("%d page breaks, %d of them in a block continued with (cont.)", breaks, conts)
}

// TestEmailChartNothingCut draws the email's chart of every demo digest
// (rep, manager, director) in en, fr and es at the email's size and fails
// on a catalogue label cut with "…" ("Quarter to …" under a bar), on a
// label outside its room, and on two labels that overlap; the email's
// chart is a PNG, which the PDF's text hook never sees.
func TestEmailChartNothingCut(t *testing.T) {
	ds := demoData().Dataset
	n := 0
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		for _, p := range Recipients(ds, k) {
			for _, lang := range []string{"en", "fr", "es"} {
				q := *p
				q.Locale = lang
				d, err := sets(t)[k].Digest(&q)
				if err != nil {
					t.Fatal(err)
				}
				c := d.headlineChart()
				if c == nil {
					continue
				}
				var ls []charts.Label
				ch := d.chart(c).With(charts.Options{OnText: func(l charts.Label) { ls = append(ls, l) }})
				if _, err := ch.Marks(emailChartW, emailChartH); err != nil {
					t.Fatal(err)
				}
				n++
				for _, p := range labelProblems(ls) {
					t.Errorf("%s %s (%s): %s", k, q.Email, lang, p)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no email chart drawn")
	}
}

// labelProblems checks the labels of one chart, in pixels: no catalogue
// text cut, none outside its room, none over another.
func labelProblems(ls []charts.Label) []string {
	var bad []string
	type box struct {
		s              string
		x0, x1, y0, y1 float64
	}
	var boxes []box
	for _, l := range ls {
		if l.Run > 0 && len(boxes) > 0 {
			boxes[len(boxes)-1].x1 = l.X + l.W
			continue
		}
		if !l.Data && strings.Contains(strings.TrimPrefix(l.Whole, "…"), "…") {
			bad = append(bad, fmt.Sprintf("label cut: %q", l.Whole))
		}
		if l.Start < l.Left-1 || l.X+l.W > l.Right+1 {
			bad = append(bad, fmt.Sprintf("label %q spans %.0f–%.0f, outside its room %.0f–%.0f", l.Whole, l.Start, l.X+l.W, l.Left, l.Right))
		}
		px := l.Size * charts.DPI / 72
		boxes = append(boxes, box{l.Whole, l.X, l.X + l.W, l.Y - 0.7*px, l.Y + 0.2*px})
	}
	// Two labels side by side need a gap of at least a point (2 px).
	for i, a := range boxes {
		for _, b := range boxes[i+1:] {
			if a.x0 < b.x1+2 && b.x0 < a.x1+2 && a.y0 < b.y1 && b.y0 < a.y1 {
				bad = append(bad, fmt.Sprintf("labels %q and %q overlap", a.s, b.s))
			}
		}
	}
	return bad
}
