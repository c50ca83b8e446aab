// crmdigest patch (see PATCH.md): this file is not part of upstream
// github.com/go-pdf/fpdf v0.9.0.

package fpdf

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"os"
	"slices"
	"strconv"
	"sync"
	"unsafe"
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
	base [][]int     // baseRunes(cw)
}

var utf8Cache struct {
	sync.Mutex
	seed    maphash.Seed
	entries map[utf8CacheKey][]*utf8Parsed
	// seen maps the address and length of a slice of font bytes already
	// looked up to its parse: a hint, checked against the parse's copy
	// of the bytes, emptied when it holds maxSeen slices (a program that
	// adds fonts from ever new slices; crmdigest adds the same ones).
	seen map[utf8SeenKey]*utf8Parsed
}

const maxSeen = 256

type utf8SeenKey struct {
	fontkey string
	addr    uintptr
	n       int
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
		c.seen = map[utf8SeenKey]*utf8Parsed{}
	}
	// The same slice as before (every digest adds the same two faces):
	// compared with the private copy instead of hashed, which cost more
	// (0.1 ms per document for the two faces).
	seen := utf8SeenKey{fontkey, uintptr(unsafe.Pointer(unsafe.SliceData(utf8Bytes))), len(utf8Bytes)}
	if p := c.seen[seen]; p != nil && bytes.Equal(p.src, utf8Bytes) {
		c.Unlock()
		return p, nil
	}
	key := utf8CacheKey{fontkey, maphash.Bytes(c.seed, utf8Bytes)}
	if len(c.seen) >= maxSeen {
		c.seen = map[utf8SeenKey]*utf8Parsed{}
	}
	for _, p := range c.entries[key] {
		if bytes.Equal(p.src, utf8Bytes) {
			c.seen[seen] = p
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
	p.base = baseRunes(p.cw)
	if utf8File.generateCMAP() != nil {
		p.cmap = utf8File.charSymbolDictionary
	}

	c.Lock()
	defer c.Unlock()
	for _, q := range c.entries[key] {
		if bytes.Equal(q.src, utf8Bytes) {
			c.seen[seen] = q
			return q, nil
		}
	}
	c.entries[key] = append(c.entries[key], p)
	c.seen[seen] = p
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

// outTf writes the font operator SetFont writes, as
// f.outf("BT /F%s %.2f Tf ET", id, size) did: strconv's 'f' format with
// precision 2 is what fmt's %.2f prints, sign, -0 and Inf included. It
// was 8 % of a digest's CPU time through fmt (pdfkit sets the font for
// every run of text).
func (f *Fpdf) outTf(id string, size float64) {
	var a [80]byte
	b := append(a[:0], "BT /F"...)
	b = append(b, id...)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, size, 'f', 2, 64)
	b = append(b, " Tf ET\n"...)
	if f.state == 2 {
		must(f.pages[f.page].Write(b))
	} else {
		must(f.buffer.Write(b))
	}
}

// textOp is sprintf("BT %.2f %.2f Td (%s) Tj ET", x, y, txt) without fmt.
func textOp(x, y float64, txt string) string {
	return string(appendTextOp(make([]byte, 0, len(txt)+40), x, y, txt))
}

// cidWidths keeps the /W entries (the width array of a UTF-8 font's
// CIDFont) that generateCIDFontMap built, by parsed font and by what the
// entry depends on besides the font: the last rune used (LastRune, the
// end of the scan) and the used runes above 255 (every rune up to 255
// that the font has is listed, used or not). Documents print different
// names, so their used runes seldom match in full (a run of 2,404
// digests cut about 4,400 different subsets of 4,808), but the runes
// above 255 they use (dashes, quotes, arrows, accented letters of
// Central European names) mostly do. Upstream rebuilds the entry in
// every document through maps of interface keys: 7 % of a digest's CPU.
// Emptied when it holds maxCIDWidths entries (about 1.5 KB each).
var cidWidths struct {
	sync.Mutex
	m map[cidWidthsKey]string
	// hits and misses count lookups, for the tests.
	hits, misses int
}

const maxCIDWidths = 1024

type cidWidthsKey struct {
	font *utf8Parsed
	last int
	high string // the used runes above 255, ascending, 4 bytes each
}

// cidFontWidths returns generateCIDFontMap(font, lastRune), from
// cidWidths when the font was added from bytes.
func cidFontWidths(font *fontDefType, lastRune int) string {
	if font.parsed == nil {
		return generateCIDFontMap(font, lastRune)
	}
	// generateCIDFontMap reads usedRunes only for cid in 256..lastRune,
	// and only whether the value is 0 or missing.
	high := make([]int, 0, 32)
	for r, v := range font.usedRunes {
		if r > 255 && r <= lastRune && v != 0 {
			high = append(high, r)
		}
	}
	slices.Sort(high)
	b := make([]byte, 0, 4*len(high))
	for _, r := range high {
		b = binary.LittleEndian.AppendUint32(b, uint32(r))
	}
	k := cidWidthsKey{font.parsed, lastRune, string(b)}
	c := &cidWidths
	c.Lock()
	w, ok := c.m[k]
	if ok {
		c.hits++
	} else {
		c.misses++
	}
	c.Unlock()
	if ok {
		return w
	}
	w = generateCIDFontMap(font, lastRune)
	c.Lock()
	if c.m == nil || len(c.m) >= maxCIDWidths {
		c.m = make(map[cidWidthsKey]string)
	}
	c.m[k] = w
	c.Unlock()
	return w
}

// cutUTF8 is what putfonts derives from a UTF-8 font and the runes a
// document used, besides the /W entry (cidWidths): the cut font's
// length, the cut font and its CIDToGIDMap compressed, and the last rune
// used (where generateCIDFontMap stops). The slices are shared and must
// not be modified (putstreamShared).
type cutUTF8 struct {
	size        int
	font        []byte
	cidToGidMap []byte
	lastRune    int
}

// cutFonts keeps the cutUTF8 of fonts added from bytes, by parsed font
// and by the set of used runes: GenerateCutFont reads only the values of
// usedRunes (the runes drawn, and 0 for the entries makeSubsetRange put
// there), as a set, and nothing else of the document. Emptied when it
// holds maxCutFonts entries.
var cutFonts struct {
	sync.Mutex
	m map[cutFontKey]*cutUTF8
	// hits and misses count lookups; distinct counts the different keys
	// seen, when CRMDIGEST_FPDF_FONTSTATS is set (then every 100th
	// lookup prints the three to standard error).
	hits, misses int
	distinct     map[cutFontKey]bool
}

const maxCutFonts = 256

var fontStats = os.Getenv("CRMDIGEST_FPDF_FONTSTATS") != ""

type cutFontKey struct {
	font  *utf8Parsed
	runes string // the distinct values of usedRunes, ascending, 4 bytes each
}

// cutUTF8Font returns the cutUTF8 of font for usedRunes, from cutFonts
// when the font was added from bytes, made afresh otherwise.
func cutUTF8Font(font *fontDefType, usedRunes map[int]int) *cutUTF8 {
	if font.parsed == nil {
		return makeCutUTF8(font, usedRunes)
	}
	runes := make([]int, 0, len(usedRunes))
	for _, r := range usedRunes {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	runes = slices.Compact(runes)
	b := make([]byte, 0, 4*len(runes))
	for _, r := range runes {
		b = binary.LittleEndian.AppendUint32(b, uint32(r))
	}
	k := cutFontKey{font.parsed, string(b)}
	c := &cutFonts
	c.Lock()
	cut, ok := c.m[k]
	if ok {
		c.hits++
	} else {
		c.misses++
	}
	if fontStats {
		if c.distinct == nil {
			c.distinct = map[cutFontKey]bool{}
		}
		c.distinct[k] = true
		if n := c.hits + c.misses; n%100 == 0 {
			fmt.Fprintf(os.Stderr, "fpdf cut fonts: %d lookups, %d hits, %d distinct keys\n", n, c.hits, len(c.distinct))
		}
	}
	c.Unlock()
	if ok {
		return cut
	}
	cut = makeCutUTF8(font, usedRunes)
	c.Lock()
	if c.m == nil || len(c.m) >= maxCutFonts {
		c.m = make(map[cutFontKey]*cutUTF8)
	}
	c.m[k] = cut
	c.Unlock()
	return cut
}

// makeCutUTF8 is what putfonts did upstream for a UTF-8 font: cut the
// subset, build the CIDToGIDMap (from a pool, see cidToGidMaps) and
// compress both.
func makeCutUTF8(font *fontDefType, usedRunes map[int]int) *cutUTF8 {
	stream := font.utf8File.GenerateCutFont(usedRunes)
	codeSign := font.utf8File.CodeSymbolDictionary
	delete(codeSign, 0)

	zeroed := cidToGidMaps.Get().(*[]byte)
	cidToGidMap := *zeroed
	for cc, glyph := range codeSign {
		cidToGidMap[cc*2] = byte(glyph >> 8)
		cidToGidMap[cc*2+1] = byte(glyph & 0xFF)
	}
	mem := xmem.compress(cidToGidMap)
	for cc := range codeSign {
		cidToGidMap[cc*2], cidToGidMap[cc*2+1] = 0, 0
	}
	cidToGidMaps.Put(zeroed)
	cut := &cutUTF8{size: len(stream), cidToGidMap: mem.copy(), lastRune: font.utf8File.LastRune}
	mem.release()
	mem = xmem.compress(stream)
	cut.font = mem.copy()
	mem.release()
	return cut
}

// putstreamShared is putstream for bytes it must not modify: encryption
// (putstream's rc4) works in place, so an encrypted document gets a copy.
func (f *Fpdf) putstreamShared(b []byte) {
	if f.protect.encrypted {
		b = bytes.Clone(b)
	}
	f.putstream(b)
}

// baseBlocks are the blocks of runes a document embeds whole of a UTF-8
// font it draws any rune of the block with (addBaseRunes): the runes the
// font has in the block, drawn or not. Digests print different names, so
// the runes they use seldom match in full (in the 2,404-recipient run,
// 3,939 different sets of 4,800): with whole blocks, nearly every
// document's set is one of a few, and its subset comes from cutFonts
// instead of being cut and compressed again. The Latin block holds what
// nearly every digest draws (Basic Latin, Latin-1, general punctuation,
// currency signs, the arrows and shapes the digests draw: ▲ ▼ ◊ ●); the
// others, larger than what a document usually draws of them, only come
// with a name that needs them.
var baseBlocks = [][][2]int{
	{ // Latin
		{0x20, 0x7e},
		{0xa0, 0xff},
		{0x2000, 0x206f},
		{0x20a0, 0x20bf},
		{0x2190, 0x2199},
		{0x2212, 0x2212},
		{0x25b2, 0x25b2},
		{0x25bc, 0x25bc},
		{0x25ca, 0x25ca},
		{0x25cf, 0x25cf},
	},
	{ // Latin Extended-A and the Romanian Ș ș Ț ț (Latin Extended-B)
		{0x100, 0x17f},
		{0x218, 0x21b},
	},
	{{0x370, 0x3ff}}, // Greek
	{{0x400, 0x4ff}}, // Cyrillic
}

// baseRunes returns, for each of baseBlocks, the runes of the block that
// a font with the width table cw has (a width: generateCIDFontMap's
// test), ascending.
func baseRunes(cw []int) [][]int {
	blocks := make([][]int, len(baseBlocks))
	for i, block := range baseBlocks {
		for _, rg := range block {
			for r := rg[0]; r <= rg[1] && r < len(cw); r++ {
				if cw[r] != 0 {
					blocks[i] = append(blocks[i], r)
				}
			}
		}
	}
	return blocks
}

// addBaseRunes adds to usedRunes every base block (baseBlocks) the
// document drew at least one rune of with the font. A face drawn for
// other scripts only (a fallback face for CJK or Vietnamese letters, which
// the Go faces lack) or not at all keeps the runes it drew. Fonts from
// files get the same blocks, computed again.
func addBaseRunes(font *fontDefType, usedRunes map[int]int) {
	var blocks [][]int
	if font.parsed != nil {
		blocks = font.parsed.base
	} else {
		blocks = baseRunes(font.Cw)
	}
	for _, block := range blocks {
		for _, r := range block {
			if usedRunes[r] != 0 {
				for _, r := range block {
					usedRunes[r] = r
				}
				break
			}
		}
	}
}

// crmdigest patch 13: the document's buffers come from pools and go back
// to them in OutputBytes, numbers and text operators are appended to the
// page without an intermediate string, and streams are written without a
// string copy. The bytes written are the same.

// pageBufs holds the page content buffers of documents released by
// OutputBytes; docBufs the backing arrays of their document buffers.
// Buffers grown past maxPooledBuf are left to the collector.
var (
	pageBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	docBufs  sync.Pool // *[]byte
)

const maxPooledBuf = 4 << 20

// errReleased is the error of a document whose buffers OutputBytes gave
// back to the pools.
var errReleased = fmt.Errorf("fpdf: document already output by OutputBytes")

// newPageBuffer returns an empty page buffer, from the pool if it has one.
func newPageBuffer() *bytes.Buffer {
	b := pageBufs.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

// outw returns the buffer out writes to: the current page's while a page
// is open, else the document's.
func (f *Fpdf) outw() *bytes.Buffer {
	if f.state == 2 {
		return f.pages[f.page]
	}
	return &f.buffer.Buffer
}

// outBytes is out(string(b)) without the copy.
func (f *Fpdf) outBytes(b []byte) {
	w := f.outw()
	must(w.Write(b))
	must(w.WriteString("\n"))
}

// putBytes is put(string(b)) without the copy.
func (f *Fpdf) putBytes(b []byte) {
	must(f.outw().Write(b))
}

// takeDocBuffer gives the document buffer a pooled backing array (with
// what it holds so far) before enddoc writes the document into it.
func (f *Fpdf) takeDocBuffer() {
	p, _ := docBufs.Get().(*[]byte)
	if p == nil {
		return
	}
	b := append((*p)[:0], f.buffer.Bytes()...)
	f.buffer.Buffer = *bytes.NewBuffer(b)
}

// OutputBytes closes the document if needed and returns it in a new
// slice of exactly its length. The page and document buffers then go
// back to pools for the next document: f must not be used afterwards
// (its methods see errReleased). Output into a bytes.Buffer, which grows
// by doubling, allocated about twice the document's length and copied it
// as many times; the pooled buffers are already grown.
func (f *Fpdf) OutputBytes() ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.state < 3 {
		f.Close()
	}
	if f.err != nil {
		return nil, f.err
	}
	out := make([]byte, f.buffer.Len())
	copy(out, f.buffer.Bytes())
	f.release()
	return out, nil
}

// release puts the page buffers and the document buffer's array into the
// pools and marks the document as released.
func (f *Fpdf) release() {
	for i, p := range f.pages {
		if p != nil && p.Cap() <= maxPooledBuf {
			pageBufs.Put(p)
		}
		f.pages[i] = nil
	}
	if c := f.buffer.Cap(); c > 0 && c <= maxPooledBuf {
		b := f.buffer.Bytes()[:0]
		docBufs.Put(&b)
	}
	f.buffer = fmtBuffer{}
	f.err = errReleased
}

// replaceIn replaces every old in the page buffer *pb by repl, writing
// into a pooled buffer that takes the page's place (the old one goes back
// to the pool); it is strings.Replace(page, old, repl, -1) without the
// two copies of the page.
func replaceIn(pb **bytes.Buffer, old, repl string) {
	src := (*pb).Bytes()
	if !bytes.Contains(src, []byte(old)) {
		return
	}
	dst := newPageBuffer()
	dst.Grow(len(src))
	for {
		i := bytes.Index(src, []byte(old))
		if i < 0 {
			break
		}
		dst.Write(src[:i])
		dst.WriteString(repl)
		src = src[i+len(old):]
	}
	dst.Write(src)
	pageBufs.Put(*pb)
	*pb = dst
}

// appendTextOp appends textOp(x, y, txt).
func appendTextOp(b []byte, x, y float64, txt string) []byte {
	b = appendTextOpStart(b, x, y)
	b = append(b, txt...)
	return append(b, ") Tj ET"...)
}

// appendTextOpStart appends textOp's operator up to its text.
func appendTextOpStart(b []byte, x, y float64) []byte {
	b = append(b, "BT "...)
	b = strconv.AppendFloat(b, x, 'f', 2, 64)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, y, 'f', 2, 64)
	return append(b, " Td ("...)
}

// appendEscaped appends f.escape(string(s)): a backslash before each
// backslash and parenthesis, and a carriage return as \r. escape's four
// replacements, one after the other, come to this byte by byte: none
// brings in a byte that a later one replaces.
func appendEscaped(b, s []byte) []byte {
	for _, c := range s {
		switch c {
		case '\\', '(', ')':
			b = append(b, '\\', c)
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, c)
		}
	}
	return b
}
