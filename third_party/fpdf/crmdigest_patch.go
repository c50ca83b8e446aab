// crmdigest patch (see PATCH.md): this file is not part of upstream
// github.com/go-pdf/fpdf v0.9.0.

package fpdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"hash/maphash"
	"sync"
)

// utf8Parsed is what AddUTF8FontFromBytes derives from a font's bytes and
// font key, the same for every document: the metrics, the 65,536-entry
// width table (read-only once built), the font ID (a SHA-1 of the
// definition's JSON) and the cmap the subset is cut with at Output.
// Upstream computes all of it again in every document.
type utf8Parsed struct {
	src  []byte // a private copy of the font bytes, to tell hash collisions apart
	desc FontDescType
	up   int
	ut   int
	cw   []int
	id   string
	cmap map[int]int // rune → glyph, for GenerateCutFont; nil if the font has no Unicode cmap
}

var utf8Cache struct {
	sync.Mutex
	seed    maphash.Seed
	entries map[utf8CacheKey][]*utf8Parsed
}

type utf8CacheKey struct {
	fontkey string
	sum     uint64
}

// parsedUTF8 returns the parsed definition of the UTF-8 TrueType font
// utf8Bytes under fontkey, parsing it on the first call for these bytes
// and key in the process. The result must not be modified.
func parsedUTF8(fontkey string, utf8Bytes []byte) (*utf8Parsed, error) {
	c := &utf8Cache
	c.Lock()
	if c.entries == nil {
		c.seed = maphash.MakeSeed()
		c.entries = map[utf8CacheKey][]*utf8Parsed{}
	}
	key := utf8CacheKey{fontkey, maphash.Bytes(c.seed, utf8Bytes)}
	for _, p := range c.entries[key] {
		if bytes.Equal(p.src, utf8Bytes) {
			c.Unlock()
			return p, nil
		}
	}
	c.Unlock()

	// Parsed outside the lock: two goroutines may both parse the same new
	// font once; both results are equal and the second one is dropped.
	utf8File := newUTF8Font(&fileReader{readerPosition: 0, array: utf8Bytes})
	if err := utf8File.parseFile(); err != nil {
		return nil, err
	}
	p := &utf8Parsed{
		src: bytes.Clone(utf8Bytes),
		desc: FontDescType{
			Ascent:       int(utf8File.Ascent),
			Descent:      int(utf8File.Descent),
			CapHeight:    utf8File.CapHeight,
			Flags:        utf8File.Flags,
			FontBBox:     utf8File.Bbox,
			ItalicAngle:  utf8File.ItalicAngle,
			StemV:        utf8File.StemV,
			MissingWidth: round(utf8File.DefaultWidth),
		},
		up: int(round(utf8File.UnderlinePosition)),
		ut: round(utf8File.UnderlineThickness),
		cw: utf8File.CharWidths,
	}
	// The ID as upstream computes it: from the definition without its
	// per-document parts (utf8File, usedRunes are not marshalled).
	id, err := generateFontID(fontDefType{Tp: "UTF8", Name: fontkey, Desc: p.desc, Up: p.up, Ut: p.ut, Cw: p.cw})
	if err != nil {
		return nil, err
	}
	p.id = id
	if utf8File.generateCMAP() != nil {
		p.cmap = utf8File.charSymbolDictionary
	}

	c.Lock()
	defer c.Unlock()
	for _, q := range c.entries[key] {
		if bytes.Equal(q.src, utf8Bytes) {
			return q, nil
		}
	}
	c.entries[key] = append(c.entries[key], p)
	return p, nil
}

// zlibWriters keeps zlib writers at BestSpeed for reuse: a new one
// allocates and clears about 1 MB of compressor state, which was most of
// the memory a digest allocated. A reset writer writes the same bytes as
// a new one (compress/flate's BestSpeed reset moves its offset past every
// old table entry, so no match reaches into an earlier stream).
var zlibWriters = sync.Pool{
	New: func() any {
		zw, err := zlib.NewWriterLevel(nil, zlib.BestSpeed)
		if err != nil {
			panic(fmt.Errorf("could not create zlib writer: %w", err))
		}
		return zw
	},
}

// cidToGidMaps keeps zeroed CIDToGIDMaps (128 KB each, two per digest,
// a quarter of the memory a digest allocated): putfonts sets the entries
// of the document's runes, compresses the map and clears those entries
// before it puts the map back, so every map taken is all zeros, as a new
// one is.
var cidToGidMaps = sync.Pool{
	New: func() any {
		b := make([]byte, 256*256*2)
		return &b
	},
}
