package printable

import "testing"

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Eve Example", "Eve Example"},
		{"Eve\r\nBcc: x@y", `Eve\r\nBcc: x@y`},
		{"<script>", "<script>"},
		{"tab\there", `tab\there`},
		{"bell\a\x00", `bell\x07\x00`},
		{"esc\x1b[2J", `esc\x1b[2J`},
		{"del\x7f", `del\x7f`},
		{"nel\u0085", `nel\u0085`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"rlo\u202egnp.exe", `rlo\u202egnp.exe`},
		{"Zoë Åström", "Zoë Åström"},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
