package demo

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"slices"
)

// sortedZip is an excelize.ZipWriter that writes the parts in name order
// when closed. excelize creates them in map order, which differs from run
// to run; sorting makes the same options' workbook byte-identical.
type sortedZip struct {
	w     io.Writer
	parts map[string]*bytes.Buffer
}

func newSortedZip(w io.Writer) *sortedZip {
	return &sortedZip{w: w, parts: make(map[string]*bytes.Buffer)}
}

func (z *sortedZip) Create(name string) (io.Writer, error) {
	b := new(bytes.Buffer)
	z.parts[name] = b
	return b, nil
}

func (z *sortedZip) AddFS(fs.FS) error { return errors.New("sorted zip: AddFS not supported") }

func (z *sortedZip) Close() error {
	names := make([]string, 0, len(z.parts))
	for n := range z.parts {
		names = append(names, n)
	}
	// [Content_Types].xml sorts first, as Office writes it.
	slices.Sort(names)
	zw := zip.NewWriter(z.w)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			return err
		}
		if _, err := w.Write(z.parts[n].Bytes()); err != nil {
			return err
		}
	}
	return zw.Close()
}
