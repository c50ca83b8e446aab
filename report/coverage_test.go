package report

import (
	"strings"
	"testing"
)

// TestCoverageInReadersLanguage: when a comparison is missing because the
// export starts late, the digest says so in the reader's language (kpi
// gives the reason in fields; its English text is for the kpis command).
// Maven's won deals start on 1 March 2017, so 2017-Q2 has no full
// previous quarter.
func TestCoverageInReadersLanguage(t *testing.T) {
	ds := maven(t)
	s := ss2(t, ds, KindDirector, "2017-Q2", Options{Now: mavenNow})
	for _, c := range []struct{ email, want string }{
		{"head.of.sales@maventech.example.com", "the export's closed deals start on 1 Mar 2017"},
		{"director.east@maventech.example.com", "les affaires conclues de l'export commencent le 1er mars 2017"},
		{"director.west@maventech.example.com", "las oportunidades cerradas de la exportación empiezan el 1 mar 2017"},
	} {
		d, err := s.Digest(person(t, ds, c.email))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Headline, c.want) {
			t.Errorf("%s (%s): headline %q does not say %q", c.email, d.Locale, d.Headline, c.want)
		}
		if d.Locale != "en" && strings.Contains(d.Headline, "export's") {
			t.Errorf("%s (%s): English in the headline: %q", c.email, d.Locale, d.Headline)
		}
	}
}
