// Package templates renders the email that carries a digest: a subject, an
// HTML body and a plain-text alternative for each role (rep, manager,
// director) and locale (en, fr, es; anything else falls back to en).
//
// The templates are embedded in the binary and any of their files can be
// replaced by a file with the same relative path in an override folder named
// in config.yaml. A locale's strings live in files parsed twice, once by
// text/template for the subject and the text body and once by html/template
// for the HTML body, so that one translation serves both and CRM text placed
// in HTML is always escaped.
//
// Numbers arrive already formatted for the locale: this package only lays
// strings out.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	texttemplate "text/template"

	"github.com/crmdigest/crmdigest/internal/printable"
)

//go:embed files
var embedded embed.FS

// Roles and Locales are the combinations that have templates. Render falls
// back to DefaultLocale for any other locale.
var (
	Roles   = []string{"rep", "manager", "director"}
	Locales = []string{"en", "fr", "es"}
)

// DefaultLocale is used when an Email asks for a locale without templates.
const DefaultLocale = "en"

// Item is one number of the inline summary, already formatted.
type Item struct {
	Label      string // "Won revenue"
	Value      string // "€ 124,500"
	Comparison string // "+12 % vs last month"; may be empty
}

// Email is everything the templates may show. Strings arrive formatted for
// the locale; CRM text (names, alerts) may contain anything and is escaped
// in HTML.
type Email struct {
	Role          string // rep, manager or director
	Locale        string // en, fr, es; "fr-CA" and "fr_FR" count as fr
	RecipientName string
	Period        string // "March 2026", "week 12, 2026"
	AsOf          string // date of the data, "31 March 2026"
	Headline      string // the one sentence that matters most
	Summary       []Item // 3 to 5 numbers that matter for the role
	Alerts        []string
	// AlertURLs optionally gives each alert a link into the CRM: the i-th
	// URL belongs to the i-th alert, and an empty or missing one leaves the
	// alert unlinked. Only http and https URLs are linked in HTML.
	AlertURLs []string
	// OverdueCount is a rep's overdue activities. The headline states the
	// count; the templates use it only to say how many overdue actions
	// the list leaves out (MoreAlerts, MoreInCRM).
	OverdueCount int
	// OverdueListed is how many of them the attached digest lists: a
	// digest lists the first few and sends the reader to the CRM for the
	// rest. 0 means all of them.
	OverdueListed int
	// Preview marks a message redirected to an administrator: the body says
	// whom it was meant for.
	Preview bool
	// InlineChartCID is the Content-ID of an inline PNG chart, without
	// angle brackets; empty when there is no chart.
	InlineChartCID string
	// ChartAlt describes the inline chart in words (its figures), for
	// readers who do not see images; empty uses the locale's generic text.
	ChartAlt string
	// Region is the region a director's digest is about (CRM text), named
	// by the intro; empty for the organisation and the other roles.
	Region string
}

// AlertItem is one alert with its link into the CRM ("" for none).
type AlertItem struct {
	Text, URL string
}

// AlertItems pairs each alert with its URL, for the templates.
func (e Email) AlertItems() []AlertItem {
	out := make([]AlertItem, len(e.Alerts))
	for i, a := range e.Alerts {
		out[i].Text = a
		if i < len(e.AlertURLs) {
			out[i].URL = e.AlertURLs[i]
		}
	}
	return out
}

// MoreAlerts is how many more overdue actions the attached digest lists
// than the email: the email lists only the first few.
func (e Email) MoreAlerts() int {
	return max(0, e.listed()-len(e.Alerts))
}

// MoreInCRM is how many overdue actions neither the email nor the digest
// lists: only the CRM holds them.
func (e Email) MoreInCRM() int {
	return max(0, e.OverdueCount-max(e.listed(), len(e.Alerts)))
}

func (e Email) listed() int {
	if e.OverdueListed > 0 {
		return min(e.OverdueListed, e.OverdueCount)
	}
	return e.OverdueCount
}

// Rendered is one email's text, ready for the message builder.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// Set holds the parsed templates of every role and locale.
type Set struct {
	byKey map[string]*pair // "rep.en"
}

type pair struct {
	text  *texttemplate.Template // defines "subject" and "text"
	html  *htmltemplate.Template // defines "html"
	files string                 // the files it came from, for errors
}

// source is one template file with the name to show in errors.
type source struct {
	rel, shown, body string
}

// Load parses the embedded templates, each replaced by the file with the same
// relative path under overrideDir when there is one (overrideDir may be
// empty). It renders every role and locale once with sample data, so that a
// broken override is reported now, naming its file, and not at send time.
func Load(overrideDir string) (*Set, error) {
	read := func(rel string) (source, error) {
		if overrideDir != "" {
			p := filepath.Join(overrideDir, filepath.FromSlash(rel))
			b, err := os.ReadFile(p)
			if err == nil {
				return source{rel, p, string(b)}, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return source{}, fmt.Errorf("read template: %w", err)
			}
		}
		b, err := embedded.ReadFile("files/" + rel)
		if err != nil {
			return source{}, fmt.Errorf("read embedded template %s: %w", rel, err)
		}
		return source{rel, "embedded " + rel, string(b)}, nil
	}

	layoutText, err := read("layout.txt")
	if err != nil {
		return nil, err
	}
	layoutHTML, err := read("layout.html")
	if err != nil {
		return nil, err
	}
	s := &Set{byKey: map[string]*pair{}}
	for _, loc := range Locales {
		common, err := read(loc + "/common.tmpl")
		if err != nil {
			return nil, err
		}
		for _, role := range Roles {
			roleSrc, err := read(loc + "/" + role + ".tmpl")
			if err != nil {
				return nil, err
			}
			p, err := parsePair(layoutText, layoutHTML, common, roleSrc)
			if err != nil {
				return nil, err
			}
			s.byKey[role+"."+loc] = p
		}
	}
	for _, loc := range Locales {
		for _, role := range Roles {
			e := sampleEmail
			e.Role, e.Locale = role, loc
			if _, err := s.Render(e); err != nil {
				return nil, fmt.Errorf("check %s/%s with sample data (from %s): %w", loc, role, s.byKey[role+"."+loc].files, err)
			}
		}
	}
	return s, nil
}

var funcs = map[string]any{
	// cid turns a Content-ID into an img src. html/template refuses URL
	// schemes other than http, https and mailto, so the cid: URL is built
	// here from a Content-ID restricted to characters that need no escaping.
	"cid": func(id string) (htmltemplate.URL, error) {
		if !cidPattern.MatchString(id) {
			return "", fmt.Errorf("content id %q has characters outside [A-Za-z0-9._@-]", id)
		}
		return htmltemplate.URL("cid:" + id), nil
	},
}

var cidPattern = regexp.MustCompile(`^[A-Za-z0-9._@-]+$`)

func parsePair(layoutText, layoutHTML, common, role source) (*pair, error) {
	tt := texttemplate.New("crmdigest").Funcs(funcs)
	for _, src := range []source{layoutText, common, role} {
		if _, err := tt.New(src.rel).Parse(src.body); err != nil {
			return nil, fmt.Errorf("parse %s: %w", src.shown, err)
		}
	}
	ht := htmltemplate.New("crmdigest").Funcs(funcs)
	for _, src := range []source{layoutHTML, common, role} {
		if _, err := ht.New(src.rel).Parse(src.body); err != nil {
			return nil, fmt.Errorf("parse %s: %w", src.shown, err)
		}
	}
	for _, name := range []string{"subject", "text"} {
		if tt.Lookup(name) == nil {
			return nil, fmt.Errorf("parse %s, %s, %s: no template %q defined", layoutText.shown, common.shown, role.shown, name)
		}
	}
	if ht.Lookup("html") == nil {
		return nil, fmt.Errorf("parse %s: no template \"html\" defined", layoutHTML.shown)
	}
	files := strings.Join([]string{layoutText.shown, layoutHTML.shown, common.shown, role.shown}, ", ")
	return &pair{text: tt, html: ht, files: files}, nil
}

// Render fills the templates of e's role and locale.
func (s *Set) Render(e Email) (Rendered, error) {
	p := s.byKey[e.Role+"."+NormaliseLocale(e.Locale)]
	if p == nil {
		return Rendered{}, fmt.Errorf("render: unknown role %q (expected rep, manager or director)", e.Role)
	}
	e = escapeCRM(e)
	var subj, text, html bytes.Buffer
	if err := p.text.ExecuteTemplate(&subj, "subject", e); err != nil {
		return Rendered{}, fmt.Errorf("render subject: %w", err)
	}
	if err := p.text.ExecuteTemplate(&text, "text", e); err != nil {
		return Rendered{}, fmt.Errorf("render text body: %w", err)
	}
	if err := p.html.ExecuteTemplate(&html, "html", e); err != nil {
		return Rendered{}, fmt.Errorf("render html body: %w", err)
	}
	return Rendered{
		// A subject is one line: template newlines and CRM text with line
		// breaks are folded into spaces here, and delivery refuses CR/LF.
		Subject: strings.Join(strings.Fields(subj.String()), " "),
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}

// NormaliseLocale maps a locale such as "fr-CA" or "ES_es" to one that has
// templates, or to DefaultLocale.
func NormaliseLocale(locale string) string {
	l := strings.ToLower(locale)
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	for _, have := range Locales {
		if l == have {
			return l
		}
	}
	return DefaultLocale
}

// sampleEmail exercises every branch of the templates when Load checks them.
var sampleEmail = Email{
	RecipientName:  "Sample Person",
	Period:         "March 2026",
	AsOf:           "31 March 2026",
	Headline:       "Sample headline",
	Summary:        []Item{{"Won revenue", "124,500", "+12 %"}, {"Deals won", "7", ""}},
	Alerts:         []string{"Sample alert"},
	AlertURLs:      []string{"https://crm.example.com/deal/1"},
	OverdueCount:   2,
	Preview:        true,
	InlineChartCID: "chart@crmdigest",
	ChartAlt:       "Won revenue: this week 1,200",
	Region:         "Sample Region",
}

// escapeCRM writes the control characters of CRM text as ASCII escapes
// (printable.Escape): a name holding CR/LF must not start a new line in the
// text body, nor a forged paragraph in the HTML one. HTML escaping comes on
// top, from html/template.
func escapeCRM(e Email) Email {
	e.RecipientName = printable.Escape(e.RecipientName)
	e.Region = printable.Escape(e.Region)
	e.Headline = printable.Escape(e.Headline)
	e.ChartAlt = printable.Escape(e.ChartAlt)
	alerts := make([]string, len(e.Alerts))
	for i, a := range e.Alerts {
		alerts[i] = printable.Escape(a)
	}
	e.Alerts = alerts
	summary := make([]Item, len(e.Summary))
	for i, it := range e.Summary {
		summary[i] = Item{Label: printable.Escape(it.Label), Value: printable.Escape(it.Value), Comparison: printable.Escape(it.Comparison)}
	}
	e.Summary = summary
	return e
}
