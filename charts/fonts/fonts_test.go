package fonts

import (
	"bytes"
	"testing"

	"github.com/go-pdf/fpdf"
	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font/gofont/goregular"
)

// TestCutKeepsGlyphs checks that every rune of the cutset the Go font
// has is still in the cut face, and that the runes the reports print are
// among them.
func TestCutKeepsGlyphs(t *testing.T) {
	full, err := truetype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	cutFont, err := truetype.Parse(cut().regular)
	if err != nil {
		t.Fatalf("parse the cut face: %v", err)
	}
	for _, r := range Cutset() {
		if full.Index(r) != 0 && cutFont.Index(r) == 0 {
			t.Errorf("%U %q lost by the cut", r, r)
		}
	}
	for _, r := range "▲▼●€\u00a0ÆæŒœŁłŠšŽžÑñÇçÜüßØøÞþ–—…" {
		if cutFont.Index(r) == 0 {
			t.Errorf("%U %q missing from the cut face", r, r)
		}
	}
	if len(cut().regular) >= len(goregular.TTF) {
		t.Errorf("the cut face (%d bytes) is not smaller than the font (%d)", len(cut().regular), len(goregular.TTF))
	}
}

func TestRegister(t *testing.T) {
	pdf := fpdf.New("P", "mm", "A4", "")
	Register(pdf)
	pdf.AddPage()
	for _, style := range []string{"", "B"} {
		pdf.SetFont(Family, style, 10)
		pdf.Text(10, 10, "Müller Núñez Françoise ▲▼●")
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	if Parsed().Regular == nil || Parsed().Bold == nil || Parsed().Regular == Parsed().Bold {
		t.Error("Parsed does not return two distinct faces")
	}
}

// TestHasScripts records what the Go fonts draw: the Greek and Russian
// alphabets with their accents, not the Vietnamese horned letters nor
// Chinese, which need a fallback face.
func TestHasScripts(t *testing.T) {
	for _, r := range "ΑαΩωάέήίόύώϊϋΐΰςДдЖжЩщЁёЇїЄєЎў" {
		if !Has(r) {
			t.Errorf("%U %q: Greek or Cyrillic letter missing", r, r)
		}
	}
	for _, r := range "ươễầ王\u202f" {
		if Has(r) {
			t.Errorf("%U %q: Has says the Go fonts draw it; the docs say they lack it", r, r)
		}
	}
	if got := string(Missing("Nguyễn Thị Hương", nil)); got != "ễịươ" {
		t.Errorf("Missing = %q, want ễịươ", got)
	}
}

// TestHasAll: HasAll agrees with Has rune by rune, on strings the Go
// fonts draw and on strings with one rune they lack.
func TestHasAll(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"", true},
		{"Françoise Núñez ▲ +3 % · 1 234 €", true},
		{"Nguyễn Văn Đức", false}, // ễ: two marks, not in the Go fonts
		{"王芳", false},
		{"tab\there", false},
	} {
		all := true
		for _, r := range c.s {
			all = all && Has(r)
		}
		if got := HasAll(c.s); got != c.want || got != all {
			t.Errorf("HasAll(%q) = %v, want %v (Has rune by rune: %v)", c.s, got, c.want, all)
		}
	}
}
