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
	"bytes"
	"fmt"
	"io"
	"time"

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
}

// New starts an A4 portrait document in loc's language, with the fonts
// registered, the header and footer installed and the first page added.
// created is written as the creation and modification date (pass the
// as-of time, not time.Now, to keep output reproducible). sources is the
// footer's data line ("deals.csv exported 23 Nov 2026 · 12 rows set aside").
func New(loc locale.Locale, h Header, sources string, created time.Time) *Doc {
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
	d := &Doc{PDF: pdf, Loc: loc}
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
	d.PDF.SetFont(fonts.Family, style, size)
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
		p.Text(PageW-Margin-p.GetStringWidth(s), Margin+2+float64(i)*3.6, s)
	}
	d.font(true, SizeTitle)
	d.color(colText)
	p.Text(Margin, Margin+5, d.Fit(h.Title, ContentW-rw-5))
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
	pw := p.GetStringWidth(d.Loc.T("Page %d of %s", p.PageNo(), "999"))
	p.Text(PageW-Margin-pw, y+4, page)
	p.Text(Margin, y+4, d.Fit(sources, ContentW-pw-5))
}

// Fit shortens s with an ellipsis to at most w millimetres in the current
// font. Control characters from CRM text are written as escapes first
// (printable.Escape): most text reaches the page through here.
func (d *Doc) Fit(s string, w float64) string {
	s = printable.Escape(s)
	if d.PDF.GetStringWidth(s) <= w {
		return s
	}
	rs := []rune(s)
	for n := len(rs) - 1; n > 0; n-- {
		t := string(rs[:n]) + "…"
		if d.PDF.GetStringWidth(t) <= w {
			return t
		}
	}
	return ""
}

// Ensure starts a new page unless h millimetres remain above the footer.
func (d *Doc) Ensure(h float64) {
	if d.PDF.GetY()+h > PageH-Margin-footerH {
		d.PDF.AddPage()
	}
}

// Space adds vertical white space.
func (d *Doc) Space(h float64) { d.PDF.SetY(d.PDF.GetY() + h) }

// Output writes the PDF. The document cannot be used afterwards.
func (d *Doc) Output(w io.Writer) error {
	if err := d.PDF.Output(w); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// Bytes returns the PDF.
func (d *Doc) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	err := d.Output(&buf)
	return buf.Bytes(), err
}

// Chart draws ch across the content width, h millimetres high, at the
// current position (on a new page if it does not fit), and moves below it.
func (d *Doc) Chart(ch charts.Chart, h float64) error {
	d.Ensure(h)
	y := d.PDF.GetY()
	if err := d.ChartAt(ch, Margin, y, ContentW, h); err != nil {
		return err
	}
	d.PDF.SetY(y + h + 3)
	return nil
}

// ChartAt draws ch in the rectangle (x, y, w, h), in millimetres, without
// moving the current position.
func (d *Doc) ChartAt(ch charts.Chart, x, y, w, h float64) error {
	if err := ch.PDF(d.PDF, x, y, w, h); err != nil {
		return fmt.Errorf("draw chart: %w", err)
	}
	return nil
}
