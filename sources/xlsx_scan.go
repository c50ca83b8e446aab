package sources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a small pull tokenizer for the XML parts of a workbook.
// encoding/xml allocates an interface value per token and unmarshals each
// cell by reflection, which made reading a large sheet cost hundreds of
// allocations per row; this scanner hands out slices of its own buffer
// instead, valid until the next call to next.
//
// It knows only what SpreadsheetML uses: elements (names with or without a
// namespace prefix, which it drops), attributes in either quote style,
// character data, CDATA sections, comments, processing instructions and a
// DOCTYPE, all of which but the first three it skips. It checks what it
// reads (quotes closed, tags ended, entities known) so that a damaged part
// ends in an error, but it is not a validating parser.
type xmlScanner struct {
	r    io.Reader
	part string // the part's name, for error messages
	buf  []byte
	pos  int // start of the unread input in buf
	end  int // end of the input read so far
	// done counts the bytes dropped from the front of buf: done+pos bytes
	// of the part have been consumed.
	done int64
	rerr error // the reader's error (io.EOF at the end), once seen

	// The token last read by next.
	kind      tokKind
	name      []byte // local name of a start or end tag
	selfClose bool   // a start tag written <name/>
	text      []byte // character data (entities not decoded) or CDATA
	attrs     []xmlAttr
	attrSpans []attrSpan

	// runes counts the characters textOf has gathered since the caller
	// reset it; past maxRunes (when not 0) textOf fails with
	// errTextTooLong, so that a cell split into a million runs, or holding
	// a million <v>, cannot grow without end.
	runes, maxRunes int
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText  // character data, entities not decoded yet
	tokCDATA // the contents of a CDATA section, literal
)

// xmlAttr is an attribute of the start tag last read, its name without
// prefix and its value with entities not decoded yet.
type xmlAttr struct{ name, value []byte }

type attrSpan struct{ n0, n1, v0, v1 int }

const (
	scanBufSize = 64 << 10
	// maxXMLToken bounds one tag or one run of character data: Excel's
	// own limits (32,767 characters in a cell, 8,192 in a formula) are far
	// below it, and a damaged part must not make the buffer grow forever.
	maxXMLToken = 16 << 20
)

var errXMLTokenTooLong = errors.New("an element or a text longer than 16 MB")

func newXMLScanner(r io.Reader, part string) *xmlScanner {
	return &xmlScanner{r: r, part: part, buf: make([]byte, scanBufSize)}
}

// fill reads more input after buf[pos:end], moving the unread bytes to the
// front of the buffer (which invalidates the slices handed out) and growing
// it when a token does not fit. It reports false when no more input comes.
func (s *xmlScanner) fill() bool {
	for empty := 0; s.rerr == nil; empty++ {
		if empty == 100 {
			s.rerr = io.ErrNoProgress
			return false
		}
		if s.pos > 0 {
			s.done += int64(s.pos)
			s.end = copy(s.buf, s.buf[s.pos:s.end])
			s.pos = 0
		}
		if s.end == len(s.buf) {
			if len(s.buf) >= maxXMLToken {
				s.rerr = errXMLTokenTooLong
				return false
			}
			s.buf = append(s.buf, make([]byte, len(s.buf))...)
		}
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.rerr = err
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// consumed returns how many bytes of the part the scanner has consumed.
func (s *xmlScanner) consumed() int64 { return s.done + int64(s.pos) }

// errorf reports a damaged part, naming it.
func (s *xmlScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("damaged XML in %s: %s", s.part, fmt.Sprintf(format, args...))
}

// eofError is the error for input that ends inside a token: the reader's
// own error when it failed (a corrupt deflate stream, a bad checksum),
// else a truncated part.
func (s *xmlScanner) eofError(where string) error {
	if s.rerr != nil && s.rerr != io.EOF {
		if s.rerr == errXMLTokenTooLong {
			return s.errorf("%v", s.rerr)
		}
		return fmt.Errorf("read %s: %w", s.part, s.rerr)
	}
	return s.errorf("the part ends %s", where)
}

// index returns the offset from pos of the first c at or after pos+off,
// reading more input as needed, or -1 if the input ends first.
func (s *xmlScanner) index(off int, c byte) int {
	for {
		if i := bytes.IndexByte(s.buf[s.pos+off:s.end], c); i >= 0 {
			return off + i
		}
		off = s.end - s.pos
		if !s.fill() {
			return -1
		}
	}
}

// indexSeq is index for a sequence of bytes.
func (s *xmlScanner) indexSeq(off int, seq string) int {
	for {
		if i := bytes.Index(s.buf[s.pos+off:s.end], []byte(seq)); i >= 0 {
			return off + i
		}
		off = max(0, s.end-s.pos-len(seq)+1)
		if !s.fill() {
			return -1
		}
	}
}

// byteAt returns the byte at pos+off, reading more input as needed; ok is
// false if the input ends first.
func (s *xmlScanner) byteAt(off int) (c byte, ok bool) {
	for s.pos+off >= s.end {
		if !s.fill() {
			return 0, false
		}
	}
	return s.buf[s.pos+off], true
}

func (s *xmlScanner) hasPrefix(prefix string) bool {
	for s.end-s.pos < len(prefix) {
		if !s.fill() {
			return false
		}
	}
	return string(s.buf[s.pos:s.pos+len(prefix)]) == prefix
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// localName drops a namespace prefix: x:c is c.
func localName(b []byte) []byte {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// next reads the next token. At the end of the input it sets kind to
// tokEOF and returns nil, or the reader's error.
func (s *xmlScanner) next() error {
	for {
		if s.pos >= s.end && !s.fill() {
			s.kind = tokEOF
			if s.rerr != io.EOF {
				return s.eofError("")
			}
			return nil
		}
		if s.buf[s.pos] != '<' {
			i := s.index(0, '<')
			if i < 0 {
				if s.rerr != io.EOF {
					return s.eofError("")
				}
				i = s.end - s.pos
			}
			s.kind, s.text = tokText, s.buf[s.pos:s.pos+i]
			s.pos += i
			return nil
		}
		c, ok := s.byteAt(1)
		if !ok {
			return s.eofError("inside a tag")
		}
		switch c {
		case '/':
			i := s.index(2, '>')
			if i < 0 {
				return s.eofError("inside an end tag")
			}
			name := s.buf[s.pos+2 : s.pos+i]
			for len(name) > 0 && isXMLSpace(name[len(name)-1]) {
				name = name[:len(name)-1]
			}
			s.kind, s.name = tokEnd, localName(name)
			if len(s.name) == 0 {
				return s.errorf("an end tag without a name")
			}
			s.pos += i + 1
			return nil
		case '?':
			i := s.indexSeq(2, "?>")
			if i < 0 {
				return s.eofError("inside a processing instruction")
			}
			s.pos += i + 2
		case '!':
			switch {
			case s.hasPrefix("<!--"):
				i := s.indexSeq(4, "-->")
				if i < 0 {
					return s.eofError("inside a comment")
				}
				s.pos += i + 3
			case s.hasPrefix("<![CDATA["):
				i := s.indexSeq(9, "]]>")
				if i < 0 {
					return s.eofError("inside a CDATA section")
				}
				s.kind, s.text = tokCDATA, s.buf[s.pos+9:s.pos+i]
				s.pos += i + 3
				return nil
			default: // <!DOCTYPE ...>, which SpreadsheetML does not use
				i := s.index(2, '>')
				if i < 0 {
					return s.eofError("inside a declaration")
				}
				s.pos += i + 1
			}
		default:
			return s.startTag()
		}
	}
}

// startTag reads <name attr="v" attr='v'> or <name .../> at pos. It first
// finds the tag's end in the buffer, so that the parse runs over a slice;
// a '>' inside a quoted value only makes it look further.
func (s *xmlScanner) startTag() error {
	from := 1
	for {
		j := s.index(from, '>')
		if j < 0 {
			return s.eofError("inside a tag")
		}
		n, err := s.parseTag(s.buf[s.pos : s.pos+j+1])
		if err != nil {
			return err
		}
		if n > 0 {
			s.pos += n
			return nil
		}
		from = j + 1
	}
}

// parseTag parses the start tag at the front of tag, which ends with the
// first '>' found. It returns the tag's length, or 0 if that '>' is inside
// a quoted value and the tag goes on.
func (s *xmlScanner) parseTag(tag []byte) (int, error) {
	i := 1
	for ; i < len(tag); i++ {
		c := tag[i]
		if isXMLSpace(c) || c == '/' || c == '>' {
			break
		}
		if c == '<' || c == '"' || c == '\'' || c == '=' {
			return 0, s.errorf("bad character %q in an element name", c)
		}
	}
	nameEnd := i
	if nameEnd == 1 {
		return 0, s.errorf("a tag without a name")
	}
	s.attrSpans = s.attrSpans[:0]
	for {
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
		// i < len(tag): the tag ends with '>', which stops every loop.
		c := tag[i]
		if c == '>' {
			s.selfClose = false
			i++
			break
		}
		if c == '/' {
			if i+1 >= len(tag) || tag[i+1] != '>' {
				return 0, s.errorf("'/' not followed by '>' in <%s>", tag[1:nameEnd])
			}
			s.selfClose = true
			i += 2
			break
		}
		// An attribute: name, '=', quoted value.
		n0 := i
		for i < len(tag) && !isXMLSpace(tag[i]) && tag[i] != '=' && tag[i] != '>' && tag[i] != '/' && tag[i] != '<' && tag[i] != '"' && tag[i] != '\'' {
			i++
		}
		n1 := i
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
		if tag[i] != '=' || n1 == n0 {
			return 0, s.errorf("an attribute without a value in <%s>", tag[1:nameEnd])
		}
		i++
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
		q := tag[i]
		if q != '"' && q != '\'' {
			return 0, s.errorf("an attribute value without quotes in <%s>", tag[1:nameEnd])
		}
		j := bytes.IndexByte(tag[i+1:], q)
		if j < 0 {
			return 0, nil // the '>' is inside this value
		}
		s.attrSpans = append(s.attrSpans, attrSpan{n0, n1, i + 1, i + 1 + j})
		i += j + 2
		if i >= len(tag) {
			return 0, s.errorf("a tag cut short in <%s>", tag[1:nameEnd])
		}
	}
	s.kind, s.name = tokStart, localName(tag[1:nameEnd])
	if len(s.name) == 0 {
		return 0, s.errorf("a tag without a name")
	}
	s.attrs = s.attrs[:0]
	for _, a := range s.attrSpans {
		s.attrs = append(s.attrs, xmlAttr{name: localName(tag[a.n0:a.n1]), value: tag[a.v0:a.v1]})
	}
	return i, nil
}

var cellName = []byte("c")

// cellTag is a cell start tag as fastCell read it: the values of its
// first r and t attributes, entities not decoded.
type cellTag struct {
	ref, typ       []byte
	hasRef, hasTyp bool
}

// fastCell reads a cell's start tag when it is written as writers write
// it, <c r="B2" s="1" t="s"> or <c .../>: attributes without prefix, in
// double quotes, one space apart, the whole tag in the buffer. It sets the
// token's kind, name and selfClose as next would (not its attributes: it
// returns the two a cell needs) and reports true; for any other input it
// consumes nothing, and the caller calls next, whose general path reads
// the same tag the same way or reports what is wrong with it. A sheet
// holds millions of these tags: this path skips most of parseTag's
// checks, which the forms it accepts cannot fail.
func (s *xmlScanner) fastCell() (tag cellTag, ok bool) {
	b := s.buf[s.pos:s.end]
	if len(b) < 4 || b[0] != '<' || b[1] != 'c' || b[2] != ' ' {
		return tag, false
	}
	i := 3
	for {
		j := i
		for j < len(b) && !isXMLSpace(b[j]) && b[j] != '=' && b[j] != '>' && b[j] != '/' && b[j] != '<' && b[j] != '"' && b[j] != '\'' && b[j] != ':' {
			j++
		}
		if j == i || j+1 >= len(b) || b[j] != '=' || b[j+1] != '"' {
			return tag, false
		}
		k := j + 2 // the value's end: values are short, a loop beats IndexByte
		for k < len(b) && b[k] != '"' {
			k++
		}
		if k == len(b) {
			return tag, false
		}
		if j == i+1 {
			switch {
			case b[i] == 'r' && !tag.hasRef:
				tag.ref, tag.hasRef = b[j+2:k], true
			case b[i] == 't' && !tag.hasTyp:
				tag.typ, tag.hasTyp = b[j+2:k], true
			}
		}
		i = k + 1
		if i+1 >= len(b) {
			return tag, false
		}
		selfClose := false
		switch b[i] {
		case ' ':
			i++
			continue
		case '>':
			i++
		case '/':
			if b[i+1] != '>' {
				return tag, false
			}
			selfClose = true
			i += 2
		default:
			return tag, false
		}
		s.kind, s.name, s.selfClose = tokStart, cellName, selfClose
		s.pos += i
		return tag, true
	}
}

// attr returns the value of the attribute named name (without prefix) of
// the start tag last read, entities not decoded, and whether it is there.
func (s *xmlScanner) attr(name string) ([]byte, bool) {
	for _, a := range s.attrs {
		if string(a.name) == name {
			return a.value, true
		}
	}
	return nil, false
}

// is reports whether the token last read is a start or end tag named name.
func (s *xmlScanner) is(kind tokKind, name string) bool {
	return s.kind == kind && string(s.name) == name
}

// skip skips the element whose start tag was just read, with all it holds.
func (s *xmlScanner) skip() error {
	if s.selfClose {
		return nil
	}
	for depth := 1; ; {
		if err := s.next(); err != nil {
			return err
		}
		switch s.kind {
		case tokStart:
			if !s.selfClose {
				if depth++; depth > maxXMLDepth {
					return s.limitf("elements nested more than %d deep (the limit)", maxXMLDepth)
				}
			}
		case tokEnd:
			if depth--; depth == 0 {
				return nil
			}
		case tokEOF:
			return s.eofError("inside an element")
		}
	}
}

// textOf appends the character data of the element whose start tag was just
// read (named name), decoded, to dst; elements inside it are skipped.
func (s *xmlScanner) textOf(dst []byte, name string) ([]byte, error) {
	if s.selfClose {
		return dst, nil
	}
	for {
		if err := s.next(); err != nil {
			return dst, err
		}
		var err error
		n0 := len(dst)
		switch s.kind {
		case tokText:
			if dst, err = s.decode(dst, s.text); err != nil {
				return dst, err
			}
		case tokCDATA:
			dst = appendNewlines(dst, s.text)
		case tokStart:
			if err := s.skip(); err != nil {
				return dst, err
			}
		case tokEnd:
			return dst, s.endOf(name)
		case tokEOF:
			return dst, s.eofError("inside <" + name + ">")
		}
		if s.maxRunes > 0 && len(dst) > n0 {
			if s.runes += utf8.RuneCount(dst[n0:]); s.runes > s.maxRunes {
				return dst, errTextTooLong
			}
		}
	}
}

// endOf checks that the end tag last read closes the element name.
func (s *xmlScanner) endOf(name string) error {
	if string(s.name) != name {
		return s.errorf("<%s> closed by </%s>", name, s.name)
	}
	return nil
}

// richText appends the text of a string item (<si> of the shared strings,
// <is> of an inline string) to dst: its <t>, or the <t> of each of its
// rich-text runs <r>, leaving out phonetic runs <rPh>. outer is the name
// of the item's element.
func (s *xmlScanner) richText(dst []byte, outer string) ([]byte, error) {
	if s.selfClose {
		return dst, nil
	}
	for {
		if err := s.next(); err != nil {
			return dst, err
		}
		var err error
		switch {
		case s.is(tokStart, "t"):
			dst, err = s.textOf(dst, "t")
		case s.is(tokStart, "r"):
			dst, err = s.runText(dst)
		case s.kind == tokStart:
			err = s.skip()
		case s.kind == tokEnd:
			return dst, s.endOf(outer)
		case s.kind == tokEOF:
			return dst, s.eofError("inside <" + outer + ">")
		}
		if err != nil {
			return dst, err
		}
	}
}

// runText appends the <t> of a rich-text run <r> to dst.
func (s *xmlScanner) runText(dst []byte) ([]byte, error) {
	if s.selfClose {
		return dst, nil
	}
	for {
		if err := s.next(); err != nil {
			return dst, err
		}
		var err error
		switch {
		case s.is(tokStart, "t"):
			dst, err = s.textOf(dst, "t")
		case s.kind == tokStart:
			err = s.skip()
		case s.kind == tokEnd:
			return dst, s.endOf("r")
		case s.kind == tokEOF:
			return dst, s.eofError("inside <r>")
		}
		if err != nil {
			return dst, err
		}
	}
}

// plainContent is a shortcut through the common forms of a cell's content,
// <v>text</v></c> and <is><t>text</t></is></c>: when the input buffered
// after the start tag just read is open, text without references, then
// closing, it consumes all three and returns the text. Otherwise (another
// form, a namespace prefix, a reference to decode, the end of the buffer)
// it consumes nothing and the caller takes the general path.
func (s *xmlScanner) plainContent(open, closing string) ([]byte, bool) {
	if s.selfClose {
		return nil, false
	}
	b := s.buf[s.pos:s.end]
	if len(b) < len(open) || string(b[:len(open)]) != open {
		return nil, false
	}
	b = b[len(open):]
	i := bytes.IndexByte(b, '<')
	if i < 0 || len(b)-i < len(closing) || string(b[i:i+len(closing)]) != closing {
		return nil, false
	}
	text := b[:i]
	if bytes.IndexByte(text, '&') >= 0 || bytes.IndexByte(text, '\r') >= 0 {
		return nil, false
	}
	s.pos += len(open) + i + len(closing)
	return text, true
}

// decode appends character data to dst with its entity and character
// references replaced and its line ends normalised to \n, as XML requires
// of a parser (encoding/xml does the same).
func (s *xmlScanner) decode(dst, text []byte) ([]byte, error) {
	for len(text) > 0 {
		i := bytes.IndexByte(text, '&')
		if r := bytes.IndexByte(text, '\r'); r >= 0 && (i < 0 || r < i) {
			i = r
		}
		if i < 0 {
			return append(dst, text...), nil
		}
		dst = append(dst, text[:i]...)
		text = text[i:]
		if text[0] == '\r' {
			dst = append(dst, '\n')
			text = text[1:]
			if len(text) > 0 && text[0] == '\n' {
				text = text[1:]
			}
			continue
		}
		semi := bytes.IndexByte(text, ';')
		if semi < 0 || semi > 12 {
			return dst, s.errorf("an '&' that starts no entity in %q", clip(text))
		}
		ref := text[1:semi]
		text = text[semi+1:]
		switch string(ref) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				return dst, s.errorf("unknown entity &%s;", ref)
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}

// charRef reads a character reference's body: #65 or #x41.
func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ref[1] == 'x' {
		n, err = strconv.ParseUint(string(ref[2:]), 16, 32)
	} else {
		n, err = strconv.ParseUint(string(ref[1:]), 10, 32)
	}
	if err != nil || n == 0 || n > utf8.MaxRune || !utf8.ValidRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

// appendNewlines appends literal text (a CDATA section) to dst with its
// line ends normalised to \n.
func appendNewlines(dst, text []byte) []byte {
	for {
		i := bytes.IndexByte(text, '\r')
		if i < 0 {
			return append(dst, text...)
		}
		dst = append(append(dst, text[:i]...), '\n')
		text = text[i+1:]
		if len(text) > 0 && text[0] == '\n' {
			text = text[1:]
		}
	}
}

// decodeAttr returns an attribute value with its references decoded; the
// value itself when it has none, as the attributes read here rarely do.
func (s *xmlScanner) decodeAttr(dst, v []byte) ([]byte, error) {
	if bytes.IndexByte(v, '&') < 0 {
		return v, nil
	}
	return s.decode(dst[:0], v)
}

// clip shortens a value quoted in an error message.
func clip(b []byte) []byte {
	if len(b) > 20 {
		return b[:20]
	}
	return b
}

// unescapeOOXML replaces the _xHHHH_ escapes Office writes in strings for
// characters XML cannot hold (_x000D_ for a carriage return; _x005F_ for a
// literal underscore), as excelize does, in place.
func unescapeOOXML(b []byte) []byte {
	if bytes.IndexByte(b, '_') < 0 { // most strings: one quick scan
		return b
	}
	i := bytes.Index(b, []byte("_x"))
	if i < 0 {
		return b
	}
	out := b[:i]
	for i < len(b) {
		if b[i] == '_' && i+7 <= len(b) && b[i+1] == 'x' && b[i+6] == '_' {
			if n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 32); err == nil {
				// The decoded rune is never longer than the 7 bytes it
				// replaces, so writing in place stays behind the reading.
				out = utf8.AppendRune(out, rune(n))
				i += 7
				continue
			}
		}
		out = append(out, b[i])
		i++
	}
	return out
}
