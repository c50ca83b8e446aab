package charts

import (
	"errors"
	"image"
	"time"

	"github.com/wcharczuk/go-chart/v2/drawing"
)

func timeMonth(i int) time.Month { return time.Month(i%12 + 1) }

// rgbaOf receives the image of a go-chart raster renderer from its Save
// (go-chart hands an RGBACollector the image instead of encoding it), so
// a test can paint on it and read its pixels.
type rgbaOf struct{ m *image.RGBA }

func (c *rgbaOf) SetRGBA(m *image.RGBA) { c.m = m }

// Write makes rgbaOf the io.Writer Save takes; go-chart never calls it
// for an RGBACollector.
func (c *rgbaOf) Write([]byte) (int, error) {
	return 0, errors.New("charts: the chart's image was to be collected, not encoded")
}

// fillOpaque paints every pixel of m with col, as palettePainter.ground
// does.
func fillOpaque(m *image.RGBA, col drawing.Color) {
	r := m.Bounds()
	row := m.Pix[m.PixOffset(r.Min.X, r.Min.Y):][:4*r.Dx()]
	for i := 0; i < len(row); i += 4 {
		row[0+i], row[1+i], row[2+i], row[3+i] = col.R, col.G, col.B, col.A
	}
	for y := r.Min.Y + 1; y < r.Max.Y; y++ {
		copy(m.Pix[m.PixOffset(r.Min.X, y):][:len(row)], row)
	}
}
