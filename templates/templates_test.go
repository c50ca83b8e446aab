package templates

import (
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fullEmail(role, locale string) Email {
	return Email{
		Role:          role,
		Locale:        locale,
		RecipientName: "Ana Díaz",
		Period:        "2026-03",
		AsOf:          "2026-03-31",
		Headline:      "Won revenue is up on last month",
		Summary: []Item{
			{"Won revenue", "124,500", "+12 % vs 2026-02"},
			{"Win rate", "31 %", ""},
			{"Pipeline", "610,000", "-3 %"},
		},
		Alerts:         []string{"Deal Acme renewal has not moved for 30 days"},
		AlertURLs:      []string{"https://crm.example.com/deals/D%2F7?x=1"},
		OverdueCount:   4,
		InlineChartCID: "chart-1@crmdigest",
		ChartAlt:       "Won revenue: March 124,500 (target 110,000)",
	}
}

func TestEveryRoleAndLocaleRenders(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	subjects := map[string]bool{}
	for _, loc := range Locales {
		for _, role := range Roles {
			e := fullEmail(role, loc)
			r, err := s.Render(e)
			if err != nil {
				t.Fatalf("%s/%s: %v", loc, role, err)
			}
			if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
				t.Errorf("%s/%s: bad subject %q", loc, role, r.Subject)
			}
			if !strings.Contains(r.Subject, e.Period) {
				t.Errorf("%s/%s: subject %q lacks the period", loc, role, r.Subject)
			}
			if subjects[r.Subject] {
				t.Errorf("%s/%s: subject %q is shared with another role or locale", loc, role, r.Subject)
			}
			subjects[r.Subject] = true
			// Every number, the headline, the alert with its link and the
			// overdue actions the list leaves out (4 overdue, 1 listed)
			// must reach both bodies.
			more := map[string]string{"en": "3 more overdue actions", "fr": "3 autres actions en retard", "es": "3 acciones atrasadas más"}[loc]
			want := []string{e.RecipientName, e.Headline, e.Alerts[0], e.AlertURLs[0], e.AsOf, more}
			for _, it := range e.Summary {
				want = append(want, it.Label, it.Value)
				if it.Comparison != "" {
					want = append(want, it.Comparison)
				}
			}
			for _, w := range want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("%s/%s: text body lacks %q:\n%s", loc, role, w, r.Text)
				}
				if !strings.Contains(html.UnescapeString(r.HTML), w) {
					t.Errorf("%s/%s: html body lacks %q", loc, role, w)
				}
			}
			if !strings.Contains(r.HTML, `lang="`+loc+`"`) {
				t.Errorf("%s/%s: html lacks lang=%q", loc, role, loc)
			}
			if !strings.Contains(r.HTML, `src="cid:chart-1@crmdigest"`) {
				t.Errorf("%s/%s: inline chart reference missing or mangled", loc, role)
			}
			if !strings.Contains(r.HTML, `alt="`+e.ChartAlt+`"`) {
				t.Errorf("%s/%s: the chart's alt text is not %q", loc, role, e.ChartAlt)
			}
			if !strings.Contains(r.HTML, `<a href="`+strings.ReplaceAll(e.AlertURLs[0], "&", "&amp;")+`"`) {
				t.Errorf("%s/%s: the alert is not a link to %s", loc, role, e.AlertURLs[0])
			}
			// The headline states the overdue count: the body must not say
			// it a second time.
			twice := map[string]string{"en": "4 activities are overdue", "fr": "4 activités sont en retard", "es": "4 actividades están atrasadas"}[loc]
			if strings.Contains(r.Text, twice) || strings.Contains(r.HTML, twice) {
				t.Errorf("%s/%s: the body says %q, which the headline already says", loc, role, twice)
			}
			// French puts a no-break space before a colon.
			colon := map[string]string{"en": ": ", "fr": "\u00a0: ", "es": ": "}[loc]
			if !strings.Contains(r.Text, "- "+e.Summary[0].Label+colon+e.Summary[0].Value) {
				t.Errorf("%s/%s: a key figure is not written %q:\n%s", loc, role, e.Summary[0].Label+colon+e.Summary[0].Value, r.Text)
			}
			if strings.Contains(r.Text, "<") {
				t.Errorf("%s/%s: text body contains markup:\n%s", loc, role, r.Text)
			}
			if strings.Contains(r.Text, "\n\n\n") {
				t.Errorf("%s/%s: text body has runs of blank lines:\n%s", loc, role, r.Text)
			}
		}
	}
}

func TestEmptySectionsDisappear(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	e := Email{Role: "director", Locale: "en", RecipientName: "Bo", Period: "2026-03"}
	r, err := s.Render(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, unwanted := range []string{"Needs your attention", "overdue", "Key figures", "Preview", "cid:"} {
		if strings.Contains(r.Text, unwanted) || strings.Contains(r.HTML, unwanted) {
			t.Errorf("empty email still shows %q", unwanted)
		}
	}
	e.Preview = true
	r, _ = s.Render(e)
	if !strings.Contains(r.Text, "meant for Bo") || !strings.Contains(r.HTML, "meant for Bo") {
		t.Errorf("preview banner missing:\n%s", r.Text)
	}
}

func TestLocaleFallback(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	en, _ := s.Render(fullEmail("rep", "en"))
	for _, loc := range []string{"de", "", "EN-gb", "xx_YY"} {
		r, err := s.Render(fullEmail("rep", loc))
		if err != nil {
			t.Fatal(err)
		}
		if r != en {
			t.Errorf("locale %q did not fall back to en: subject %q", loc, r.Subject)
		}
	}
	fr, _ := s.Render(fullEmail("rep", "fr-CA"))
	if !strings.HasPrefix(fr.Text, "Bonjour") {
		t.Errorf("fr-CA did not use fr: %q", fr.Text[:20])
	}
	if _, err := s.Render(fullEmail("intern", "en")); err == nil || !strings.Contains(err.Error(), "intern") {
		t.Errorf("unknown role: err = %v", err)
	}
}

func TestCRMTextIsEscapedInHTML(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	e := fullEmail("rep", "en")
	e.RecipientName = `Eve "<b>"`
	e.Headline = `Deal <script>alert(1)</script> won`
	e.Alerts = []string{`<img src=x onerror=alert(2)>`}
	e.Summary[0].Label = `A&B <i>`
	r, err := s.Render(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"<script>", "<img src=x", "<i>", "<b>"} {
		if strings.Contains(r.HTML, raw) {
			t.Errorf("html contains unescaped %q", raw)
		}
	}
	for _, esc := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "A&amp;B &lt;i&gt;"} {
		if !strings.Contains(r.HTML, esc) {
			t.Errorf("html lacks escaped %q", esc)
		}
	}
	// Plain text keeps the CRM text as it is.
	if !strings.Contains(r.Text, e.Headline) || !strings.Contains(r.Text, e.Alerts[0]) {
		t.Errorf("text body altered CRM text:\n%s", r.Text)
	}
	e.InlineChartCID = `x" onload="alert(3)`
	if _, err := s.Render(e); err == nil {
		t.Errorf("a content id with quotes was accepted")
	}
}

func TestSubjectIsOneLine(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	e := fullEmail("manager", "es")
	e.Period = "2026-03\r\nBcc: victim@example.com"
	r, err := s.Render(e)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(r.Subject, "\r\n") {
		t.Errorf("subject keeps a line break: %q", r.Subject)
	}
}

func TestOverrideDirWins(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "fr"), 0o755); err != nil {
		t.Fatal(err)
	}
	override := `{{define "subject"}}Chiffres de {{.Period}} (maison){{end}}
{{define "intro"}}Texte maison.{{end}}
`
	if err := os.WriteFile(filepath.Join(dir, "fr", "rep.tmpl"), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Render(fullEmail("rep", "fr"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Chiffres de 2026-03 (maison)" {
		t.Errorf("override subject not used: %q", r.Subject)
	}
	if !strings.Contains(r.Text, "Texte maison.") || !strings.Contains(r.HTML, "Texte maison.") {
		t.Errorf("override intro not used")
	}
	// Files not overridden still come from the binary.
	if !strings.Contains(r.Text, "Bonjour") {
		t.Errorf("common strings lost")
	}
	other, _ := s.Render(fullEmail("manager", "fr"))
	if strings.Contains(other.Text, "maison") {
		t.Errorf("override of fr/rep.tmpl leaked into fr/manager")
	}
}

func TestBrokenOverrideNamesTheFile(t *testing.T) {
	cases := map[string]string{
		"layout.html":    `{{define "html"}}<p>{{.Headline}</p>{{end}}`,       // parse error
		"es/common.tmpl": `{{define "greeting"}}Hola {{.NoSuchField}}{{end}}`, // exec error
		"en/rep.tmpl":    `{{define "intro"}}no subject here{{end}}`,          // missing define
	}
	for rel, body := range cases {
		t.Run(rel, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load accepted a broken override")
			}
			name := filepath.Base(rel)
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error does not name %s: %v", name, err)
			}
		})
	}
}

func TestOverrideDirMissingIsAnErrorOnlyWhenUnreadable(t *testing.T) {
	// A folder that does not exist means "no overrides"; the config loader
	// is the place that insists the folder exists.
	if _, err := Load(filepath.Join(t.TempDir(), "absent")); err != nil {
		t.Errorf("absent override folder: %v", err)
	}
}

// TestMoreAlertsSaysWhereTheyAre checks the line that ends the email's
// overdue actions: the digest lists only the first ten (then "… and 3 more
// in the CRM"), so of 13 overdue actions with 5 in the email, 5 more are
// in the attached digest and 3 in the CRM only — never "8 more in the
// attached digest".
func TestMoreAlertsSaysWhereTheyAre(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		count, listed int
		want          map[string]string
	}{
		{13, 10, map[string]string{
			"en": "5 more overdue actions in the attached digest and 3 more in the CRM.",
			"fr": "5 autres actions en retard dans le rapport joint et 3 de plus dans le CRM.",
			"es": "5 acciones atrasadas más en el informe adjunto y 3 más en el CRM."}},
		{9, 0, map[string]string{ // all listed
			"en": "4 more overdue actions in the attached digest.",
			"fr": "4 autres actions en retard dans le rapport joint.",
			"es": "4 acciones atrasadas más en el informe adjunto."}},
		{6, 5, map[string]string{ // the digest lists no more than the email
			"en": "1 more overdue action in the CRM.",
			"fr": "1 autre action en retard dans le CRM.",
			"es": "1 acción atrasada más en el CRM."}},
	}
	for _, c := range cases {
		for _, loc := range Locales {
			e := fullEmail("rep", loc)
			e.Alerts = []string{"a1", "a2", "a3", "a4", "a5"}
			e.AlertURLs = nil
			e.OverdueCount, e.OverdueListed = c.count, c.listed
			r, err := s.Render(e)
			if err != nil {
				t.Fatal(err)
			}
			want := c.want[loc]
			if !strings.Contains(r.Text, "- "+want+"\n") || !strings.Contains(html.UnescapeString(r.HTML), want+"</li>") {
				t.Errorf("%s, %d overdue, %d listed: want %q in both bodies:\n%s", loc, c.count, c.listed, want, r.Text)
			}
		}
	}
}
