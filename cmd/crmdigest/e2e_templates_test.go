package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/internal/mailpittest"
)

// TestE2ETemplatesOverride puts rep templates whose subject differs into
// the folder named by delivery.templates: every digest sent carries it,
// and the rest of the message still comes from the template.
func TestE2ETemplatesOverride(t *testing.T) {
	if testing.Short() {
		t.Skip("builds crmdigest and starts Mailpit")
	}
	t.Parallel()
	mp := mailpittest.Start(t)
	dir := t.TempDir()
	locales, err := os.ReadDir("../../templates/files")
	if err != nil {
		t.Fatal(err)
	}
	subject := regexp.MustCompile(`\{\{define "subject"\}\}.*?\{\{end\}\}`)
	n := 0
	for _, l := range locales {
		if !l.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("../../templates/files", l.Name(), "rep.tmpl"))
		if err != nil {
			t.Fatal(err)
		}
		if !subject.Match(b) {
			t.Fatalf("%s/rep.tmpl has no subject template", l.Name())
		}
		b = subject.ReplaceAll(b, []byte(`{{define "subject"}}Weekly numbers ({{.Period}}) from E2E Industries{{end}}`))
		if err := os.MkdirAll(filepath.Join(dir, l.Name()), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, l.Name(), "rep.tmpl"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no locale folders in templates/files")
	}
	cfgPath := writeConfig(t, e2eConfig{Workbook: demoWorkbook(t, 3, 1), SMTPPort: mp.SMTPPort, Templates: dir})
	exp := expect(t, cfgPath)
	mustRun(t, 0, "send", "--config", cfgPath, "--schedule", e2eSched, "--period", e2ePeriod)
	msgs := mp.Messages(t)
	if len(msgs) != len(exp.recipients) {
		t.Fatalf("Mailpit holds %d messages, want %d", len(msgs), len(exp.recipients))
	}
	for _, m := range msgs {
		if !strings.HasPrefix(m.Subject, "Weekly numbers (") || !strings.HasSuffix(m.Subject, ") from E2E Industries") {
			t.Errorf("subject %q does not come from the override", m.Subject)
		}
		if m.Attachments != 1 || !strings.Contains(m.Snippet, strings.Fields(m.To[0].Name)[0]) {
			t.Errorf("message to %s: %d attachments, snippet %q", m.To[0].Address, m.Attachments, m.Snippet)
		}
	}
}
