package report

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/locale"
)

// TestSmallFormats scans every string of the demo organisation's rep,
// manager and director digests in en, fr and es, one rule at a time.
func TestSmallFormats(t *testing.T) {
	ds := demoData().Dataset
	rules := []struct {
		name  string
		langs []string
		bad   *regexp.Regexp
	}{
		{"a count of one is singular", []string{"en", "fr", "es"}, regexp.MustCompile(`\b1 (days|jours|días)\b`)},
		{"a space between a number and € or %", []string{"fr", "es"}, regexp.MustCompile(`\d[€%]`)},
		{"no capitalised month after a lower-case word", []string{"fr", "es"}, monthAfterWord()},
		{"no capitalised week after a preposition", []string{"fr", "es"}, regexp.MustCompile(`\b(pour|de|du|para|del) (Semaine|Semana)\b`)},
	}
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		s := sets(t)[k]
		for _, lang := range []string{"en", "fr", "es"} {
			var all []byte
			for i := range ds.People {
				p := ds.People[i]
				if KindOf(p.Role) != k {
					continue
				}
				p.Locale = lang
				d, err := s.Digest(&p)
				if err != nil {
					t.Fatalf("%s: %v", p.Email, err)
				}
				js, err := json.Marshal(d)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, js...)
			}
			if len(all) == 0 {
				t.Fatalf("no %s digest built", k)
			}
			for _, r := range rules {
				for _, l := range r.langs {
					if l != lang {
						continue
					}
					if m := r.bad.Find(all); m != nil {
						t.Errorf("%s %s: %s: found %q", k, lang, r.name, m)
					}
				}
			}
		}
	}
}

// monthAfterWord matches a month name with a capital letter right after a
// lower-case word or a comma, in French or Spanish: "pour Octobre",
// "de Octubre", "l'objectif, Octobre".
func monthAfterWord() *regexp.Regexp {
	alt := ""
	for _, lang := range []string{"fr", "es"} {
		loc := locale.New(lang)
		for m := time.January; m <= time.December; m++ {
			r := []rune(loc.Month(m))
			if alt != "" {
				alt += "|"
			}
			alt += regexp.QuoteMeta(string(append([]rune{[]rune(string(r[0]))[0] - 'a' + 'A'}, r[1:]...)))
		}
	}
	return regexp.MustCompile(`(\b\p{Ll}+|,) (` + alt + `)\b`)
}

// TestSingularDays checks that each wording of one day has its own
// translation, so "1 day" never falls back to English or to a plural.
func TestSingularDays(t *testing.T) {
	for _, key := range []string{"due %s (1 day overdue)", "expected to close %s (1 day ago)", "no activity since %s (1 day)", "(1 day before the as-of day)"} {
		for _, lang := range []string{"fr", "es"} {
			got := locale.New(lang).T(key, "x")
			if got == key || regexp.MustCompile(`\b1 (jours|días|days)\b`).MatchString(got) {
				t.Errorf("%s %q: %q", lang, key, got)
			}
		}
	}
}
