package charts

import (
	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
)

// Options are the settings of one drawing of a chart (With).
type Options struct {
	// Fallback holds the faces for the letters the Go fonts lack (a
	// Chinese rep name under a bar); nil draws Placeholder for them.
	Fallback *fonts.Fallback
	// OnText, when set, is called for every run of text the chart draws,
	// in the unit of the drawing: document units for PDF, pixels for PNG
	// and Marks. The tests use it to check that chart labels are neither
	// cut nor wider than their room, and that every letter has a face.
	OnText func(Label)
}

// Label is one run of text drawn by a chart: a string drawn in one face.
type Label struct {
	Text  string // the run
	Whole string // the string of which Text is a run
	Run   int    // the run's index in Whole
	// Face is -1 for the Go fonts, else the index of the fallback face.
	Face int
	Bold bool
	Size float64 // points
	// X is the left end of the run's baseline, Y the baseline, W its
	// width; Start is X of the string's first run.
	X, Y, W, Start float64
	// Left and Right bound the room the whole string was given: the
	// cell the chart laid it out in, else the chart's own width.
	Left, Right float64
	// Data is true for a data value (a rep's, team's or stage's name),
	// which alone may be shortened with "…" to fit its room.
	Data bool
}

// Placeholder is drawn for a letter that no face has: a visible question
// mark rather than the empty box of a missing glyph (as in the pages).
const Placeholder = "?"

// With returns ch drawn with o.
func (ch Chart) With(o Options) Chart {
	ch.opts = o
	return ch
}

// texter wraps the renderer a chart draws on, so that every string —
// the canvas's and go-chart's own axis labels — is measured and drawn in
// runs, each in the first face that has its letters: the Go font asked
// for, else a fallback face (regular: fallback faces have no bold).
type texter struct {
	chart.Renderer
	f    fonts.TrueType
	fb   *fonts.Fallback
	w    int // the chart's width, the room of a string laid out without one
	bold bool
	size float64
	hook func(Label) // in chart pixels

	// room is the span the canvas gave the next string (textIn); zero
	// when it gave none.
	room       [2]int
	data, used bool
}

// run is a piece of a string drawn in one face: the Go fonts (face -1)
// or a fallback face.
type run struct {
	text string
	face int
}

// runs splits s by face, as pdfkit does for the page's text: a space
// stays with the Go run before it.
func (t *texter) runs(s string) []run {
	var out []run
	add := func(s string, face int) {
		if n := len(out); n > 0 && out[n-1].face == face {
			out[n-1].text += s
			return
		}
		out = append(out, run{s, face})
	}
	for _, r := range s {
		switch i := t.fb.Face(r); {
		case fonts.Has(r) || r < 0x20:
			add(string(r), -1)
		case i >= 0:
			add(string(r), i)
		default:
			add(Placeholder, -1)
		}
	}
	return out
}

func (t *texter) SetFont(f *truetype.Font) {
	t.bold = f == t.f.Bold
	t.Renderer.SetFont(f)
}

func (t *texter) SetFontSize(size float64) {
	t.size = size
	t.Renderer.SetFontSize(size)
}

// use selects the face of a run.
func (t *texter) use(face int) {
	switch {
	case face >= 0:
		t.Renderer.SetFont(t.fb.Font(face))
	case t.bold:
		t.Renderer.SetFont(t.f.Bold)
	default:
		t.Renderer.SetFont(t.f.Regular)
	}
}

// MeasureText measures s run by run, each in its face.
func (t *texter) MeasureText(s string) chart.Box {
	rs := t.runs(s)
	if len(rs) == 1 && rs[0].face < 0 {
		return t.Renderer.MeasureText(rs[0].text)
	}
	var box chart.Box
	for _, r := range rs {
		t.use(r.face)
		b := t.Renderer.MeasureText(r.text)
		box.Right += b.Width()
		box.Bottom = max(box.Bottom, b.Height())
	}
	t.use(-1)
	return box
}

// textIn sets the room of the next string drawn: the span x0–x1.
func (t *texter) textIn(x0, x1 int, data bool) {
	t.room, t.data, t.used = [2]int{x0, x1}, data, true
}

// Text draws s with its baseline from (x, y), run by run.
func (t *texter) Text(s string, x, y int) {
	room, data := [2]int{0, t.w}, false
	if t.used {
		room, data = t.room, t.data
		t.used = false
	}
	start := x
	for i, r := range t.runs(s) {
		t.use(r.face)
		w := t.Renderer.MeasureText(r.text).Width()
		t.Renderer.Text(r.text, x, y)
		if t.hook != nil {
			t.hook(Label{Text: r.text, Whole: s, Run: i, Face: r.face, Bold: t.bold && r.face < 0, Size: t.size,
				X: float64(x), Y: float64(y), W: float64(w), Start: float64(start), Left: float64(room[0]), Right: float64(room[1]), Data: data})
		}
		x += w
	}
	t.use(-1)
}
