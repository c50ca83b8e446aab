package charts

import (
	"image"
	"image/color"
	"sync"

	"github.com/golang/freetype/raster"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// rasterTexts keeps the coverage of the strings go-chart's raster
// renderer drew, by face, size, resolution and string, as the spans its
// rasteriser painted, relative to the string's origin. Rasterising text
// was most of the time of drawing text on the email's chart (about 2 of
// the 33 CPU-seconds of a 2,404-digest run), and a run's charts draw the
// same ticks, months, legends and titles again and again. A string drawn
// from here paints its spans with the renderer's own painter
// (palettePainter on a chart's surface, overPainter on an RGBA image:
// raster.RGBAPainter's draw.Over arithmetic), so the pixels are the ones
// the renderer would have painted, on any ground:
//
//   - The renderer draws a string (CreateStringPath, then Fill) as one
//     path through an identity transform when the text is not rotated,
//     with glyph outlines at whole-pixel origins: every point is the
//     glyph's point (a multiple of 1/64) plus the origin, curves are
//     split at midpoints, so a whole-pixel shift of the origin shifts
//     every point exactly (no rounding: far fewer than 53 bits), the
//     flatness tests see the same differences, and the fixed-point
//     points the rasteriser gets shift by whole pixels.
//   - The rasteriser works in integers on those points, so its cells
//     and coverage shift with them, unless it clips at the image's
//     edges: a string is drawn from here only when its spans lie at
//     least textMargin pixels inside the image, else the renderer
//     draws it.
//
// TestRasterTextSamePixels compares the two ways over random strings,
// sizes, colours, positions (edges included) and grounds. Emptied when
// full: the strings with a rep's own figures seldom come back.
var rasterTexts struct {
	sync.Mutex
	m map[measureKey]*textSpans
}

const maxRasterTexts = 4096

// textMargin is how far inside the image a string's spans must lie to be
// drawn from rasterTexts.
const textMargin = 2

// textSpans is the coverage of a string drawn at origin (0, 0): its
// rasteriser's spans and their bounds; ok is false when the string could
// not be kept (it reached the edge of the scratch image).
type textSpans struct {
	spans                  []span
	minX, maxX, minY, maxY int // X1 is exclusive: maxX is the largest X1
	ok                     bool
}

// span is a raster.Span relative to the origin, in 8 bytes.
type span struct {
	y, x0, x1 int16
	alpha     uint16
}

// The scratch image the strings are rasterised on: large enough for a
// chart's labels, the origin well inside it.
const (
	scratchW, scratchH = 2048, 512
	scratchX, scratchY = 256, 256
)

type spanRecorder struct{ spans []span }

func (r *spanRecorder) Paint(ss []raster.Span, done bool) {
	for _, s := range ss {
		r.spans = append(r.spans, span{int16(s.Y - scratchY), int16(s.X0 - scratchX), int16(s.X1 - scratchX), uint16(s.Alpha)})
	}
}

func (r *spanRecorder) SetColor(color.Color) {}

type scratch struct {
	gc  *drawing.RasterGraphicContext
	rec *spanRecorder
}

var scratches = sync.Pool{New: func() any {
	rec := &spanRecorder{}
	// The image has no pixels: the recorder paints nothing, the
	// rasterisers take only its bounds.
	img := &image.RGBA{Rect: image.Rect(0, 0, scratchW, scratchH)}
	return &scratch{drawing.NewRasterGraphicContextWithPainter(img, rec), rec}
}}

// rasterText returns the spans of k's string drawn as go-chart's raster
// renderer draws it (Text: CreateStringPath, then Fill).
func rasterText(k measureKey) *textSpans {
	c := &rasterTexts
	c.Lock()
	g, ok := c.m[k]
	c.Unlock()
	if ok {
		return g
	}
	s := scratches.Get().(*scratch)
	s.rec.spans = s.rec.spans[:0]
	s.gc.SetDPI(k.dpi)
	s.gc.SetFont(k.face)
	s.gc.SetFontSize(k.size)
	if _, err := s.gc.CreateStringPath(k.s, scratchX, scratchY); err != nil {
		s.gc.Fill() // clears the path, as the renderer's Text does
		scratches.Put(s)
		return nil
	}
	s.gc.Fill()
	g = &textSpans{spans: append([]span(nil), s.rec.spans...), ok: true}
	scratches.Put(s)
	g.minX, g.minY = scratchW, scratchH
	g.maxX, g.maxY = -scratchW, -scratchH
	for _, sp := range g.spans {
		g.minX, g.maxX = min(g.minX, int(sp.x0)), max(g.maxX, int(sp.x1))
		g.minY, g.maxY = min(g.minY, int(sp.y)), max(g.maxY, int(sp.y))
	}
	if len(g.spans) > 0 && (g.minX+scratchX < textMargin || g.maxX+scratchX > scratchW-textMargin ||
		g.minY+scratchY < textMargin || g.maxY+scratchY >= scratchH-textMargin) {
		g.ok = false
	}
	c.Lock()
	if c.m == nil || len(c.m) >= maxRasterTexts {
		c.m = make(map[measureKey]*textSpans)
	}
	c.m[k] = g
	c.Unlock()
	return g
}

// drawInto paints g at origin (x, y) on m in col, as the raster
// renderer's Fill would; false (nothing painted) when g's spans do not
// lie textMargin pixels inside m.
func (g *textSpans) drawInto(m spanTarget, x, y int, col drawing.Color) bool {
	if !g.ok {
		return false
	}
	if len(g.spans) == 0 {
		return true
	}
	b := m.Bounds()
	if g.minX+x < b.Min.X+textMargin || g.maxX+x > b.Max.X-textMargin ||
		g.minY+y < b.Min.Y+textMargin || g.maxY+y >= b.Max.Y-textMargin {
		return false
	}
	m.SetColor(col)
	buf := m.spanBuffer()
	n := 0
	for _, sp := range g.spans {
		buf[n] = raster.Span{Y: int(sp.y) + y, X0: int(sp.x0) + x, X1: int(sp.x1) + x, Alpha: uint32(sp.alpha)}
		if n++; n == len(buf) {
			m.Paint(buf[:n], false)
			n = 0
		}
	}
	m.Paint(buf[:n], true)
	return true
}
