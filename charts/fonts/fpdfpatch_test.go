package fonts

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// fpdfPatched is the upstream version third_party/fpdf is a patched copy
// of (third_party/fpdf/PATCH.md).
const fpdfPatched = "v0.9.0"

// TestFpdfPatchVersion fails when go.mod requires another fpdf than the
// one third_party/fpdf was copied from, or no longer replaces it: whoever
// bumps fpdf must copy the new version and apply the patch again
// (third_party/fpdf/PATCH.md), or the bump silently does nothing.
func TestFpdfPatchVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	req := regexp.MustCompile(`(?m)^\s*(?:require\s+)?github\.com/go-pdf/fpdf\s+(v\S+)`).FindSubmatch(mod)
	if req == nil {
		t.Fatal("go.mod does not require github.com/go-pdf/fpdf")
	}
	if string(req[1]) != fpdfPatched {
		t.Errorf("go.mod requires github.com/go-pdf/fpdf %s, but third_party/fpdf is a patched copy of %s: copy %s there and apply the patch again (third_party/fpdf/PATCH.md), then change fpdfPatched", req[1], fpdfPatched, req[1])
	}
	if !regexp.MustCompile(`(?m)^replace\s+github\.com/go-pdf/fpdf\s+=>\s+\./third_party/fpdf\s*$`).Match(mod) {
		t.Error("go.mod no longer replaces github.com/go-pdf/fpdf with ./third_party/fpdf: the digests would parse every font in every document again")
	}
	patch, err := os.ReadFile("../../third_party/fpdf/PATCH.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(patch, []byte("v0.9.0")) {
		t.Error("third_party/fpdf/PATCH.md does not name the upstream version")
	}
}

// TestFpdfPatchSameOutput compares documents whose fonts are added from
// bytes (the patched path: parsed once per process, cmap shared) with the
// same documents whose fonts are added from a file (AddUTF8Font, which
// the patch leaves as upstream wrote it: parsed in every document). The
// bytes must be equal, whatever was added before, for fonts that share a
// family name but not their bytes, and from several goroutines at once
// (run with -race).
func TestFpdfPatchSameOutput(t *testing.T) {
	dir := t.TempDir()
	faces := map[string][]byte{"cut": cut().regular, "cutbold": cut().bold, "full": goregular.TTF, "fullbold": gobold.TTF}
	for name, b := range faces {
		if err := os.WriteFile(filepath.Join(dir, name+".ttf"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	texts := []string{"Françoise Núñez ▲ 1 234 €", "Zoë Ødegaard — 98 % of target", "ŁŚŻ ąęó", ""}
	doc := func(regular, bold, text string, fromFile bool) []byte {
		pdf := fpdf.New("P", "mm", "A4", "")
		created := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
		pdf.SetCreationDate(created)
		pdf.SetModificationDate(created)
		pdf.SetCatalogSort(true)
		if fromFile {
			pdf.SetFontLocation(dir)
			pdf.AddUTF8Font("f", "", regular+".ttf")
			pdf.AddUTF8Font("f", "B", bold+".ttf")
		} else {
			pdf.AddUTF8FontFromBytes("f", "", faces[regular])
			pdf.AddUTF8FontFromBytes("f", "B", faces[bold])
		}
		pdf.AddPage()
		pdf.SetFont("f", "", 11)
		pdf.Text(20, 20, text)
		pdf.SetFont("f", "B", 11)
		pdf.Text(20, 30, text+"!")
		// The width as measured with the font's width table.
		pdf.Text(20, 40, strconv.FormatFloat(pdf.GetStringWidth(text), 'f', -1, 64))
		var out bytes.Buffer
		if err := pdf.Output(&out); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	type tc struct{ regular, bold, text string }
	var cases []tc
	for _, pair := range [][2]string{{"cut", "cutbold"}, {"full", "fullbold"}, {"full", "cutbold"}} {
		for _, s := range texts {
			cases = append(cases, tc{pair[0], pair[1], s})
		}
	}
	want := make([][]byte, len(cases))
	for i, c := range cases {
		want[i] = doc(c.regular, c.bold, c.text, true)
	}
	if bytes.Equal(want[0], want[len(texts)]) {
		t.Fatal("the cut and the full faces give the same document: the comparison below proves nothing")
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range cases {
				i := (k + g) % len(cases) // each goroutine in another order
				c := cases[i]
				if got := doc(c.regular, c.bold, c.text, false); !bytes.Equal(got, want[i]) {
					t.Errorf("%s/%s %q: the document with fonts from bytes differs from the one with fonts from files", c.regular, c.bold, c.text)
				}
			}
		})
	}
	wg.Wait()
}

// TestFpdfPatchCachedWidths draws many documents whose texts share most
// of their runes but not all — the case of a run's digests, whose /W
// width arrays the patched fpdf takes from a process-wide cache keyed by
// the runes above 255 and the last rune used. Each document with fonts
// from bytes (cache) must equal the same document with fonts from a file
// (built afresh, as upstream does): a cache key that misses something
// the width array depends on hands one document another's widths.
func TestFpdfPatchCachedWidths(t *testing.T) {
	dir := t.TempDir()
	regular, bold := cut().regular, cut().bold
	for name, b := range map[string][]byte{"r": regular, "b": bold} {
		if err := os.WriteFile(filepath.Join(dir, name+".ttf"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Runes the cut faces have, below and above 255, the latter in
	// several ranges (Latin Extended, punctuation, arrows, shapes).
	low := []rune("aeiouAEZQxyz0123456789 .,;:%€$£¥«»éèàçñøåÆß")
	high := []rune("ŁłŚśŻżĄąĘęŐőŰűČčŠšŽžĞğİıœŒ–—‘’“”…•€→↑↓▲▼■●◆")
	rng := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b strings.Builder
		for range 12 {
			b.WriteRune(low[rng.IntN(len(low))])
		}
		// Few runes above 255, from a small pool, so that documents
		// share a key with others often and differ just as often below.
		for range rng.IntN(3) {
			b.WriteRune(high[rng.IntN(6)])
		}
		if rng.IntN(4) == 0 {
			b.WriteRune(high[6+rng.IntN(len(high)-6)])
		}
		return b.String()
	}
	doc := func(a, b string, fromFile bool) []byte {
		return twoFaceDoc(t, dir, regular, bold, a, b, fromFile, false)
	}
	differ := 0
	var first []byte
	for i := range 150 {
		a, b := text(), text()
		want := doc(a, b, true)
		if got := doc(a, b, false); !bytes.Equal(got, want) {
			t.Fatalf("document %d (%q, %q): with fonts from bytes it differs from the one with fonts from a file", i, a, b)
		}
		if i == 0 {
			first = want
		} else if !bytes.Equal(want, first) {
			differ++
		}
	}
	if differ == 0 {
		t.Fatal("every document is the same: the comparison proves nothing")
	}
}

// TestFpdfPatchCachedCuts draws documents whose texts come from a small
// pool, so that many documents use exactly the same runes in a face and
// many differ from another by one rune (a digit, a letter, an accented
// letter, a dash, a shape). The patched fpdf takes the cut font and its
// CIDToGIDMap of fonts from bytes from a process-wide cache keyed by the
// used runes: each document with fonts from bytes (cache) must equal the
// same document with fonts from files (cut afresh, as upstream does). A
// key that left a rune out, or told apart runes by anything but their set,
// hands a document another's subset.
func TestFpdfPatchCachedCuts(t *testing.T) {
	dir := t.TempDir()
	regular, bold := cut().regular, cut().bold
	for name, b := range map[string][]byte{"r": regular, "b": bold} {
		if err := os.WriteFile(filepath.Join(dir, name+".ttf"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// One rune of each kind: below 57 (makeSubsetRange's entries), ASCII
	// above, Latin-1, above 255 in several ranges, in and out of the base
	// set every document that draws Latin text embeds (Greek, Cyrillic,
	// Latin Extended-B are out).
	pool := []rune("7QéÆŁ—▲●ΩЖǅ")
	rng := rand.New(rand.NewPCG(3, 4))
	text := func() string {
		b := []rune("Sales 2026")
		for range 1 + rng.IntN(2) {
			b = append(b, pool[rng.IntN(len(pool))])
		}
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		return string(b)
	}
	protect := false
	doc := func(a, b string, fromFile bool) []byte {
		return twoFaceDoc(t, dir, regular, bold, a, b, fromFile, protect)
	}
	runeSet := func(s string) string {
		rs := []rune(s)
		slices.Sort(rs)
		return string(slices.Compact(rs))
	}
	seen := map[string]bool{}
	repeats, differ := 0, 0
	var first []byte
	for i := range 200 {
		a, b := text(), text()
		for _, k := range []string{"r" + runeSet(a), "b" + runeSet(b)} {
			if seen[k] {
				repeats++
			}
			seen[k] = true
		}
		want := doc(a, b, true)
		if got := doc(a, b, false); !bytes.Equal(got, want) {
			t.Fatalf("document %d (%q, %q): with fonts from bytes it differs from the one with fonts from a file", i, a, b)
		}
		if i == 0 {
			first = want
		} else if !bytes.Equal(want, first) {
			differ++
		}
	}
	// Both faces' keys repeat in these documents (the cache is hit), and
	// the documents are not all alike (a wrong key would show).
	if repeats < 100 || differ < 100 {
		t.Fatalf("%d faces repeat an earlier document's runes, %d differ from the first: the comparison proves little", repeats, differ)
	}
	// Encryption works in place on the streams: an encrypted document must
	// not encrypt the cached ones (the next document would embed them
	// encrypted twice, or a plain one encrypted once).
	a, b := text(), text()
	plain := doc(a, b, false)
	protect = true
	want := doc(a, b, true)
	for i := range 3 {
		if got := doc(a, b, false); !bytes.Equal(got, want) {
			t.Fatalf("encrypted document %d (%q, %q): with fonts from bytes it differs from the one with fonts from a file", i, a, b)
		}
	}
	protect = false
	if got := doc(a, b, false); !bytes.Equal(got, plain) {
		t.Fatalf("after encrypted documents, the plain document (%q, %q) changed", a, b)
	}
}

// twoFaceDoc is a one-page PDF with a in the regular face and b in the bold
// one, the faces added from the files r.ttf and b.ttf in dir (built afresh
// by fpdf) or from the bytes (through the patch's caches), encrypted when
// protect; its dates are fixed so that two calls can be compared byte for
// byte.
func twoFaceDoc(t *testing.T, dir string, regular, bold []byte, a, b string, fromFile, protect bool) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	created := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	if protect {
		pdf.SetProtection(fpdf.CnProtectPrint, "user", "owner")
	}
	if fromFile {
		pdf.SetFontLocation(dir)
		pdf.AddUTF8Font("f", "", "r.ttf")
		pdf.AddUTF8Font("f", "B", "b.ttf")
	} else {
		pdf.AddUTF8FontFromBytes("f", "", regular)
		pdf.AddUTF8FontFromBytes("f", "B", bold)
	}
	pdf.AddPage()
	pdf.SetFont("f", "", 11)
	pdf.Text(20, 20, a)
	pdf.SetFont("f", "B", 11)
	pdf.Text(20, 30, b)
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
