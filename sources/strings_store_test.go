package sources

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

// shares reports whether two strings overlap in memory.
func shares(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(unsafe.StringData(a))), uintptr(unsafe.Pointer(unsafe.StringData(b)))
	return pa < pb+uintptr(len(b)) && pb < pa+uintptr(len(a))
}

func TestStringStore(t *testing.T) {
	var s stringStore
	row := strings.Repeat("x", 10) + "D-000001,Call about the renewal," + strings.Repeat("y", storeBlock)
	id := row[10:18]
	got := s.clone(id)
	if got != id || shares(got, row) {
		t.Fatalf("clone(%q) = %q, sharing the row: %v", id, got, shares(got, row))
	}
	// Many clones cross block boundaries; each keeps its value, and later
	// clones never overwrite earlier ones.
	var kept []string
	for i := range 50_000 {
		kept = append(kept, s.clone(fmt.Sprintf("D-%07d", i)))
	}
	for i, v := range kept {
		if want := fmt.Sprintf("D-%07d", i); v != want {
			t.Fatalf("clone %d reads %q later, want %q", i, v, want)
		}
	}
	big := row[18:]
	if c := s.clone(big); c != big || shares(c, row) {
		t.Fatalf("a long value is not copied whole")
	}
	if s.clone("") != "" || s.intern("") != "" {
		t.Fatal("empty values are not empty")
	}

	subj := row[19:41]
	a, b := s.intern(subj), s.intern(strings.Clone(subj))
	if a != subj || b != subj || unsafe.StringData(a) != unsafe.StringData(b) || shares(a, row) {
		t.Fatalf("intern(%q) = %q and %q: want one copy, apart from the row", subj, a, b)
	}
	// Past storeInterned distinct values, values are still right, copied
	// each time, and the table stops growing.
	for i := range storeInterned + 10 {
		v := fmt.Sprintf("subject %d", i)
		if got := s.intern(v); got != v {
			t.Fatalf("intern(%q) = %q", v, got)
		}
	}
	if len(s.seen) != storeInterned {
		t.Fatalf("%d interned values, want the cap %d", len(s.seen), storeInterned)
	}
	v := fmt.Sprintf("subject %d", storeInterned+5)
	if x, y := s.intern(v), s.intern(v); x != v || y != v || unsafe.StringData(x) == unsafe.StringData(y) {
		t.Fatalf("past the cap, intern(%q) gave %q and %q (shared: %v)", v, x, y, unsafe.StringData(x) == unsafe.StringData(y))
	}
}
