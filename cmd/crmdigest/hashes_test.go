package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var updateHashes = flag.Bool("update-hashes", false, "rewrite testdata/digest-hashes.txt from TestDigestHashes")

const hashesFile = "testdata/digest-hashes.txt"

// TestDigestHashes runs `crmdigest run` on the bundled demo config.yaml and
// on examples/maven/config.yaml (every schedule, outbox transport, each with
// its pinned clock) and compares the SHA-256 of every attached PDF and of
// every .eml — Date and Message-ID removed, MIME boundaries renamed — with
// testdata/digest-hashes.txt. It guards changes that must not alter a
// digest (performance work on fonts, compression, layout code): a changed
// hash names the file. After a deliberate change of the digests, run
// `go test ./cmd/crmdigest -run TestDigestHashes -update-hashes` and look at
// the digests that changed.
func TestDigestHashes(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every demo and Maven digest")
	}
	got := map[string]string{}
	langs := map[string]bool{} // "reps-weekly/fr": the demo's role × language coverage

	demoDir := demoRunFolder(t)
	mavenDir := mavenRunFolder(t)
	for _, c := range []struct {
		name, cfg, outbox string
	}{
		{"demo", filepath.Join(demoDir, "config.yaml"), filepath.Join(demoDir, "out", "outbox")},
		{"maven", filepath.Join(mavenDir, "examples", "maven", "config.yaml"), filepath.Join(mavenDir, "out", "maven", "outbox")},
	} {
		out, errOut, err := run(t, "run", "--config", c.cfg)
		if err != nil {
			t.Fatalf("%s: run: %v\n%s%s", c.name, err, out, errOut)
		}
		n := 0
		err = filepath.WalkDir(c.outbox, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".eml") {
				return err
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(c.outbox, path)
			name := c.name + "/" + filepath.ToSlash(strings.TrimSuffix(rel, ".eml"))
			got[name+".eml"] = sha(normalizeEML(raw))
			got[name+".pdf"] = sha(attachment(t, raw))
			if c.name == "demo" {
				if m := htmlLang.FindSubmatch(raw); m != nil {
					langs[strings.Split(filepath.ToSlash(rel), "/")[0]+"/"+string(m[1])] = true
				}
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("%s: no .eml in %s", c.name, c.outbox)
		}
	}
	// The hashes stand for every role in every language only if the demo
	// has them all.
	for _, s := range []string{"reps-weekly", "managers-weekly", "directors-monthly"} {
		for _, l := range []string{"en", "fr", "es"} {
			if !langs[s+"/"+l] {
				t.Errorf("the demo run has no %s digest in %q: the hashes do not cover it", s, l)
			}
		}
	}

	if *updateHashes {
		writeHashes(t, got)
		return
	}
	want := readHashes(t)
	var names []string
	for n := range got {
		names = append(names, n)
	}
	for n := range want {
		if _, ok := got[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	changed := 0
	for _, n := range names {
		g, w := got[n], want[n]
		switch {
		case g == w:
			continue
		case w == "":
			t.Errorf("%s: new file (sha256 %s)", n, g)
		case g == "":
			t.Errorf("%s: no longer written", n)
		default:
			t.Errorf("%s: sha256 %s, was %s", n, g, w)
		}
		changed++
	}
	if changed > 0 {
		t.Logf("%d of %d files differ from %s; if the change is meant, run go test ./cmd/crmdigest -run TestDigestHashes -update-hashes and look at those digests", changed, len(names), hashesFile)
	}
}

var htmlLang = regexp.MustCompile(`<html lang=3D"([a-z]+)"`)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// pinnedExport is the modification time given to the copied exports: the
// Maven files carry no export date, so the digests print the file's time,
// which a checkout sets to the day of the clone.
var pinnedExport = map[string]time.Time{
	"demo":  time.Date(2026, time.November, 27, 18, 0, 0, 0, time.UTC),
	"maven": time.Date(2017, time.December, 31, 23, 0, 0, 0, time.UTC),
}

// demoRunFolder copies the root config.yaml and the demo workbook into a
// fresh folder with the same layout, so that the config runs unchanged and
// writes its outbox and store there.
func demoRunFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, "../../config.yaml", filepath.Join(dir, "config.yaml"), time.Time{})
	wb, err := filepath.Glob("../../examples/demo/*.xlsx")
	if err != nil || len(wb) != 1 {
		t.Fatalf("want one workbook in examples/demo, have %v (%v)", wb, err)
	}
	copyFile(t, wb[0], filepath.Join(dir, "examples", "demo", filepath.Base(wb[0])), pinnedExport["demo"])
	return dir
}

// mavenRunFolder does the same for examples/maven/config.yaml, whose
// sources are ../../testdata/maven-crm and whose outbox is ../../out/maven.
func mavenRunFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, mavenConfig, filepath.Join(dir, "examples", "maven", "config.yaml"), time.Time{})
	for _, f := range []string{"sales_teams.csv", "people.csv", "products.csv", "sales_pipeline.csv"} {
		copyFile(t, filepath.Join("../../testdata/maven-crm", f), filepath.Join(dir, "testdata", "maven-crm", f), pinnedExport["maven"])
	}
	return dir
}

// copyFile copies src to dst, creating dst's folder, and sets dst's
// modification time to mtime unless it is zero.
func copyFile(t *testing.T, src, dst string, mtime time.Time) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(dst, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

var (
	// A header line to drop, with its folded continuation lines.
	volatileHeader = regexp.MustCompile(`(?mi)^(Date|Message-ID):[^\n]*\n([ \t][^\n]*\n)*`)
	boundaryParam  = regexp.MustCompile(`(?i)boundary="?([^";\s]+)"?`)
)

// normalizeEML removes what differs between two runs of the same job: the
// message's Date and Message-ID headers and the MIME boundaries, which are
// random; each boundary string is replaced everywhere by "BOUNDARY-n", n in
// order of first appearance, so the structure is still hashed.
func normalizeEML(raw []byte) []byte {
	// Only the message's own header: a part's header keeps its lines.
	end := len(raw)
	if i := bytes.Index(raw, []byte("\n\r\n")); i >= 0 {
		end = i + 1
	}
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 && i+1 < end {
		end = i + 1
	}
	out := append(volatileHeader.ReplaceAll(raw[:end], nil), raw[end:]...)
	var pairs []string
	seen := map[string]bool{}
	for _, m := range boundaryParam.FindAllSubmatch(out, -1) {
		if b := string(m[1]); !seen[b] {
			seen[b] = true
			pairs = append(pairs, b, fmt.Sprintf("BOUNDARY-%d", len(pairs)/2+1))
		}
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(out)))
}

func readHashes(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(hashesFile)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/crmdigest -run TestDigestHashes -update-hashes)", err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		h, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("%s: bad line %q", hashesFile, line)
		}
		m[name] = h
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

func writeHashes(t *testing.T, m map[string]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("# SHA-256 of every digest of the demo (config.yaml) and Maven (examples/maven/config.yaml) runs:\n")
	b.WriteString("# the attached PDFs, and the .eml files without Date and Message-ID, MIME boundaries renamed.\n")
	b.WriteString("# Written by: go test ./cmd/crmdigest -run TestDigestHashes -update-hashes\n")
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", m[n], n)
	}
	if err := os.MkdirAll(filepath.Dir(hashesFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hashesFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNormalizeEML: two messages that differ only in Date, Message-ID and
// boundaries normalise to the same bytes; a change of one body byte or of
// another header does not vanish.
func TestNormalizeEML(t *testing.T) {
	msg := func(date, id, b1, b2, body, subject string) []byte {
		return []byte("Date: " + date + "\r\nMessage-ID:\r\n <" + id + "@example.com>\r\nSubject: " + subject + "\r\n" +
			"Content-Type: multipart/mixed;\r\n boundary=" + b1 + "\r\n\r\n" +
			"--" + b1 + "\r\nContent-Type: multipart/alternative; boundary=\"" + b2 + "\"\r\n\r\n" +
			"--" + b2 + "\r\nContent-Type: text/plain\r\n\r\n" + body + "\r\n--" + b2 + "--\r\n--" + b1 + "--\r\n")
	}
	a := normalizeEML(msg("Mon, 30 Nov 2026 07:00:00 +0100", "x1", "aaa111", "bbb222", "Hello", "Digest"))
	b := normalizeEML(msg("Tue, 1 Dec 2026 08:00:00 +0100", "y2", "ccc333", "ddd444", "Hello", "Digest"))
	if !bytes.Equal(a, b) {
		t.Errorf("normalised messages differ:\n%s\n---\n%s", a, b)
	}
	for _, s := range []string{"aaa111", "bbb222", "Date:", "Message-ID", "x1@"} {
		if bytes.Contains(a, []byte(s)) {
			t.Errorf("normalised message still holds %q:\n%s", s, a)
		}
	}
	if c := normalizeEML(msg("Mon, 30 Nov 2026 07:00:00 +0100", "x1", "aaa111", "bbb222", "Hellp", "Digest")); bytes.Equal(a, c) {
		t.Error("a changed body normalises to the same bytes")
	}
	if c := normalizeEML(msg("Mon, 30 Nov 2026 07:00:00 +0100", "x1", "aaa111", "bbb222", "Hello", "Digesr")); bytes.Equal(a, c) {
		t.Error("a changed subject normalises to the same bytes")
	}
}
