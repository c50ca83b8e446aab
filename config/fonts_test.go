package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font/gofont/goregular"
)

// TestFallbackFonts reads report.fonts.fallback as one path or a list,
// relative to the config file, and refuses a file fpdf cannot embed,
// naming the field.
func TestFallbackFonts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.ttf"), goregular.TTF, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "c.ttc"), []byte("ttcf\x00\x01\x00\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	head := "sources: [{name: d, kind: deals, path: d.csv}]\ndelivery: {from: a@example.com}\n"
	for _, c := range []struct{ doc, want, err string }{
		{"report: {fonts: {fallback: a.ttf}}", filepath.Join(dir, "a.ttf"), ""},
		{"report: {fonts: {fallback: [a.ttf, a.ttf]}}", filepath.Join(dir, "a.ttf"), ""},
		{"report: {fonts: {fallback: c.ttc}}", "", "report.fonts.fallback[0]: " + `"` + filepath.Join(dir, "c.ttc") + `": fallback font ` + filepath.Join(dir, "c.ttc") + ": not a TrueType font file (.ttf)"},
		{"report: {fonts: {fallback: [a.ttf, none.ttf]}}", "", "report.fonts.fallback[1]"},
	} {
		cfg, err := Parse([]byte(head+c.doc+"\n"), dir)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: got %v, want an error with %q", c.doc, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.doc, err)
			continue
		}
		if got := cfg.Report.Fonts.Fallback; len(got) == 0 || got[0] != c.want {
			t.Errorf("%s: fallback = %q, want %q first", c.doc, got, c.want)
		}
		fb, err := cfg.Report.FallbackFont()
		if err != nil || fb == nil || !fb.Has('a') {
			t.Errorf("%s: FallbackFont = %v, %v", c.doc, fb, err)
		}
	}
}
