package report

import (
	"fmt"
	"html"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/locale"
	"github.com/crmdigest/crmdigest/templates"
)

// The language tests read what a reader of the demo organisation's digests
// sees: every string of the digest model, the text of the PDF (which adds
// the page furniture and the words drawn in charts) and the email's
// subject, text and HTML. Data values (names of people, teams, accounts,
// products, stages no preset maps, activity subjects, source names) are
// blanked out first: they are written as the CRM holds them, in whatever
// language it holds them.

// rendered is the text of one person's digest in one language.
type rendered struct {
	who, kind, lang string
	texts           []string
}

// digestTexts renders p's digest with s in lang and returns what its reader
// sees, data values blanked out.
func digestTexts(t *testing.T, s *Set, p crm.Person, lang string, tpl *templates.Set) []string {
	t.Helper()
	needPdftotext(t)
	texts, err := readerTexts(s, p, lang, tpl)
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

// readerTexts is digestTexts, returning its first error.
func readerTexts(s *Set, p crm.Person, lang string, tpl *templates.Set) ([]string, error) {
	p.Locale = lang
	d, err := s.Digest(&p)
	if err != nil {
		return nil, fmt.Errorf("%s: digest: %v", p.Email, err)
	}
	pdf, err := d.PDF()
	if err != nil {
		return nil, fmt.Errorf("%s: pdf: %v", p.Email, err)
	}
	texts := modelTexts(d)
	text, err := pdfTextOf(pdf)
	if err != nil {
		return nil, err
	}
	texts = append(texts, strings.ReplaceAll(text, "\n", " "))
	em, err := tpl.Render(d.Email())
	if err != nil {
		return nil, fmt.Errorf("%s: email: %v", p.Email, err)
	}
	texts = append(texts, em.Subject, em.Text, htmlText(em.HTML))
	return blankData(s.ds, texts), nil
}

// demoTexts is digestTexts of a person of the demo organisation with the
// set of their kind (sets) and the embedded templates, rendered once per
// person and language per test binary: renderLanguage and
// TestFrenchFirstOfMonth read the same digests. The texts are a copy.
func demoTexts(t *testing.T, p *crm.Person, lang string) []string {
	t.Helper()
	needPdftotext(t)
	k := KindOf(p.Role)
	s := sets(t)[k]
	f, _ := demoTextsCache.LoadOrStore(demoTextsKey{p.Email, lang}, sync.OnceValues(func() ([]string, error) {
		tpl, err := embeddedTemplates()
		if err != nil {
			return nil, err
		}
		return readerTexts(s, *p, lang, tpl)
	}))
	texts, err := f.(func() ([]string, error))()
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(texts)
}

type demoTextsKey struct{ email, lang string }

var (
	demoTextsCache    sync.Map // demoTextsKey → func() ([]string, error)
	embeddedTemplates = sync.OnceValues(func() (*templates.Set, error) { return templates.Load("") })
)

// renderLanguage renders every digest of the demo organisation in lang: one
// per person, with the set of the person's kind.
func renderLanguage(t *testing.T, lang string) []rendered {
	t.Helper()
	ds := demoData().Dataset
	var out []rendered
	for i := range ds.People {
		p := &ds.People[i]
		out = append(out, rendered{p.Email, string(KindOf(p.Role)), lang, demoTexts(t, p, lang)})
	}
	if len(out) == 0 {
		t.Fatal("the demo organisation has nobody to render")
	}
	return out
}

// modelTexts lists every string of a digest that is printed.
func modelTexts(d *Digest) []string {
	out := []string{d.Title, d.Period, d.AsOf, d.Headline, d.SourcesFooter}
	for _, it := range d.Summary {
		out = append(out, it.Label, it.Value, it.Comparison)
	}
	out = append(out, d.Alerts...)
	out = append(out, d.Sources...)
	for _, bl := range d.Blocks {
		out = append(out, bl.Section, bl.Paragraph)
		out = append(out, bl.List...)
		for _, k := range bl.KPIs {
			out = append(out, k.Label, k.Value, k.Comparison)
		}
		for _, b := range bl.Bullets {
			out = append(out, b.Label, b.Value, b.Comparison)
		}
		if tb := bl.Table; tb != nil {
			for _, c := range tb.Columns {
				out = append(out, c.Title)
			}
			for _, r := range tb.Rows {
				out = append(out, r...)
			}
			out = append(out, tb.MarkTitle)
			out = append(out, tb.Marks...)
		}
		if c := bl.Chart; c != nil {
			out = append(out, c.Caption)
			out = append(out, c.Labels...)
		}
		if m := bl.Multiples; m != nil {
			out = append(out, m.Periods)
			out = append(out, m.Metrics...)
			for _, r := range m.Rows {
				out = append(out, r.Name, r.Mark)
				out = append(out, r.Last...)
			}
		}
	}
	return out
}

var tags = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]*>`)

// htmlText is the text of an HTML body, its alt texts included.
func htmlText(s string) string {
	alts := regexp.MustCompile(`alt="([^"]*)"`).FindAllStringSubmatch(s, -1)
	s = tags.ReplaceAllString(s, " ")
	for _, a := range alts {
		s += " " + a[1]
	}
	return html.UnescapeString(s)
}

// blanks holds, per dataset, the replacer that blanks out its own strings.
var blanks sync.Map // *crm.Dataset → *strings.Replacer

// dataBlanker returns the replacer of every string of ds (names of people,
// teams, regions, owners, accounts, products, stages no preset maps,
// activity subjects, deal ids, source names and files) by "▢", longest
// first, so that a name is blanked out before a shorter name inside it.
func dataBlanker(ds *crm.Dataset) *strings.Replacer {
	if r, ok := blanks.Load(ds); ok {
		return r.(*strings.Replacer)
	}
	seen := map[string]bool{}
	add := func(s string) {
		if strings.TrimSpace(s) != "" {
			seen[s] = true
		}
	}
	for _, p := range ds.People {
		add(p.Name)
		add(p.Email)
		add(p.Team)
		add(p.Region)
	}
	for _, names := range []*crm.Names{ds.Owners, ds.Accounts, ds.Products} {
		for _, n := range names.All() {
			add(n)
		}
	}
	for i, n := range ds.Stages.All() {
		if ds.StageKind(crm.ID(i)) == crm.StageUnmapped {
			add(n)
		}
	}
	for _, a := range ds.Activities {
		add(a.Subject)
	}
	for _, d := range ds.Deals {
		add(d.ID)
	}
	for _, q := range ds.Quality {
		add(q.Name)
		add(filepath.Base(q.File))
		add(q.Sheet)
	}
	vals := make([]string, 0, len(seen))
	for s := range seen {
		vals = append(vals, s)
	}
	sort.Slice(vals, func(i, j int) bool {
		return len(vals[i]) > len(vals[j]) || len(vals[i]) == len(vals[j]) && vals[i] < vals[j]
	})
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, "▢")
	}
	r, _ := blanks.LoadOrStore(ds, strings.NewReplacer(pairs...))
	return r.(*strings.Replacer)
}

// blankData replaces every string of ds found in texts by "▢" and drops
// the texts left empty.
func blankData(ds *crm.Dataset, texts []string) []string {
	r := dataBlanker(ds)
	out := make([]string, 0, len(texts))
	for _, s := range texts {
		if s = r.Replace(s); strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// sameWords are the catalogue entries a language writes as English does.
var sameWords = map[string][]string{
	"fr": {"Action", "Date", "Organisation", "Pipeline", "Qualification", "Sources", "Total", "%s pt"},
	"es": {"Demo", "Demos", "Leads", "Pipeline", "Total", "%s pt", "; "},
}

// englishWords are words of the English digests that must not be left on a
// French or Spanish page; a word that is also the language's own (French
// "Qualification") is checked in the other language only.
var englishWords = []string{"won", "target", "overdue", "stale", "deals", "Prospecting", "Negotiation", "Proposal", "Qualification", "Call", "Meeting", "Email", "Closed", "Lost",
	"Week", "Quarter", "Pipeline by stage", "Page", "of", "vs previous", "last year", "Last year", "This year", "n/a"}

// TestNoEnglishLeft renders every demo digest, and a Maven rep, manager
// and director digest (a real export: no activities, no targets), in
// French and Spanish and fails on any English left outside data values
// (see englishChecks).
func TestNoEnglishLeft(t *testing.T) {
	tpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m := maven(t)
	for _, lang := range []string{"fr", "es"} {
		checks := englishChecks(t, lang)
		all := renderLanguage(t, lang)
		for _, k := range []Kind{KindRep, KindManager, KindDirector} {
			id := "2017-12"
			if k == KindRep {
				id = "2017-W52"
			}
			p := Recipients(m, k)[0]
			all = append(all, rendered{"maven " + p.Email, string(k), lang,
				digestTexts(t, ss2(t, m, k, id, Options{Now: mavenNow, TeamRank: true}), *p, lang, tpl)})
		}
		for _, r := range all {
			for _, s := range r.texts {
				fs := fold(s)
				for _, re := range checks {
					if m := findIn(re, fs); m != "" {
						t.Errorf("%s %s %s: English %q in %q", lang, r.kind, r.who, strings.TrimSpace(m), excerpt(s, m))
					}
				}
			}
		}
	}
}

// englishChecks lists what English looks like on a page in lang: a
// catalogue key of more than five letters found verbatim, in any case
// (each literal part of a key with verbs), unless the language's own
// catalogue writes the same words; an English word of the list; a period
// id ("2026-Q3", "2026-H2", "2026-W48") or an English period abbreviation
// ("Q3 2026", "H2 2026", "W48"). The list is built once per language and
// test binary; every call reports the catalogue entries it found left in
// English, as each call did when it built the list itself.
func englishChecks(t *testing.T, lang string) []*regexp.Regexp {
	t.Helper()
	f, _ := englishCheckLists.LoadOrStore(lang, sync.OnceValue(func() *englishCheckList { return buildEnglishChecks(lang) }))
	l := f.(func() *englishCheckList)()
	for _, e := range l.errs {
		t.Error(e)
	}
	if l.fatal != "" {
		t.Fatal(l.fatal)
	}
	return slices.Clip(l.checks)
}

// englishCheckList is what buildEnglishChecks finds for one language.
type englishCheckList struct {
	checks []*regexp.Regexp
	errs   []string // catalogue entries written as in English
	fatal  string   // too few checks: the catalogue was not read
}

var englishCheckLists sync.Map // lang → func() *englishCheckList

func buildEnglishChecks(lang string) *englishCheckList {
	l := &englishCheckList{}
	word := wordRe
	loc := locale.New(lang)
	// own is the language's catalogue, to exempt the words it shares with
	// English; an entry written as in English is a missing translation
	// unless the language uses the English word.
	own := sameWords[lang]
	en := locale.New("en")
	for _, k := range locale.Keys() {
		if tr := loc.T(k); tr != en.T(k) {
			own = append(own, tr)
		} else if !slices.Contains(sameWords[lang], k) {
			l.errs = append(l.errs, fmt.Sprintf("%s: %q is written as in English; translate it, or add it to sameWords if %s uses the English word", lang, k, lang))
		}
	}
	ownFolded := make([]foldedText, len(own))
	for i, s := range own {
		ownFolded[i] = fold(s)
	}
	ownHas := func(s string) bool {
		re := word(s)
		return slices.ContainsFunc(ownFolded, func(x foldedText) bool { return matchIn(re, x) })
	}
	var checks []*regexp.Regexp
	seen := map[string]bool{}
	for _, k := range locale.Keys() {
		for _, part := range regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`).Split(k, -1) {
			part = strings.Trim(part, " .,:;()·—-")
			if letters(part) <= 5 || seen[strings.ToLower(part)] || ownHas(part) {
				continue
			}
			seen[strings.ToLower(part)] = true
			checks = append(checks, word(part))
		}
	}
	for _, w := range englishWords {
		if !ownHas(w) {
			checks = append(checks, word(w))
		}
	}
	if len(checks) < 100 {
		l.fatal = fmt.Sprintf("%s: only %d checks: the catalogue was not read", lang, len(checks))
	}
	l.checks = append(checks, rawPeriodID, regexp.MustCompile(`\b(Q[1-4]|H[12]) \d{4}\b|\bW\d{2}\b`))
	return l
}

// rawPeriodID is a period id as kpi writes it, which no page may print.
var rawPeriodID = regexp.MustCompile(`\b(FY)?\d{4}-(Q|H|W)\d{1,2}\b`)

func letters(s string) int {
	n := 0
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			n++
		}
	}
	return n
}

// excerpt shows m with some of the text around it.
func excerpt(s, m string) string {
	i := strings.Index(s, m)
	from, to := max(0, i-40), min(len(s), i+len(m)+40)
	for from > 0 && !utf8Start(s[from]) {
		from--
	}
	for to < len(s) && !utf8Start(s[to]) {
		to++
	}
	return s[from:to]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// TestPeriodNames renders the digest of every role for a period of every
// grain in en, fr and es: no page, chart or email prints a period id
// ("2026-Q3") or a period name in lower case ("t3 2026"), and the header
// names the period in the reader's language ("Q3 2026", "T3 2026").
func TestPeriodNames(t *testing.T) {
	ds := demoData().Dataset
	tpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	people := map[Kind]string{KindRep: "zoe.rousseau@example.com", KindManager: "jose.dominguez@example.com", KindDirector: "francois.marchand@example.com"}
	for _, id := range []string{"2026-W47", "2026-10", "2026-Q3", "2026-H1", "2025"} {
		per := pid(id)
		for _, k := range []Kind{KindRep, KindManager, KindDirector} {
			s, err := NewSet(ds, k, per, demoAsOf, demoOptions())
			if err != nil {
				t.Fatalf("%s %s: %v", id, k, err)
			}
			for _, lang := range []string{"en", "fr", "es"} {
				loc := locale.New(lang)
				checks := []*regexp.Regexp{rawPeriodID}
				if lang != "en" {
					checks = englishChecks(t, lang)
				}
				// A period's name keeps its capital mid-sentence.
				checks = append(checks, regexp.MustCompile(`\b([qht][1-4]|s[12]|w\d{2}) \d{4}\b`))
				texts := digestTexts(t, s, *person(t, ds, people[k]), lang, tpl)
				for _, x := range texts {
					fx := fold(x)
					for _, re := range checks {
						if m := findIn(re, fx); m != "" {
							t.Errorf("%s %s %s: %q in %q", id, k, lang, strings.TrimSpace(m), excerpt(x, m))
						}
					}
				}
				var name string
				switch per.Kind {
				case kpi.Quarter:
					name = loc.Quarter(per.N, "2026")
				case kpi.Half:
					name = loc.Half(per.N, "2026")
				case kpi.Year:
					name = "2025"
				default:
					continue
				}
				if !strings.HasPrefix(texts[1], name+" · ") {
					t.Errorf("%s %s %s: header period %q, want it to start with %q", id, k, lang, texts[1], name)
				}
			}
		}
	}
}

// TestStageNames checks the stages of a rep's pipeline chart and to-do
// list: a stage the dataset ties to a canonical one prints in the reader's
// language, any other as the CRM names it.
func TestStageNames(t *testing.T) {
	ds := demoData().Dataset
	canonical := map[string]bool{}
	for _, k := range crm.StageKinds {
		canonical[k.String()] = true
	}
	var rep *crm.Person
	for i := range ds.People {
		if KindOf(ds.People[i].Role) == KindRep {
			rep = &ds.People[i]
			break
		}
	}
	// unmapped is the demo dataset with no stage tied to a canonical one,
	// as a CRM whose preset knows none of its names.
	unmapped := *ds
	unmapped.StageKinds = nil
	plain, err := NewSet(&unmapped, KindRep, pid(demoPeriods[KindRep]), demoAsOf, demoOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "fr", "es"} {
		loc := locale.New(lang)
		translated := map[string]bool{}
		for _, k := range crm.StageKinds {
			key := strings.ToUpper(k.String()[:1]) + k.String()[1:]
			translated[loc.T(key)] = true
			if lang != "en" && loc.T(key) == key && key != "Qualification" {
				t.Errorf("%s: stage %q has no translation", lang, key)
			}
		}
		for _, tc := range []struct {
			set  *Set
			want map[string]bool
		}{{sets(t)[KindRep], translated}, {plain, stageNameSet(ds)}} {
			p := *rep
			p.Locale = lang
			d, err := tc.set.Digest(&p)
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for _, bl := range d.Blocks {
				if bl.Chart != nil && bl.Chart.Kind == ChartPipeline {
					labels = append(labels, bl.Chart.Labels...)
				}
			}
			if len(labels) < 2 {
				t.Fatalf("%s: %s has %d pipeline stages, too few to test", lang, p.Email, len(labels))
			}
			for _, l := range labels {
				if !tc.want[l] {
					t.Errorf("%s: stage %q, want one of %v", lang, l, tc.want)
				}
			}
		}
	}
}

func stageNameSet(ds *crm.Dataset) map[string]bool {
	out := map[string]bool{}
	for _, n := range ds.Stages.All() {
		out[n] = true
	}
	return out
}

// usted lists the usted forms a Spanish digest could address its reader
// with. "su"/"sus" also mean "its"/"their" ("el equipo ... su rango
// habitual"), so the list names the phrases addressed to the reader, in
// the usted form the catalogue once held and its likely neighbours, rather
// than every "su".
var usted = wordsRe(`usted|ustedes|a su nombre|su (puesto|resumen|cartera|equipo|atención|administrador)|sus (equipos|cifras|resultados|exportaciones|oportunidades)|se ha incorporado|le (ha|han) (sido )?redirigido|escriba|consulte|revise|compruebe`)

// TestFrenchRegister checks that French speaks to its reader as vous
// everywhere: no tu, ton, ta, tes, toi in the catalogue or in any rendered
// demo digest or email, and vous or votre in every kind of digest.
func TestFrenchRegister(t *testing.T) {
	fr := locale.New("fr")
	tu := wordsRe(`tu|ton|ta|tes|toi|t'as|t'es`)
	for _, k := range locale.Keys() {
		if m := tu.FindString(fr.T(k)); m != "" {
			t.Errorf("catalogue %q: %q in %q", k, m, fr.T(k))
		}
	}
	found := map[string]bool{}
	vous := wordsRe(`vous|votre|vos`)
	for _, r := range renderLanguage(t, "fr") {
		for _, s := range r.texts {
			if m := tu.FindString(s); m != "" {
				t.Errorf("%s %s: %q in %q", r.kind, r.who, m, excerpt(s, m))
			}
			found[r.kind] = found[r.kind] || vous.MatchString(s)
		}
	}
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		if !found[string(k)] {
			t.Errorf("no %s digest or email addresses its reader as vous", k)
		}
	}
}

// TestActivityNames checks that every canonical activity type prints in
// the reader's language, each under its own name.
func TestActivityNames(t *testing.T) {
	en := &builder{loc: locale.New("en")}
	for _, lang := range []string{"fr", "es"} {
		b := &builder{loc: locale.New(lang)}
		seen := map[string]crm.ActivityType{}
		for _, a := range crm.ActivityTypes {
			name := b.activityName(a.String())
			if name == en.activityName(a.String()) && !slices.Contains(sameWords[lang], name) {
				t.Errorf("%s: activity type %s prints in English: %q", lang, a, name)
			}
			if prev, ok := seen[name]; ok {
				t.Errorf("%s: activity types %s and %s both print as %q", lang, prev, a, name)
			}
			seen[name] = a
		}
	}
}

// TestSpanishRegister checks that Spanish speaks to its reader as tú
// everywhere, as the emails do: no usted form in the catalogue, the email
// templates or any rendered demo digest.
func TestSpanishRegister(t *testing.T) {
	es := locale.New("es")
	for _, k := range locale.Keys() {
		if m := usted.FindString(es.T(k)); m != "" {
			t.Errorf("catalogue %q: usted form %q in %q", k, m, es.T(k))
		}
	}
	found := map[string]bool{}
	tu := wordsRe(`tu|tus|te`)
	for _, r := range renderLanguage(t, "es") {
		for _, s := range r.texts {
			if m := usted.FindString(s); m != "" {
				t.Errorf("%s %s: usted form %q in %q", r.kind, r.who, m, excerpt(s, m))
			}
			if tu.MatchString(s) {
				found[r.kind] = true
			}
		}
	}
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		if !found[string(k)] {
			t.Errorf("no %s digest or email addresses its reader as tú", k)
		}
	}
}

// TestFrenchTypography checks the French digests and emails of the demo
// organisation: a no-break space (U+00A0, standing for the narrow one the
// fonts lack) before : ; ! ? and no quotation marks but « ». The PDF text is
// left out, as pdftotext turns every no-break space into a space. The
// plain-text email is read line by line, less the lines that are only a
// link (a URL has its own colon).
func TestFrenchTypography(t *testing.T) {
	tpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ds := demoData().Dataset
	bad := []struct {
		what string
		re   *regexp.Regexp
	}{
		{"no no-break space before the mark", regexp.MustCompile(`[^\x{a0}\x{202f}][;!?]|[^\x{a0}\x{202f}\d]:(\s|$)`)},
		{"quotation marks other than « »", regexp.MustCompile(`["“”„]`)},
		{"« » without a no-break space inside", regexp.MustCompile(`«[^\x{a0}\x{202f}]|[^\x{a0}\x{202f}]»`)},
	}
	n := 0
	for i := range ds.People {
		p := ds.People[i]
		p.Locale = "fr"
		d, err := sets(t)[KindOf(p.Role)].Digest(&p)
		if err != nil {
			t.Fatal(err)
		}
		e := d.Email()
		e.Preview = i == 0 // one email says whom it was meant for
		em, err := tpl.Render(e)
		if err != nil {
			t.Fatal(err)
		}
		texts := append(modelTexts(d), em.Subject, htmlText(em.HTML))
		for _, line := range strings.Split(em.Text, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "http") && !strings.Contains(l, "://") {
				texts = append(texts, l)
			}
		}
		for _, s := range blankData(ds, texts) {
			n++
			for _, b := range bad {
				if m := b.re.FindString(s); m != "" {
					t.Errorf("%s: %s: %q in %q", p.Email, b.what, m, excerpt(s, m))
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d strings read", n)
	}
}

// TestEmailPeriodMidSentence renders the demo emails in French and
// Spanish: their subject and intro name the period mid-sentence, where a
// month or the word for week is lower-case ("pour octobre 2026"), though the
// PDF's header starts with a capital.
func TestEmailPeriodMidSentence(t *testing.T) {
	tpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ds := demoData().Dataset
	bad := []*regexp.Regexp{monthAfterWord(), regexp.MustCompile(`\b(pour|de|du|para|del) (Semaine|Semana)\b`)}
	for _, lang := range []string{"fr", "es"} {
		kinds := map[Kind]bool{}
		for i := range ds.People {
			p := ds.People[i]
			p.Locale = lang
			k := KindOf(p.Role)
			d, err := sets(t)[k].Digest(&p)
			if err != nil {
				t.Fatal(err)
			}
			em, err := tpl.Render(d.Email())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{em.Subject, em.Text, htmlText(em.HTML)} {
				if !strings.Contains(s, d.inText) {
					t.Fatalf("%s %s: the email does not name the period %q", lang, p.Email, d.inText)
				}
				for _, re := range bad {
					if m := re.FindString(s); m != "" {
						t.Errorf("%s %s: %q in %q", lang, p.Email, m, excerpt(s, m))
					}
				}
			}
			kinds[k] = true
		}
		if len(kinds) != 3 {
			t.Fatalf("%s: emails of %d kinds, want rep, manager and director", lang, len(kinds))
		}
	}
}

// wordsRe matches any of the alternatives as whole words, in any case;
// Go's \b knows only ASCII letters, and would find "tes" in "complètes".
func wordsRe(alt string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)(^|[^\pL])(` + alt + `)($|[^\pL])`)
}

// TestPeriodNameForms checks the name of a period of each kind, calendar
// and fiscal, in each language: the forms docs/REPORTS.md lists.
func TestPeriodNameForms(t *testing.T) {
	tests := []struct {
		id         string
		fiscal     time.Month
		en, fr, es string
	}{
		{"2026-W05", 0, "W05 2026", "S05 2026", "S05 2026"},
		{"2026-10", 0, "Oct 2026", "oct. 2026", "oct 2026"},
		{"2026-Q3", 0, "Q3 2026", "T3 2026", "T3 2026"},
		{"2026-H2", 0, "H2 2026", "S2 2026", "S2 2026"},
		{"2026", 0, "2026", "2026", "2026"},
		{"FY2027-Q1", time.April, "Q1 FY2027", "T1 exercice 2027", "T1 ejercicio 2027"},
		{"FY2027-H2", time.April, "H2 FY2027", "S2 exercice 2027", "S2 ejercicio 2027"},
		{"FY2027", time.April, "FY2027", "exercice 2027", "ejercicio 2027"},
	}
	for _, tt := range tests {
		p, err := kpi.ParsePeriod(tt.id, tt.fiscal)
		if err != nil {
			t.Fatal(err)
		}
		for lang, want := range map[string]string{"en": tt.en, "fr": tt.fr, "es": tt.es} {
			b := &builder{loc: locale.New(lang)}
			if got := b.periodName(p); got != want {
				t.Errorf("%s %s: %q, want %q", tt.id, lang, got, want)
			}
		}
	}
}

// TestFrenchFirstOfMonth renders the demo directors' digests (October,
// with the year to date from 1 January) and emails in each language: French
// writes the first of a month "1er" (premier) wherever a date is printed
// (page, model, email), English and Spanish the cardinal ("1 Jan", "1 ene").
func TestFrenchFirstOfMonth(t *testing.T) {
	ds := demoData().Dataset
	// A day 1 before a month, as a cardinal, and the French ordinal.
	first := func(lang string) *regexp.Regexp {
		var ms []string
		for m := time.January; m <= time.December; m++ {
			ms = append(ms, regexp.QuoteMeta(locale.New(lang).ShortMonth(m)), regexp.QuoteMeta(locale.New(lang).Month(m)))
		}
		return regexp.MustCompile(`(^|[^\d])1(er)?[ \x{a0}](` + strings.Join(ms, "|") + `)`)
	}
	want := map[string]string{"en": "1 Jan", "fr": "1er janv.", "es": "1 ene"}
	for _, lang := range []string{"en", "fr", "es"} {
		re := first(lang)
		seen := 0
		for _, p := range Recipients(ds, KindDirector) {
			texts := demoTexts(t, p, lang)
			all := strings.Join(texts, "\n")
			if !strings.Contains(all, want[lang]) {
				t.Errorf("%s %s: no %q (the year to date starts on 1 January)", lang, p.Email, want[lang])
			}
			for _, m := range re.FindAllStringSubmatch(all, -1) {
				seen++
				if ordinal := m[2] == "er"; ordinal != (lang == "fr") {
					t.Errorf("%s %s: %q", lang, p.Email, strings.TrimSpace(m[0]))
				}
			}
		}
		if seen == 0 {
			t.Errorf("%s: no first of a month printed in any director's digest", lang)
		}
	}
}
