// Package fonts holds the one typeface family of the digests — Go Regular
// and Go Bold from golang.org/x/image/font/gofont (BSD licence) — for both
// the PDF pages (fpdf) and the charts (go-chart), so text and chart labels
// share a font.
//
// The Go fonts cover Latin-1, Latin Extended-A/B, the modern Greek and
// Cyrillic alphabets, the general punctuation, the euro sign and the
// shapes the reports use (▲ ▼ ●); they lack U+202F, which the locale
// package therefore never emits, the Vietnamese letters with two marks
// (Latin Extended Additional) and every CJK script. Has tells which runes
// they draw; for the others a digest may name a fallback face
// (LoadFallback), a TrueType file such as Droid Sans Fallback.
//
// fpdf parses a UTF-8 font afresh in every document (AddUTF8FontFromBytes),
// and at Output it walks the font again to cut the subset it embeds. Both
// costs grow with the size of the font file, so the faces are cut once per
// process to the runes a digest can print (Cutset) and every document
// parses the small cut.
package fonts

import (
	"fmt"
	"os"
	"sync"

	"github.com/go-pdf/fpdf"
	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Family is the fpdf font family name under which Register adds the faces.
const Family = "go"

// Cutset returns the runes kept in the cut faces: Basic Latin, Latin-1,
// Latin Extended-A and -B (every Latin-script name of Europe), Greek,
// Cyrillic, Latin Extended Additional, general punctuation and spaces,
// currency signs, arrows and geometric shapes — of which the cut keeps
// what the Go fonts have (Has).
func Cutset() string {
	var rs []rune
	for _, rg := range [][2]rune{
		{0x20, 0x7e},     // Basic Latin
		{0xa0, 0x24f},    // Latin-1 Supplement, Latin Extended-A and -B
		{0x370, 0x3ff},   // Greek (the Go fonts hold the modern alphabet)
		{0x400, 0x4ff},   // Cyrillic (the Russian, Ukrainian, Serbian, … letters)
		{0x1e00, 0x1eff}, // Latin Extended Additional (the few the Go fonts hold)
		{0x2000, 0x206f}, // General Punctuation (dashes, quotes, spaces, …)
		{0x20a0, 0x20bf}, // Currency Symbols
		{0x2190, 0x2199}, // Arrows
		{0x2212, 0x2212}, // minus sign
		{0x25a0, 0x25ff}, // Geometric Shapes (▲ ▼ ● ■ …)
	} {
		for r := rg[0]; r <= rg[1]; r++ {
			rs = append(rs, r)
		}
	}
	return string(rs)
}

type faces struct{ regular, bold []byte }

// has is the set of runes both Go faces draw within Cutset, as a bit set
// indexed by rune (Cutset ends below hasLimit): the page toolkit asks it
// for every rune it measures or draws.
var has = sync.OnceValue(func() *[hasLimit / 64]uint64 {
	t := Parsed()
	var m [hasLimit / 64]uint64
	for _, r := range Cutset() {
		if r >= hasLimit {
			panic(fmt.Sprintf("fonts: Cutset holds U+%04X, beyond hasLimit: raise it", r))
		}
		if t.Regular.Index(r) != 0 && t.Bold.Index(r) != 0 {
			m[r/64] |= 1 << (r % 64)
		}
	}
	return &m
})

const hasLimit = 0x2600

// Has reports whether the registered faces (regular and bold) draw r.
func Has(r rune) bool { return hasIn(has(), r) }

// HasAll reports whether the registered faces draw every rune of s.
func HasAll(s string) bool {
	t := has()
	for _, r := range s {
		if !hasIn(t, r) {
			return false
		}
	}
	return true
}

func hasIn(t *[hasLimit / 64]uint64, r rune) bool {
	return r >= 0 && r < hasLimit && t[r/64]&(1<<(r%64)) != 0
}

var cut = sync.OnceValue(func() faces {
	set := Cutset()
	return faces{
		regular: fpdf.UTF8CutFont(goregular.TTF, set),
		bold:    fpdf.UTF8CutFont(gobold.TTF, set),
	}
})

// Register adds the regular ("") and bold ("B") faces of Family to pdf.
// It is safe to call from several goroutines on different documents.
func Register(pdf *fpdf.Fpdf) {
	f := cut()
	pdf.AddUTF8FontFromBytes(Family, "", f.regular)
	pdf.AddUTF8FontFromBytes(Family, "B", f.bold)
}

// RegisterFull adds the uncut Go fonts; it exists for the benchmark that
// measures what cutting saves.
func RegisterFull(pdf *fpdf.Fpdf) {
	pdf.AddUTF8FontFromBytes(Family, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(Family, "B", gobold.TTF)
}

// TrueType holds the parsed faces for go-chart.
type TrueType struct {
	Regular, Bold *truetype.Font
}

var parsed = sync.OnceValues(func() (TrueType, error) {
	r, err := truetype.Parse(goregular.TTF)
	if err != nil {
		return TrueType{}, fmt.Errorf("parse go regular: %w", err)
	}
	b, err := truetype.Parse(gobold.TTF)
	if err != nil {
		return TrueType{}, fmt.Errorf("parse go bold: %w", err)
	}
	return TrueType{Regular: r, Bold: b}, nil
})

// Parsed returns the faces parsed once per process. Charts set them on
// every go-chart Style so that go-chart never loads its default font, whose
// lazy loading is not safe for concurrent use.
func Parsed() TrueType {
	t, err := parsed()
	if err != nil {
		// The fonts are compiled in; failing to parse them is a build defect.
		panic(err)
	}
	return t
}

// FallbackFamily is the fpdf family name of the first fallback face;
// the next ones are FallbackFamily1, FallbackFamily2, ...
const FallbackFamily = "fallback"

// Fallback is the list of TrueType faces for the runes the Go fonts
// lack, tried in order (e.g. DejaVu Sans for Vietnamese, then Droid Sans
// Fallback for Chinese). They have no bold: bold text in them is regular.
type Fallback struct {
	faces []*face
}

type face struct {
	path string
	ttf  []byte
	font *truetype.Font
}

var loaded sync.Map // path → *face, so a process reads each file once

// LoadFallback reads and parses the TrueType files at paths once per
// process. fpdf embeds TrueType only: a collection (.ttc) or an OpenType
// file with CFF outlines (.otf) is refused, with its path.
func LoadFallback(paths ...string) (*Fallback, error) {
	fb := &Fallback{}
	for _, path := range paths {
		if f, ok := loaded.Load(path); ok {
			fb.faces = append(fb.faces, f.(*face))
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("fallback font: %w", err)
		}
		if len(b) < 4 || string(b[:4]) == "ttcf" || string(b[:4]) == "OTTO" {
			return nil, fmt.Errorf("fallback font %s: not a TrueType font file (.ttf); collections (.ttc) and CFF OpenType (.otf) cannot be embedded", path)
		}
		t, err := truetype.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("fallback font %s: %w", path, err)
		}
		f, _ := loaded.LoadOrStore(path, &face{path: path, ttf: b, font: t})
		fb.faces = append(fb.faces, f.(*face))
	}
	return fb, nil
}

// Face returns the index of the first face that draws r, or -1.
func (f *Fallback) Face(r rune) int {
	if f == nil {
		return -1
	}
	for i, fc := range f.faces {
		if fc.font.Index(r) != 0 {
			return i
		}
	}
	return -1
}

// Font returns the parsed face i, for go-chart.
func (f *Fallback) Font(i int) *truetype.Font { return f.faces[i].font }

// IndexOf returns the index of the face whose parsed font is t, or -1.
func (f *Fallback) IndexOf(t *truetype.Font) int {
	if f == nil || t == nil {
		return -1
	}
	for i, fc := range f.faces {
		if fc.font == t {
			return i
		}
	}
	return -1
}

// Has reports whether a fallback face draws r.
func (f *Fallback) Has(r rune) bool { return f.Face(r) >= 0 }

// Family returns the fpdf family name of face i.
func (f *Fallback) Family(i int) string {
	if i == 0 {
		return FallbackFamily
	}
	return fmt.Sprint(FallbackFamily, i)
}

// Register adds face i to pdf as Family(i), regular.
func (f *Fallback) Register(pdf *fpdf.Fpdf, i int) {
	pdf.AddUTF8FontFromBytes(f.Family(i), "", f.faces[i].ttf)
}

// RegisterAll adds every face to pdf.
func (f *Fallback) RegisterAll(pdf *fpdf.Fpdf) {
	for i := range f.faces {
		f.Register(pdf, i)
	}
}

// Missing returns the runes of s that neither the Go faces nor fb (which
// may be nil) can draw, each once, in order.
func Missing(s string, fb *Fallback) []rune {
	var out []rune
	seen := map[rune]bool{}
	for _, r := range s {
		if Has(r) || fb.Has(r) || seen[r] || r < 0x20 {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	return out
}
