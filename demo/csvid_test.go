package demo

import "testing"

// TestIDWriter checks that the streamed writer's ids are the workbook's,
// also past 999,999 rows, where the ids grow a digit.
func TestIDWriter(t *testing.T) {
	for _, n := range []int{1, 7, 999_999, 1_000_000, 1_234_567} {
		want := idStrings("A-", n)
		w := idWriter{prefix: "A-", width: idWidth(n)}
		for i := range n {
			got := w.next()
			if i < 3 || i > n-3 || i%99_991 == 0 {
				if got != want(i) {
					t.Fatalf("%d rows: id %d is %q, the workbook's %q", n, i, got, want(i))
				}
			}
		}
	}
}
