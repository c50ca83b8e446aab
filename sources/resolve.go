package sources

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// exportFile is the file a source reads: the path itself, or the newest
// match of its glob.
type exportFile struct {
	Path    string
	ModTime time.Time
	Date    crm.Day // from the file name; NoDay when it has none
	seq     int     // HubSpot's -N suffix after the date, for same-day exports
}

// nameDate finds a date in a file name: 2024-08-27, 2024_08_27 or 20240827,
// with an optional -N counter after it.
var nameDate = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?:[-_ ]\(?(\d{1,3})\)?)?(?:[^0-9]|$)`)

// dateInName returns the export date a file name carries.
func dateInName(name string) (crm.Day, int) {
	m := nameDate.FindAllStringSubmatch(filepath.Base(name), -1)
	if len(m) == 0 {
		return crm.NoDay, 0
	}
	last := m[len(m)-1]
	y, _ := strconv.Atoi(last[1])
	mo, _ := strconv.Atoi(last[2])
	d, _ := strconv.Atoi(last[3])
	if !validDate(y, mo, d) {
		return crm.NoDay, 0
	}
	seq, _ := strconv.Atoi(last[4])
	return civilDay(y, mo, d), seq
}

// hasGlob reports whether a path is a pattern.
func hasGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// resolveExport returns the file a source path names. For a glob, the
// newest match wins: the latest date in the file names (then the highest
// -N), and among files without one, or to break a tie, the latest mtime.
func resolveExport(path string) (exportFile, error) {
	if !hasGlob(path) {
		st, err := os.Stat(path)
		if err != nil {
			return exportFile{}, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
		}
		if st.IsDir() {
			return exportFile{}, fmt.Errorf("%s is a folder: give a file, or a pattern such as %s", path, filepath.Join(path, "*.csv"))
		}
		d, seq := dateInName(path)
		return exportFile{Path: path, ModTime: st.ModTime(), Date: d, seq: seq}, nil
	}
	matches, err := filepath.Glob(path)
	if err != nil {
		return exportFile{}, fmt.Errorf("bad pattern %s: %w", path, err)
	}
	var best exportFile
	found := false
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil || st.IsDir() {
			continue
		}
		d, seq := dateInName(m)
		f := exportFile{Path: m, ModTime: st.ModTime(), Date: d, seq: seq}
		if !found || newer(f, best) {
			best, found = f, true
		}
	}
	if !found {
		return exportFile{}, fmt.Errorf("no file matches %s", path)
	}
	return best, nil
}

func newer(a, b exportFile) bool {
	if a.Date != b.Date {
		return a.Date > b.Date // NoDay is the smallest Day
	}
	if a.seq != b.seq {
		return a.seq > b.seq
	}
	if !a.ModTime.Equal(b.ModTime) {
		return a.ModTime.After(b.ModTime)
	}
	return a.Path > b.Path
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Age is how old a source's data is at now: since the date in the export's
// file name when it has one (the day's end), else since the file's
// modification time (which a copy or a clone resets).
func Age(r crm.SourceReport, now time.Time) time.Duration {
	var age time.Duration
	switch {
	case r.ExportDate.Valid():
		age = now.Sub(r.ExportDate.Time().Add(24 * time.Hour))
	case !r.ModTime.IsZero():
		age = now.Sub(r.ModTime)
	}
	return max(age, 0)
}
