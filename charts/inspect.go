package charts

import (
	"fmt"
	"io"

	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Mark is one thing a chart drew: a text or a painted path, in chart
// pixels. Marks let tests check what a reader sees (where a tick is, that
// a label is whole and inside the chart) without reading pixels.
type Mark struct {
	// Text is the string written, "" for a path.
	Text string
	// X, Y are the left end of the baseline of a text; W its width.
	X, Y, W int
	// Points are the vertices of a path, Closed when it was closed.
	Points [][2]int
	Closed bool
	// Fill and Stroke are the colours painted (zero when not painted).
	Fill, Stroke drawing.Color
	// Font is the face a text was drawn in: a text is drawn in runs, one
	// mark each, and each run in a face that has its letters.
	Font *truetype.Font
}

// Marks draws the chart at w × h pixels, as PNG would, and returns what
// it drew in order.
func (ch Chart) Marks(w, h int) ([]Mark, error) {
	r, err := chart.PNG(w, h)
	if err != nil {
		return nil, fmt.Errorf("png renderer: %w", err)
	}
	rec := &recorder{Renderer: r}
	if err := ch.render(rec, w, h, ch.opts.OnText, false); err != nil {
		return nil, err
	}
	return rec.marks, nil
}

// IsTick tells whether m is the target tick of a bullet graph: a
// vertical stroke in the reference colour.
func (m Mark) IsTick() bool {
	return m.Text == "" && len(m.Points) == 2 && !m.Closed && m.Stroke == colReference &&
		m.Points[0][0] == m.Points[1][0] && m.Points[0][1] != m.Points[1][1]
}

// IsDiamond tells whether m is the marker of a reference other than the
// target: a closed four-point path, white inside, outlined in the
// reference colour, not axis-aligned.
func (m Mark) IsDiamond() bool {
	if m.Text != "" || len(m.Points) != 4 || !m.Closed || m.Fill != colWhite || m.Stroke != colReference {
		return false
	}
	p := m.Points
	return p[0][0] == p[2][0] && p[1][1] == p[3][1] && p[0][1] != p[2][1]
}

// IsActualBar tells whether m is a bar of an actual value: a filled
// rectangle in the accent colours.
func (m Mark) IsActualBar() bool {
	if m.Text != "" || len(m.Points) != 4 || !m.Closed || (m.Fill != colActual && m.Fill != colActualLt) {
		return false
	}
	p := m.Points
	return p[0][1] == p[1][1] && p[1][0] == p[2][0] && p[2][1] == p[3][1] && p[3][0] == p[0][0]
}

// Centre is the middle of the bounding box of a path.
func (m Mark) Centre() (x, y int) {
	x0, y0, x1, y1 := m.Box()
	return (x0 + x1) / 2, (y0 + y1) / 2
}

// Box is the bounding box of a path, or of a text (from its baseline up
// by its font's size, which the recorder does not know: y0 = y1 = Y).
func (m Mark) Box() (x0, y0, x1, y1 int) {
	if m.Text != "" {
		return m.X, m.Y, m.X + m.W, m.Y
	}
	x0, y0, x1, y1 = m.Points[0][0], m.Points[0][1], m.Points[0][0], m.Points[0][1]
	for _, p := range m.Points[1:] {
		x0, y0, x1, y1 = min(x0, p[0]), min(y0, p[1]), max(x1, p[0]), max(y1, p[1])
	}
	return x0, y0, x1, y1
}

// recorder passes every call to a raster renderer (for the text metrics)
// and notes the texts and painted paths.
type recorder struct {
	chart.Renderer
	path         [][2]int
	closed       bool
	fill, stroke drawing.Color
	font         *truetype.Font
	marks        []Mark
}

func (r *recorder) ResetStyle() {
	r.fill, r.stroke = drawing.Color{}, drawing.Color{}
	r.Renderer.ResetStyle()
}
func (r *recorder) SetFillColor(c drawing.Color)   { r.fill = c; r.Renderer.SetFillColor(c) }
func (r *recorder) SetStrokeColor(c drawing.Color) { r.stroke = c; r.Renderer.SetStrokeColor(c) }
func (r *recorder) SetFont(f *truetype.Font)       { r.font = f; r.Renderer.SetFont(f) }

func (r *recorder) MoveTo(x, y int) {
	r.path = append(r.path, [2]int{x, y})
	r.Renderer.MoveTo(x, y)
}

func (r *recorder) LineTo(x, y int) {
	r.path = append(r.path, [2]int{x, y})
	r.Renderer.LineTo(x, y)
}

func (r *recorder) Close() { r.closed = true; r.Renderer.Close() }

func (r *recorder) paint(fill, stroke bool) {
	m := Mark{Points: r.path, Closed: r.closed}
	if fill {
		m.Fill = r.fill
	}
	if stroke {
		m.Stroke = r.stroke
	}
	if len(r.path) > 0 {
		r.marks = append(r.marks, m)
	}
	r.path, r.closed = nil, false
}

func (r *recorder) Stroke()     { r.paint(false, true); r.Renderer.Stroke() }
func (r *recorder) Fill()       { r.paint(true, false); r.Renderer.Fill() }
func (r *recorder) FillStroke() { r.paint(true, true); r.Renderer.FillStroke() }

func (r *recorder) Text(body string, x, y int) {
	r.marks = append(r.marks, Mark{Text: body, X: x, Y: y, W: r.Renderer.MeasureText(body).Width(), Font: r.font})
	r.Renderer.Text(body, x, y)
}

func (r *recorder) Save(w io.Writer) error { return r.Renderer.Save(w) }
