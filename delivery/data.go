package delivery

import (
	"bytes"
	"sync"
)

// The DATA payload of a message, dot-stuffed and with bare line feeds made
// CRLF, is what net/textproto's DotWriter writes for it, byte for byte.
// The DotWriter does it one byte at a time through bufio's WriteByte: that
// loop was most of the sending process's CPU (1.6 ms for a 280 KB message,
// docs/PERFORMANCE.md, delivery end to end), and it then went out in 4 KB
// writes. payload finds the line ends with bytes.IndexByte and copies the
// runs between them, and Send writes the result in one call (most
// messages need no change at all: their payload is the message itself).
//
// dotStuff reproduces the DotWriter's state machine exactly, quirks
// included (a CR followed by anything but LF passes unchanged and leaves no
// CR pending, so "\r\r\n" becomes "\r\r\r\n"); TestDotStuffMatchesTextproto
// checks it against the DotWriter on every short input over ".\r\na".

// States of net/textproto's dotWriter (writer.go).
const (
	dotBegin     = iota // nothing written yet
	dotBeginLine        // at the start of a line: a leading '.' is doubled
	dotCR               // just wrote a CR
	dotData             // inside a line
)

// Ends of DATA, by the state the body left: what the DotWriter's Close
// writes to terminate the last line if needed, then ".\r\n".
var (
	dotEndData      = []byte("\r\n.\r\n")
	dotEndCR        = []byte("\n.\r\n")
	dotEndBeginLine = []byte(".\r\n")
)

// payload returns what the DotWriter writes for msg (body) and,
// separately, what its Close writes after it (end). Send writes body,
// calls Message.BeforeEnd, then writes end, as it did with the DotWriter.
// A message with CRLF line ends only (what Builder makes) and no line
// starting with a dot is its own body; one with dotted lines has a dot put
// before each; any other goes through dotStuff. Those two are written into
// a pooled buffer, which release gives back once body is written.
func payload(msg []byte) (body, end []byte, release func()) {
	if len(msg) > 0 && crlfOnly(msg) {
		end = dotEndData
		if bytes.HasSuffix(msg, crlf) {
			end = dotEndBeginLine
		}
		if msg[0] != '.' && !bytes.Contains(msg, lfDot) {
			return msg, end, func() {}
		}
	}
	buf := dataBufs.Get().(*[]byte)
	if end != nil {
		body = stuffLines((*buf)[:0], msg)
	} else {
		body, end = dotStuff((*buf)[:0], msg)
	}
	*buf = body
	return body, end, func() { dataBufs.Put(buf) }
}

var (
	crlf  = []byte("\r\n")
	lfDot = []byte("\n.")
)

// crlfOnly reports whether every LF of msg follows a CR and every CR
// precedes an LF (as many CRs as LFs): the DotWriter then changes nothing
// but the dots at line starts.
func crlfOnly(msg []byte) bool {
	lfs := 0
	for i := 0; ; {
		j := bytes.IndexByte(msg[i:], '\n')
		if j < 0 {
			break
		}
		i += j
		if i == 0 || msg[i-1] != '\r' {
			return false
		}
		lfs++
		i++
	}
	return bytes.Count(msg, crlf[:1]) == lfs
}

// stuffLines appends msg, whose line ends are all CRLF, to dst with a dot
// before every line that starts with one.
func stuffLines(dst, msg []byte) []byte {
	if len(msg) > 0 && msg[0] == '.' {
		dst = append(dst, '.')
	}
	for {
		i := bytes.Index(msg, lfDot)
		if i < 0 {
			return append(dst, msg...)
		}
		dst = append(dst, msg[:i+1]...)
		dst = append(dst, '.')
		msg = msg[i+1:]
	}
}

// dotStuff appends to dst what the DotWriter writes for msg and returns
// it with what the DotWriter's Close writes after it.
func dotStuff(dst, msg []byte) (body, end []byte) {
	state := dotBegin
	for i := 0; i < len(msg); {
		switch state {
		case dotBegin, dotBeginLine:
			state = dotData
			if msg[i] == '.' {
				dst = append(dst, '.')
			}
		case dotCR:
			// Whatever follows a CR is written as it is; only an LF ends the line.
			c := msg[i]
			dst = append(dst, c)
			i++
			state = dotData
			if c == '\n' {
				state = dotBeginLine
			}
		case dotData:
			rest := msg[i:]
			line := rest
			lf := bytes.IndexByte(rest, '\n')
			if lf >= 0 {
				line = rest[:lf]
			}
			if cr := bytes.IndexByte(line, '\r'); cr >= 0 {
				dst = append(dst, line[:cr+1]...)
				i += cr + 1
				state = dotCR
				continue
			}
			dst = append(dst, line...)
			i += len(line)
			if lf >= 0 {
				// A bare LF: the DotWriter puts a CR before it.
				dst = append(dst, '\r', '\n')
				i++
				state = dotBeginLine
			}
		}
	}
	switch state {
	case dotCR:
		end = dotEndCR
	case dotBeginLine:
		end = dotEndBeginLine
	default:
		end = dotEndData
	}
	return dst, end
}

// dataBufs holds the buffers of payload's stuffed copies between sends:
// one message's payload each, a little more than the message.
var dataBufs = sync.Pool{New: func() any { return new([]byte) }}
