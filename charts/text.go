package charts

import (
	"sync"
	"unicode/utf8"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
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

	// memo, for go-chart's raster renderer, takes measures from
	// rasterMeasures; the state below is the renderer's, which alone
	// its MeasureText depends on.
	memo     bool
	face     *truetype.Font
	faceSize float64
	dpi      float64
	rotated  bool

	// img is what go-chart's raster renderer paints on (nil for the
	// others), on which text not rotated is painted from rasterTexts in
	// the renderer's font colour, followed here.
	img   spanTarget
	color drawing.Color
	// path is true while the renderer holds a path not yet painted
	// (Circle only builds one): its Text fills that path too, in the
	// font colour, so text is then left to it.
	path bool
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
	if s == "" {
		return nil
	}
	// Most strings are all in the Go fonts: one run, s itself, without
	// asking the fallback faces about each letter. A byte that is not
	// UTF-8 (RuneError) takes the way below, which writes U+FFFD for it.
	all := true
	for _, r := range s {
		if r == utf8.RuneError || !(fonts.Has(r) || r < 0x20) {
			all = false
			break
		}
	}
	if all {
		return []run{{s, -1}}
	}
	return t.runsByLetter(s)
}

// runsByLetter is runs, asking for each letter which face has it.
func (t *texter) runsByLetter(s string) []run {
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
	t.setFace(f)
}

func (t *texter) setFace(f *truetype.Font) {
	t.face = f
	t.Renderer.SetFont(f)
}

func (t *texter) SetFontSize(size float64) {
	t.size = size
	t.faceSize = size
	t.Renderer.SetFontSize(size)
}

// The methods below follow the renderer's state that its measures depend
// on: go-chart's ResetStyle keeps the font and zeroes its size.

func (t *texter) ResetStyle() {
	t.faceSize, t.rotated, t.color = 0, false, drawing.Color{}
	t.Renderer.ResetStyle()
}

func (t *texter) SetFontColor(c drawing.Color) {
	t.color = c
	t.Renderer.SetFontColor(c)
}

func (t *texter) SetDPI(dpi float64) {
	t.dpi = dpi
	t.Renderer.SetDPI(dpi)
}

func (t *texter) SetTextRotation(radians float64) {
	t.rotated = true
	t.Renderer.SetTextRotation(radians)
}

func (t *texter) ClearTextRotation() {
	t.rotated = false
	t.Renderer.ClearTextRotation()
}

// use selects the face of a run.
func (t *texter) use(face int) {
	switch {
	case face >= 0:
		t.setFace(t.fb.Font(face))
	case t.bold:
		t.setFace(t.f.Bold)
	default:
		t.setFace(t.f.Regular)
	}
}

// rasterMeasures keeps the boxes go-chart's raster renderer measured, by
// face, size, resolution and string. Measuring loads every glyph's
// outline (a fifth of the time of the email's chart), and a chart measures
// most strings twice or more (to align, to fit, to draw) and the same
// ticks, months and legends as the charts before it. The renderer's
// MeasureText depends on nothing else when the text is not rotated, and
// what else it sets (the font, size and fill colour of its graphic
// context) every drawing call sets again before use, so a measure taken
// from here draws the same pixels. Emptied when full: the
// strings with a rep's own figures seldom come back.
var rasterMeasures struct {
	sync.Mutex
	m map[measureKey]chart.Box
}

const maxMeasures = 8192

type measureKey struct {
	face      *truetype.Font
	size, dpi float64
	s         string
}

// measure is the renderer's MeasureText of s in its current face.
func (t *texter) measure(s string) chart.Box {
	if !t.memo || t.rotated || t.face == nil {
		return t.Renderer.MeasureText(s)
	}
	k := measureKey{t.face, t.faceSize, t.dpi, s}
	c := &rasterMeasures
	c.Lock()
	b, ok := c.m[k]
	c.Unlock()
	if ok {
		return b
	}
	b = t.Renderer.MeasureText(s)
	c.Lock()
	if c.m == nil || len(c.m) >= maxMeasures {
		c.m = make(map[measureKey]chart.Box)
	}
	c.m[k] = b
	c.Unlock()
	return b
}

// MeasureText measures s run by run, each in its face.
func (t *texter) MeasureText(s string) chart.Box {
	rs := t.runs(s)
	if len(rs) == 1 && rs[0].face < 0 {
		return t.measure(rs[0].text)
	}
	var box chart.Box
	for _, r := range rs {
		t.use(r.face)
		b := t.measure(r.text)
		box.Right += b.Width()
		box.Bottom = max(box.Bottom, b.Height())
	}
	t.use(-1)
	return box
}

// draw draws s with its baseline from (x, y) in the current face: from
// rasterTexts on a raster renderer's image, else by the renderer.
func (t *texter) draw(s string, x, y int) {
	if t.img != nil && !t.rotated && !t.path && t.face != nil && t.dpi > 0 {
		if g := rasterText(measureKey{t.face, t.faceSize, t.dpi, s}); g != nil && g.drawInto(t.img, x, y, t.color) {
			return
		}
	}
	t.Renderer.Text(s, x, y)
	t.path = false
}

// The path methods follow whether a path is pending (path).

func (t *texter) MoveTo(x, y int) { t.path = true; t.Renderer.MoveTo(x, y) }
func (t *texter) LineTo(x, y int) { t.path = true; t.Renderer.LineTo(x, y) }
func (t *texter) QuadCurveTo(cx, cy, x, y int) {
	t.path = true
	t.Renderer.QuadCurveTo(cx, cy, x, y)
}
func (t *texter) ArcTo(cx, cy int, rx, ry, startAngle, delta float64) {
	t.path = true
	t.Renderer.ArcTo(cx, cy, rx, ry, startAngle, delta)
}
func (t *texter) Close()                          { t.path = true; t.Renderer.Close() }
func (t *texter) Circle(radius float64, x, y int) { t.path = true; t.Renderer.Circle(radius, x, y) }
func (t *texter) Stroke()                         { t.path = false; t.Renderer.Stroke() }
func (t *texter) Fill()                           { t.path = false; t.Renderer.Fill() }
func (t *texter) FillStroke()                     { t.path = false; t.Renderer.FillStroke() }

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
		w := t.measure(r.text).Width()
		t.draw(r.text, x, y)
		if t.hook != nil {
			t.hook(Label{Text: r.text, Whole: s, Run: i, Face: r.face, Bold: t.bold && r.face < 0, Size: t.size,
				X: float64(x), Y: float64(y), W: float64(w), Start: float64(start), Left: float64(room[0]), Right: float64(room[1]), Data: data})
		}
		x += w
	}
	t.use(-1)
}
