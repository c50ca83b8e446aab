// crmdigest patch (see PATCH.md): this file is not part of upstream
// github.com/go-pdf/fpdf v0.9.0.

package fpdf

import (
	"bytes"
	"compress/zlib"
	"math/rand"
	"testing"
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
