// Package pdfkit is the page toolkit of the digests: an A4 document with
// the embedded fonts, a header (title, period, as-of time) and a footer
// (data sources, page x of y), and the blocks a digest is made of — the
// headline sentence, a row of KPIs with their comparison, bullet-graph
// rows with sparklines, section titles, tables with right-aligned numbers
// and an outlier column, lists and charts at a rectangle.
//
// Output is deterministic: the creation and modification dates are fixed
// by the caller and the catalog is sorted, so the same input gives the
// same bytes.
package pdfkit

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crmdigest/crmdigest/charts"
	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/locale"
	"github.com/go-pdf/fpdf"

	"github.com/crmdigest/crmdigest/internal/printable"
)

// Page geometry, in millimetres.
const (
	PageW    = 210.0
	PageH    = 297.0
	Margin   = 15.0
	ContentW = PageW - 2*Margin
	headerH  = 16.0
	footerH  = 12.0
)

// Type sizes in points: three sizes and one family.
const (
	SizeTitle = 14
	SizeText  = 9.5
	SizeSmall = 7.5
)

// Colours (RGB): text, muted text, rules, and the accent of the charts.
var (
	colText   = [3]int{40, 40, 40}
	colMuted  = [3]int{110, 110, 110}
	colRule   = [3]int{200, 200, 200}
	colAccent = [3]int{31, 78, 121}
	colGood   = [3]int{30, 110, 60}
	colBad    = [3]int{170, 40, 30}
)

// ContentTop is where the content of a page starts, under the header.
const ContentTop = Margin + headerH

// Header is what the top of every page shows.
type Header struct {
	Title  string // "Weekly digest — Françoise Núñez"
	Period string // "16 – 22 Nov 2026"
	AsOf   time.Time
}

// Doc is one digest being laid out. Create it with New, add blocks in
// reading order, then call Output.
type Doc struct {
	PDF *fpdf.Fpdf
	Loc locale.Locale

	opts Options
	// The current face, as set by font: fpdf does not tell it back.
	family    string
	style     string
	size      float64
	fallbacks map[int]bool    // the fallback faces registered in this document
	charts    int             // the charts drawn so far, to number their labels
	broken    map[string]bool // lines Wrap ended inside a word, for Drawn.Broken
	section   string          // the title of the section being written, for "(cont.)"
}

// Drawn is one run of text put on a page, as Options.OnText receives it:
// the string, the face it is drawn in and the width it was given.
type Drawn struct {
	Text   string
	Family string  // fonts.Family or fonts.FallbackFamily
	Style  string  // "" or "B"
	Size   float64 // points
	// Width is the room the text was given, in millimetres, from the
	// start of the whole string (a run after the first shares it).
	Width float64
	// Whole is the whole string of which Text is a run (the same string
	// when it is drawn in one face), and Run the run's index in it.
	Whole string
	Run   int
	Page  int
	Y     float64 // the baseline, in millimetres from the top
	// X is the left end of the run's baseline, in millimetres; Left the
	// left edge of the room the whole string was given (X of its first
	// run for the page's text; a chart's cell or edge for a chart label).
	X, Left float64
	// Chart numbers the charts of the document from 1 for a label drawn
	// in a chart (KindChart), 0 for the page's own text.
	Chart int
	Kind  string // KindHeading, KindCell, ... below
	// Data is true for a data value (a name, an amount, a file name):
	// only data may end in "…", after wrapping to its allowed lines.
	Data bool
	// Broken is true for a line that Wrap ended inside a word, because the
	// word alone was wider than the room ("Propositio" / "ns").
	Broken bool
}

// Kinds of drawn text.
const (
	KindHeader   = "header"   // page header
	KindFooter   = "footer"   // page footer
	KindHeadline = "headline" // the opening sentence
	KindHeading  = "heading"  // a section title
	KindCont     = "cont"     // the "(cont.)" line of a continued block
	KindText     = "text"     // paragraphs, captions, list items, KPI and bullet text
	KindHead     = "head"     // a table's column title
	KindCell     = "cell"     // a table cell
	KindChart    = "chart"    // a label drawn in a chart (axis, legend, bar)
)

// Options are the optional settings of a document.
type Options struct {
	// OnText, when set, is called for every run of text drawn, in order;
	// the tests use it to check that nothing is cut or overflows.
	OnText func(Drawn)
	// Fallback is the face used for the runes the Go fonts lack (CJK,
	// Vietnamese tone marks); nil draws Placeholder for them instead.
	Fallback *fonts.Fallback
	// Tight halves the white space between blocks: a digest whose last
	// page would hold a few lines is laid out again tight.
	Tight bool
}

// Placeholder is drawn for a rune that neither the Go fonts nor the
// fallback face can draw: a visible question mark rather than the empty
// box a PDF viewer shows for a missing glyph.
const Placeholder = "?"

// New starts an A4 portrait document in loc's language, with the fonts
// registered, the header and footer installed and the first page added.
// created is written as the creation and modification date (pass the
// as-of time, not time.Now, to keep output reproducible). sources is the
// footer's data line ("deals.csv exported 23 Nov 2026 · 12 rows set aside").
func New(loc locale.Locale, h Header, sources string, created time.Time) *Doc {
	return NewWith(loc, h, sources, created, Options{})
}

// NewWith is New with options.
func NewWith(loc locale.Locale, h Header, sources string, created time.Time, opts Options) *Doc {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(h.Title, true)
	pdf.SetCreator("crmdigest", true)
	pdf.SetLang(loc.Code())
	fonts.Register(pdf)
	pdf.SetMargins(Margin, Margin+headerH, Margin)
	pdf.SetAutoPageBreak(true, Margin+footerH)
	pdf.AliasNbPages("{nb}")
	d := &Doc{PDF: pdf, Loc: loc, opts: opts}
	pdf.SetHeaderFunc(func() { d.header(h) })
	pdf.SetFooterFunc(func() { d.footer(sources) })
	pdf.AddPage()
	return d
}

func (d *Doc) color(c [3]int)     { d.PDF.SetTextColor(c[0], c[1], c[2]) }
func (d *Doc) drawColor(c [3]int) { d.PDF.SetDrawColor(c[0], c[1], c[2]) }
func (d *Doc) font(bold bool, size float64) {
	style := ""
	if bold {
		style = "B"
	}
	d.family, d.style, d.size = fonts.Family, style, size
	d.PDF.SetFont(fonts.Family, style, size)
}

// Font sets the text face for the drawing methods: bold or not, at size
// points.
func (d *Doc) Font(bold bool, size float64) { d.font(bold, size) }

// Muted sets the muted text colour (captions, notes).
func (d *Doc) Muted() { d.color(colMuted) }

// Dark sets the text colour.
func (d *Doc) Dark() { d.color(colText) }

// run is a piece of a string drawn in one face: the Go fonts (face -1)
// or a fallback face.
type run struct {
	text string
	face int
}

// runs splits s into runs by face: the Go fonts where they have the
// rune, the fallback face where it has it, and Placeholder otherwise.
func (d *Doc) runs(s string) []run {
	// Nearly every string is drawn in the Go fonts alone: one run, s
	// itself, without building it again rune by rune.
	if fonts.HasAll(s) {
		return []run{{s, -1}}
	}
	var out []run
	add := func(t string, face int) {
		if n := len(out); n > 0 && out[n-1].face == face {
			out[n-1].text += t
			return
		}
		out = append(out, run{t, face})
	}
	for _, r := range s {
		switch i := d.opts.Fallback.Face(r); {
		case fonts.Has(r) || r == ' ' && len(out) > 0 && out[len(out)-1].face < 0:
			add(string(r), -1)
		case i >= 0:
			add(string(r), i)
		default:
			add(Placeholder, -1)
		}
	}
	if len(out) == 0 {
		out = append(out, run{"", -1})
	}
	return out
}

// useRun selects the face of a run, registering the fallback face in the
// document the first time it is needed (most digests never need it, and
// the face is large).
func (d *Doc) useRun(r run) {
	if r.face < 0 {
		d.PDF.SetFont(d.family, d.style, d.size)
		return
	}
	if !d.fallbacks[r.face] {
		if d.fallbacks == nil {
			d.fallbacks = map[int]bool{}
		}
		d.opts.Fallback.Register(d.PDF, r.face)
		d.fallbacks[r.face] = true
	}
	// The fallback faces have no bold: the text keeps its size.
	d.PDF.SetFont(d.opts.Fallback.Family(r.face), "", d.size)
}

// Width returns the width of s in millimetres in the current face,
// measuring each run in the face it is drawn in.
func (d *Doc) Width(s string) float64 {
	if fonts.HasAll(s) {
		return d.PDF.GetStringWidth(s)
	}
	rs := d.runs(s)
	if len(rs) == 1 && rs[0].face < 0 {
		return d.PDF.GetStringWidth(rs[0].text)
	}
	w := 0.0
	for _, r := range rs {
		d.useRun(r)
		w += d.PDF.GetStringWidth(r.text)
	}
	d.PDF.SetFont(d.family, d.style, d.size)
	return w
}

// draw writes s with its baseline at (x, y) in the current face, run by
// run, and reports each run to the OnText hook with the room w it had.
func (d *Doc) draw(x, y float64, s string, w float64, kind string, data bool) {
	left := x
	for i, r := range d.runs(s) {
		d.useRun(r)
		d.PDF.Text(x, y, r.text)
		d.report(r, i, s, x, left, y, w, kind, data)
		x += d.PDF.GetStringWidth(r.text)
	}
	d.PDF.SetFont(d.family, d.style, d.size)
}

// report passes one run to the OnText hook.
func (d *Doc) report(r run, i int, whole string, x, left, y, w float64, kind string, data bool) {
	if d.opts.OnText == nil {
		return
	}
	fam, style := d.family, d.style
	if r.face >= 0 {
		fam, style = d.opts.Fallback.Family(r.face), ""
	}
	d.opts.OnText(Drawn{Text: r.text, Whole: whole, Run: i, Family: fam, Style: style, Size: d.size, Width: w,
		Page: d.PDF.PageNo(), X: x, Left: left, Y: y, Kind: kind, Data: data, Broken: d.broken[whole]})
}

// Text writes s at (x, y) in the current face, within w millimetres (the
// caller has made it fit, with Wrap or Fit).
func (d *Doc) Text(x, y float64, s string, w float64, data bool) {
	d.draw(x, y, s, w, KindText, data)
}

// Wrap breaks s into lines of at most w millimetres in the current face,
// at spaces; a word wider than w on its own is broken between runes, so
// no text is ever lost. Control characters are escaped first.
func (d *Doc) Wrap(s string, w float64) []string {
	var lines []string
	for _, word := range words(s) {
		// The line measured with the word is the line kept: built once.
		if n := len(lines); n > 0 {
			if longer := lines[n-1] + " " + word; d.Width(longer) <= w {
				lines[n-1] = longer
				continue
			}
		}
		// One rune wider than the room stays whole: nothing narrower exists.
		for d.Width(word) > w && utf8.RuneCountInString(word) > 1 {
			rs := []rune(word)
			n := len(rs) - 1
			for n > 1 && d.Width(string(rs[:n])) > w {
				n--
			}
			lines = append(lines, string(rs[:n]))
			word = string(rs[n:])
			if d.broken == nil {
				d.broken = map[string]bool{}
			}
			d.broken[string(rs[:n])] = true
		}
		lines = append(lines, word)
	}
	if len(lines) == 0 {
		lines = []string{""}
	}
	return lines
}

// words splits s where Wrap may break a line. Only ordinary spaces
// break: the no-break spaces of the locale ("9 010 €", "signé : ") hold
// their neighbours together, and a direction sign stays with what it
// points at ("▲ +43 %", "▲ Propositions : haut" keeps "▲ Propositions :").
func words(s string) []string {
	ws := strings.FieldsFunc(printable.Escape(s), func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' })
	for i := 0; i+1 < len(ws); i++ {
		if w := ws[i]; w == Up.Sign() || w == Down.Sign() || w == Flat.Sign() {
			ws[i] += " " + ws[i+1]
			ws = append(ws[:i+1], ws[i+2:]...)
		}
	}
	return ws
}

// FitLines wraps a data value over at most n lines of w millimetres; the
// last line ends with "…" when the value is longer still.
func (d *Doc) FitLines(s string, w float64, n int) []string {
	lines := d.Wrap(s, w)
	if len(lines) <= n {
		return lines
	}
	lines = lines[:n]
	lines[n-1] = d.Fit(lines[n-1]+"…", w)
	return lines
}

func (d *Doc) rule(y float64) {
	d.drawColor(colRule)
	d.PDF.SetLineWidth(0.2)
	d.PDF.Line(Margin, y, PageW-Margin, y)
}

func (d *Doc) header(h Header) {
	p := d.PDF
	d.font(false, SizeSmall)
	right := []string{h.Period, d.Loc.T("As of %s", d.Loc.DateTime(h.AsOf))}
	rw := 0.0
	for _, s := range right {
		rw = max(rw, p.GetStringWidth(s))
	}
	d.color(colMuted)
	for i, s := range right {
		sw := d.Width(s)
		d.draw(PageW-Margin-sw, Margin+2+float64(i)*3.6, s, sw, KindHeader, true)
	}
	d.font(true, SizeTitle)
	d.color(colText)
	// The title carries the recipient's name, a data value.
	d.draw(Margin, Margin+5, d.Fit(h.Title, ContentW-rw-5), ContentW-rw-5, KindHeader, true)
	d.rule(Margin + 8)
	p.SetY(Margin + headerH)
}

func (d *Doc) footer(sources string) {
	p := d.PDF
	y := PageH - Margin - footerH + 4
	d.rule(y)
	d.font(false, SizeSmall)
	d.color(colMuted)
	page := d.Loc.T("Page %d of %s", p.PageNo(), "{nb}")
	// The alias is replaced by the page count at output; reserve room for
	// three digits so the sources never run into it.
	widest := d.Loc.T("Page %d of %s", p.PageNo(), "999")
	pw := d.Width(widest)
	p.Text(PageW-Margin-pw, y+4, page)
	// The hook sees the widest the line can become once the alias is
	// replaced, which is what has to fit.
	d.report(run{text: widest, face: -1}, 0, widest, PageW-Margin-pw, PageW-Margin-pw, y+4, pw, KindFooter, false)
	// The sources line names files and counts: data, shortened if need be.
	d.draw(Margin, y+4, d.Fit(sources, ContentW-pw-5), ContentW-pw-5, KindFooter, true)
}

// Fit shortens s with an ellipsis to at most w millimetres in the current
// font. It is for data values only (a name, a file name): catalogue text
// wraps (Wrap) instead. Control characters from CRM text are written as
// escapes first (printable.Escape).
func (d *Doc) Fit(s string, w float64) string {
	s = printable.Escape(s)
	if d.Width(s) <= w {
		return s
	}
	rs := []rune(strings.TrimSuffix(s, "…"))
	for n := len(rs) - 1; n > 0; n-- {
		t := strings.TrimRight(string(rs[:n]), " ") + "…"
		if d.Width(t) <= w {
			return t
		}
	}
	return ""
}

// Ensure starts a new page unless h millimetres remain above the footer;
// within a section the new page opens with the title and "(cont.)".
func (d *Doc) Ensure(h float64) {
	if !d.Fits(h) {
		d.Break()
	}
}

// Fits reports whether h millimetres remain above the footer.
func (d *Doc) Fits(h float64) bool { return d.PDF.GetY()+h <= PageH-Margin-footerH }

// Break starts a new page in the middle of a block (a list or a table)
// and, when the block is under a section title, repeats the title with
// "(cont.)" so the reader knows what the page continues.
func (d *Doc) Break() {
	// The header and footer change the face and colour; the block goes
	// on in its own.
	fam, style, size := d.family, d.style, d.size
	r, g, b := d.PDF.GetTextColor()
	defer func() {
		d.family, d.style, d.size = fam, style, size
		d.PDF.SetFont(fam, style, size)
		d.PDF.SetTextColor(r, g, b)
	}()
	d.PDF.AddPage()
	if d.section == "" {
		return
	}
	d.font(false, SizeSmall)
	d.color(colMuted)
	s := d.Loc.T("%s (cont.)", d.section)
	lines := d.Wrap(s, ContentW)
	y := d.PDF.GetY()
	for i, l := range lines {
		d.draw(Margin, y+3+float64(i)*3.4, l, ContentW, KindCont, false)
	}
	d.PDF.SetY(y + float64(len(lines))*3.4 + 1.5)
}

// Space adds vertical white space (half as much in a tight layout).
func (d *Doc) Space(h float64) {
	if d.opts.Tight {
		h /= 2
	}
	d.PDF.SetY(d.PDF.GetY() + h)
}

// Output writes the PDF. The document cannot be used afterwards.
func (d *Doc) Output(w io.Writer) error {
	if err := d.PDF.Output(w); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// Bytes returns the PDF, in a slice of its length. The document's
// buffers then go back to the patched fpdf's pools (third_party/fpdf
// PATCH.md, change 13): d must not be used afterwards.
func (d *Doc) Bytes() ([]byte, error) {
	b, err := d.PDF.OutputBytes()
	if err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	return b, nil
}

// Chart draws ch across the content width, h millimetres high, at the
// current position (on a new page if it does not fit), and moves below it.
func (d *Doc) Chart(ch charts.Chart, h float64) error {
	d.Ensure(h)
	y := d.PDF.GetY()
	if err := d.ChartAt(ch, Margin, y, ContentW, h); err != nil {
		return err
	}
	d.PDF.SetY(y + h)
	d.Space(3)
	return nil
}

// ChartAt draws ch in the rectangle (x, y, w, h), in millimetres, without
// moving the current position.
func (d *Doc) ChartAt(ch charts.Chart, x, y, w, h float64) error {
	d.charts++
	o := charts.Options{Fallback: d.opts.Fallback}
	if on := d.opts.OnText; on != nil {
		n := d.charts
		o.OnText = func(l charts.Label) {
			fam, style := fonts.Family, ""
			switch {
			case l.Face >= 0:
				fam = d.opts.Fallback.Family(l.Face)
			case l.Bold:
				style = "B"
			}
			// The room is counted from the start of the whole string, as
			// for the page's text.
			on(Drawn{Text: l.Text, Whole: l.Whole, Run: l.Run, Family: fam, Style: style, Size: l.Size,
				Width: l.Right - l.Start, X: l.X, Left: l.Left, Page: d.PDF.PageNo(), Y: l.Y, Chart: n,
				Kind: KindChart, Data: l.Data})
		}
	}
	if err := ch.With(o).PDF(d.PDF, x, y, w, h); err != nil {
		return fmt.Errorf("draw chart: %w", err)
	}
	return nil
}
