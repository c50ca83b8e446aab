package main

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2ERecipientsAndControlCharacters: on the Maven export with a
// manager named "Eve\r\nBcc: x@y", one named "<script>alert(1)</script>",
// one without an address (and a line break in his name) and one with an
// address that cannot be mailed, check fails naming exactly the two that
// run then fails; the dry run and the real run both leave their failures
// in status; and the names come out with the line break escaped in check,
// run and status output, the text and HTML bodies and the PDF.
func TestE2ERecipientsAndControlCharacters(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest")
	}
	t.Parallel()
	cfgPath, dir := gateConfig(t, 0, "")
	for _, f := range []string{"people.csv", "sales_teams.csv"} {
		path := filepath.Join(dir, f)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.NewReplacer(
			"Dustin Brinkmann", `"Eve`+"\r\n"+`Bcc: x@y"`,
			"Melvin Marxen", "<script>alert(1)</script>",
			"Rocco Neubert", `"Rocco`+"\r\n"+`Neubert"`,
			"rocco.neubert@maventech.example.com", "",
			"summer.sewald@maventech.example.com", "summer@maventech",
		).Replace(string(b))
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// encoding/csv reads a CR LF inside quotes as one LF.
	const rocco, eve = `Rocco\nNeubert`, `Eve\nBcc: x@y`
	noLineStarts := func(what, out string, prefixes ...string) {
		t.Helper()
		for _, l := range strings.Split(out, "\n") {
			for _, p := range prefixes {
				if strings.HasPrefix(strings.TrimSpace(l), p) {
					t.Errorf("%s has a line starting %q (an unescaped line break):\n%s", what, p, out)
				}
			}
		}
	}

	out, errOut, code := runBin(t, nil, "check", "--config", cfgPath)
	if code == 0 {
		t.Fatalf("check passed with two managers who cannot be mailed:\n%s", out)
	}
	for _, want := range []string{
		"CANNOT BE MAILED " + rocco + " (managers-weekly): no email address",
		`CANNOT BE MAILED Summer Sewald (managers-weekly): invalid address "summer@maventech": the domain has no dot`,
		"2 recipients cannot be mailed",
	} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("check output lacks %q:\n%s%s", want, out, errOut)
		}
	}
	if strings.Count(out, "CANNOT BE MAILED") != 2 {
		t.Errorf("check lists other recipients than the two:\n%s", out)
	}
	noLineStarts("check output", out, "Neubert")

	out, _, code = runBin(t, nil, "run", "--config", cfgPath, "--schedule", gateSched, "--dry-run")
	if code == 0 || !strings.Contains(out, "4 rendered, nothing sent, 2 failed") || !strings.Contains(out, "failed: "+rocco+": ") {
		t.Errorf("dry run: exit %d\n%s", code, out)
	}
	out, _, code = runBin(t, nil, "run", "--config", cfgPath, "--schedule", gateSched)
	if code == 0 || !strings.Contains(out, "4 sent, 2 failed") {
		t.Errorf("run: exit %d\n%s", code, out)
	}
	noLineStarts("run output", out, "Neubert")
	status := mustRun(t, 0, "status", "--config", cfgPath)
	if n := strings.Count(status, "failed: "+rocco+": "); n != 2 {
		t.Errorf("status lists Rocco's failure %d times, want once for the dry run and once for the run:\n%s", n, status)
	}
	if n := strings.Count(status, `failed: summer@maventech: recipient "Summer Sewald": invalid address`); n != 2 {
		t.Errorf("status lists Summer's failure %d times, want 2:\n%s", n, status)
	}
	if !strings.Contains(status, "fired 2018-01-01T08:00:00-05:00 America/New_York") {
		t.Errorf("status does not give the firing's time and zone:\n%s", status)
	}
	noLineStarts("status", status, "Neubert")

	box := filepath.Join(dir, "out", "outbox", gateSched)
	files, _ := filepath.Glob(filepath.Join(box, "*", "manager-dustin.brinkmann@*.eml"))
	if len(files) != 1 {
		t.Fatalf("Eve's digest: %v", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	noLineStarts("Eve's message", string(raw), "Bcc:")
	b := messageBodies(t, raw)
	if !strings.Contains(b.text, "Hello "+eve+",") || !strings.Contains(b.html, "Hello "+eve+",") {
		t.Errorf("Eve's bodies do not escape her name:\ntext:\n%s\nhtml:\n%s", b.text, b.html)
	}
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		pdf := filepath.Join(t.TempDir(), "eve.pdf")
		if err := os.WriteFile(pdf, attachment(t, raw), 0o600); err != nil {
			t.Fatal(err)
		}
		text, err := exec.Command(pdftotext, pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(text), eve) {
			t.Errorf("the PDF does not show Eve's name escaped:\n%s", text)
		}
	} else {
		t.Log("pdftotext not installed: the PDF's text is not checked")
	}

	files, _ = filepath.Glob(filepath.Join(box, "*", "manager-melvin.marxen@*.eml"))
	if len(files) != 1 {
		t.Fatalf("the <script> manager's digest: %v", files)
	}
	raw, _ = os.ReadFile(files[0])
	b = messageBodies(t, raw)
	if strings.Contains(b.html, "<script>") || !strings.Contains(b.html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the HTML body does not escape <script>:\n%s", b.html)
	}
}

// attachment returns the decoded PDF attached to a raw message.
func attachment(t *testing.T, raw []byte) []byte {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var pdf []byte
	var walk func(ct string, h textproto.MIMEHeader, r io.Reader)
	walk = func(ct string, h textproto.MIMEHeader, r io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header.Get("Content-Type"), p.Header, p)
			}
		}
		if mt == "application/pdf" && strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
			if pdf, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, r)); err != nil {
				t.Fatal(err)
			}
		}
	}
	walk(m.Header.Get("Content-Type"), textproto.MIMEHeader(m.Header), m.Body)
	if pdf == nil {
		t.Fatal("no base64 PDF attachment")
	}
	return pdf
}
