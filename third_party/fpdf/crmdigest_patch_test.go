// crmdigest patch (see PATCH.md): this file is not part of upstream
// github.com/go-pdf/fpdf v0.9.0.

package fpdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestCrmdigestPooledZlib compresses inputs of many sizes and kinds one
// after another through the pooled writers and compares each result with
// what a new writer makes of it: a reused writer must not let an earlier
// stream change a later one.
func TestCrmdigestPooledZlib(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var inputs [][]byte
	for _, n := range []int{0, 1, 100, 4096, 70_000, 300_000} {
		random := make([]byte, n)
		for i := range random {
			random[i] = byte(rng.Intn(256))
		}
		text := bytes.Repeat([]byte("BT /F1 9.50 Tf ET 0 0 1 rg "), n/27+1)[:n]
		sparse := make([]byte, n) // like a CIDToGIDMap: mostly zeros
		for i := 0; i < n; i += 97 {
			sparse[i] = byte(i)
		}
		inputs = append(inputs, random, text, sparse)
	}
	for round := 0; round < 3; round++ {
		for i, in := range inputs {
			mem := xmem.compress(in)
			got := mem.copy()
			mem.release()
			var want bytes.Buffer
			zw, err := zlib.NewWriterLevel(&want, zlib.BestSpeed)
			if err != nil {
				t.Fatal(err)
			}
			zw.Write(in)
			zw.Close()
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("round %d, input %d (%d bytes): the pooled writer's stream differs from a new writer's", round, i, len(in))
			}
		}
	}
}

// putNilUpstream is untypedKeyMap.put(nil, value) as upstream wrote it.
func putNilUpstream(pa *untypedKeyMap, value int) {
	var key interface{}
	for n := 0; ; n++ {
		if pa.getIndex(n) < 0 {
			key = n
			break
		}
	}
	pa.keySet = append(pa.keySet, key)
	pa.valueSet = append(pa.valueSet, value)
}

// TestCrmdigestNextIntKey puts (with and without a key), pops and deletes at random in two maps,
// one through the patched put and one through upstream's, and compares
// them after every step: the keys chosen must be the same.
func TestCrmdigestNextIntKey(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 40; round++ {
		var got, want untypedKeyMap
		for step := 0; step < 300; step++ {
			switch op := rng.Intn(10); {
			case op < 6:
				v := rng.Intn(1000)
				got.put(nil, v)
				putNilUpstream(&want, v)
			case op < 7:
				got.put("interval", 1)
				want.put("interval", 1)
			case op < 8 && len(got.keySet) > 0:
				got.pop()
				want.pop()
			case op < 9:
				k := interface{}(rng.Intn(len(got.keySet) + 1))
				if rng.Intn(4) == 0 {
					k = "interval"
				}
				got.delete(k)
				want.delete(k)
			default: // an int key of its own: gaps, and keys past the length
				k, v := rng.Intn(300), rng.Intn(1000)
				got.put(k, v)
				want.put(k, v)
			}
			if !reflect.DeepEqual(got.keySet, want.keySet) || !reflect.DeepEqual(got.valueSet, want.valueSet) {
				t.Fatalf("round %d, step %d: keys %v values %v, upstream's %v %v", round, step, got.keySet, got.valueSet, want.keySet, want.valueSet)
			}
		}
	}
}

// BenchmarkCrmdigestPutNil builds one run of 220 widths, as
// generateCIDFontMap does for the Latin-1 runes of a digest's faces, with
// the patched put and with upstream's.
func BenchmarkCrmdigestPutNil(b *testing.B) {
	b.Run("patched", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var m untypedKeyMap
			for v := 0; v < 220; v++ {
				m.put(nil, v)
			}
		}
	})
	b.Run("upstream", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var m untypedKeyMap
			for v := 0; v < 220; v++ {
				putNilUpstream(&m, v)
			}
		}
	})
}

// TestCrmdigestNoFmt compares the operators SetFont and Text now append
// with what upstream's fmt.Sprintf wrote, over values that round, carry,
// are negative, zero, -0, huge, infinite or NaN.
func TestCrmdigestNoFmt(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	vals := []float64{0, math.Copysign(0, -1), -0.004, 0.005, 0.015, 0.125, 2.675, 1e21, -1e-9,
		123456.785, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64}
	for n := 0; n < 2000; n++ {
		vals = append(vals, (rng.Float64()-0.3)*1000, float64(rng.Intn(100000))/1000)
	}
	f := New("P", "mm", "A4", "")
	f.AddPage()
	for i, v := range vals {
		w := vals[(i+1)%len(vals)]
		f.pages[f.page].Reset()
		f.outTf("a1b2c3", v)
		if got, want := f.pages[f.page].String(), fmt.Sprintf("BT /F%s %.2f Tf ET", "a1b2c3", v)+"\n"; got != want {
			t.Errorf("outTf(%v) = %q, fmt gives %q", v, got, want)
		}
		if got, want := textOp(v, w, "(x\\) é"), fmt.Sprintf("BT %.2f %.2f Td (%s) Tj ET", v, w, "(x\\) é"); got != want {
			t.Errorf("textOp(%v, %v) = %q, fmt gives %q", v, w, got, want)
		}
	}
}

// TestCrmdigestBaseRunes checks which base blocks addBaseRunes adds: each
// block the document drew a rune of, whole (the runes the font has in
// it), and nothing for a font drawn only outside the blocks or not at all
// (makeSubsetRange's entries are 0: not drawn).
func TestCrmdigestBaseRunes(t *testing.T) {
	cw := make([]int, 256*256)
	has := []int{' ', 'a', 'b', 0xe9, 0x2014, 0x25b2, 0x141, 0x142, 0x219, 0x3a9, 0x416, 0x1c5, 0x4e00}
	for _, r := range has {
		cw[r] = 500
	}
	font := &fontDefType{Cw: cw}
	for _, c := range []struct {
		drawn []int
		want  []int // besides drawn
	}{
		{nil, nil},
		{[]int{0x4e00}, nil},
		{[]int{0x1c5}, nil},
		{[]int{'a'}, []int{' ', 'b', 0xe9, 0x2014, 0x25b2}},
		{[]int{0x142}, []int{0x141, 0x219}},
		{[]int{'b', 0x416}, []int{' ', 'a', 0xe9, 0x2014, 0x25b2}},
		{[]int{0x3a9, 0x4e00}, nil},
	} {
		used := makeSubsetRange(57)
		for _, r := range c.drawn {
			used[r] = r
		}
		addBaseRunes(font, used)
		want := makeSubsetRange(57)
		for _, r := range append(c.drawn, c.want...) {
			want[r] = r
		}
		if !reflect.DeepEqual(used, want) {
			t.Errorf("drawn %U: got %v, want %v", c.drawn, used, want)
		}
	}
}

// TestCrmdigestTextAppend compares patch 13's appended text with
// upstream's strings: the UTF-16 conversion escaped as it is appended
// with escape(utf8toutf16(...)), and replaceIn with strings.Replace,
// over random strings full of the bytes escape and the aliases touch.
func TestCrmdigestTextAppend(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	alphabet := []string{"a", "Z", " ", "(", ")", "\\", "\r", "\n", "é", "€", "Ș", "—", "漢", "Ĩ", "℩", "{nb}", "{n", "b}"}
	f := New("P", "mm", "A4", "")
	for i := 0; i < 5000; i++ {
		var sb bytes.Buffer
		for n := rng.Intn(40); n > 0; n-- {
			sb.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		s := sb.String()
		if got, want := string(appendEscaped([]byte("x"), appendUTF16(nil, s))), "x"+f.escape(utf8toutf16(s, false)); got != want {
			t.Fatalf("%q: appended %q, upstream %q", s, got, want)
		}
		for _, alias := range []string{"{nb}", "b}{", "\\"} {
			pb := bytes.NewBufferString(s)
			replaceIn(&pb, alias, "12")
			if got, want := pb.String(), strings.Replace(s, alias, "12", -1); got != want {
				t.Fatalf("%q: replaceIn(%q) = %q, strings.Replace %q", s, alias, got, want)
			}
		}
	}
}

// TestCrmdigestOutputBytes writes the same documents (aliases, coloured,
// underlined and struck-out text, escapes, lines, several pages) through
// Output and through OutputBytes, several times so that the pooled
// buffers are reused dirty, and compares the bytes; a released document
// must refuse further output.
func TestCrmdigestOutputBytes(t *testing.T) {
	when := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	doc := func(seed int64) *Fpdf {
		rng := rand.New(rand.NewSource(seed))
		f := New("P", "mm", "A4", "")
		f.SetCreationDate(when)
		f.SetModificationDate(when)
		f.SetCatalogSort(true) // fonts in a fixed order
		f.AliasNbPages("")
		f.SetFont("Helvetica", "", 10)
		for p := 0; p < 1+rng.Intn(3); p++ {
			f.AddPage()
			for i := 0; i < 50+rng.Intn(200); i++ {
				switch rng.Intn(4) {
				case 0:
					f.SetTextColor(rng.Intn(256), 0, 0)
				case 1:
					f.SetFont("Helvetica", []string{"", "U", "S", "B"}[rng.Intn(4)], 8+float64(rng.Intn(6)))
				case 2:
					f.Line(rng.Float64()*200, rng.Float64()*280, rng.Float64()*200, rng.Float64()*280)
				}
				f.Text(rng.Float64()*200, rng.Float64()*280, fmt.Sprintf("(%d) of {nb} \\ x%d", i, rng.Intn(1e6)))
			}
		}
		return f
	}
	for round := 0; round < 3; round++ {
		for seed := int64(1); seed <= 4; seed++ {
			var want bytes.Buffer
			if err := doc(seed).Output(&want); err != nil {
				t.Fatal(err)
			}
			f := doc(seed)
			got, err := f.OutputBytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				var again bytes.Buffer
				_ = doc(seed).Output(&again)
				for i := range got {
					if got[i] != want.Bytes()[i] {
						t.Logf("first difference at %d: %q / %q; Output twice equal: %v", i, got[max(0, i-60):i+40], want.Bytes()[max(0, i-60):i+40], bytes.Equal(again.Bytes(), want.Bytes()))
						break
					}
				}
				t.Fatalf("round %d, seed %d: OutputBytes differs from Output (%d and %d bytes)", round, seed, len(got), want.Len())
			}
			if err := f.Output(io.Discard); err != errReleased {
				t.Fatalf("a released document's Output: %v, want errReleased", err)
			}
		}
	}
}
