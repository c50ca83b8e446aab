package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/kpi"
	"github.com/crmdigest/crmdigest/locale"
)

// pageRange is the number of pages each digest may take.
var pageRange = map[Kind][2]int{KindRep: {1, 2}, KindManager: {2, 4}, KindDirector: {2, 6}}

// TestEveryDemoPDF renders the digest of every person of the demo
// organisation and checks that the PDF is valid, that its page count is
// in range, and that the kpi figures it reports appear in the text,
// formatted in the person's locale.
func TestEveryDemoPDF(t *testing.T) {
	ss := sets(t)
	ds := demoData().Dataset
	for i := range ds.People {
		p := &ds.People[i]
		k := KindOf(p.Role)
		s := ss[k]
		t.Run(string(k)+"/"+p.Email, func(t *testing.T) {
			d, pdf := render(t, s, p)
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatal("not a PDF")
			}
			text := pdfText(t, pdf)
			if n := pageCount(t, pdf); n < pageRange[k][0] || n > pageRange[k][1] {
				t.Errorf("%d pages, want %d to %d", n, pageRange[k][0], pageRange[k][1])
			}
			for _, bad := range []string{"NaN", "%!", "+Inf", "-Inf", "MISSING"} {
				if strings.Contains(text, bad) {
					t.Errorf("text contains %q", bad)
				}
			}
			if !strings.Contains(text, normalize(d.Headline[:min(40, len(d.Headline))])) && !strings.Contains(strings.ReplaceAll(text, "\n", " "), normalize(firstWords(d.Headline, 4))) {
				t.Errorf("headline %q not in the text", d.Headline)
			}
			loc := locale.New(p.Locale)
			for _, want := range expectedFigures(s, p, loc) {
				if !strings.Contains(text, normalize(want)) {
					t.Errorf("figure %q not in the PDF text", want)
				}
			}
		})
	}
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

// expectedFigures are figures of the kpi results, formatted in the
// reader's locale, that the reader's digest must show.
func expectedFigures(s *Set, p *crm.Person, loc locale.Locale) []string {
	money := func(v float64) string { return loc.Money(v, s.ds.Currency, 0) }
	var out []string
	switch s.Kind() {
	case KindRep:
		for _, r := range append([]*kpi.Result{s.main}, s.toDate...) {
			sc := r.Scope(kpi.ScopeRep, p.Key())
			if sc == nil {
				continue
			}
			out = append(out, money(sc.Values[kpi.WonRevenue].Value))
			if v := sc.Values[kpi.WonRevenue]; crm.Has(v.Target) && v.Target > 0 {
				// From the two amounts as printed (docs/REPORTS.md,
				// "Percentages beside their figures").
				out = append(out, loc.SignedPercent(math.Round(v.Value)/math.Round(v.Target)-1, 0))
			}
		}
		if sc := s.main.Scope(kpi.ScopeRep, p.Key()); sc != nil {
			out = append(out, money(sc.Values[kpi.PipelineValue].Value), loc.Number(sc.Values[kpi.Calls].Value, 0))
			if n := sc.AlertCount(kpi.AlertOverdue); n > 0 {
				out = append(out, "("+loc.Int(int64(n))+")")
			}
		}
	case KindManager:
		team := teamOf(p)
		for _, r := range append([]*kpi.Result{s.main}, s.toDate...) {
			if sc := r.Scope(kpi.ScopeTeam, team); sc != nil {
				out = append(out, money(sc.Values[kpi.WonRevenue].Value))
			}
		}
		if ts := s.main.Scope(kpi.ScopeTeam, team); ts != nil {
			for _, sc := range sellers(s.main, ts.Members) {
				out = append(out, sc.Name, money(sc.Values[kpi.PipelineValue].Value))
			}
		}
	case KindDirector:
		kind, key := kpi.ScopeRegion, p.Region
		if key == "" {
			kind, key = kpi.ScopeOrg, kpi.OrgKey
		}
		if sc := s.main.Scope(kind, key); sc != nil {
			v := sc.Values[kpi.WonRevenue]
			out = append(out, money(v.Value), money(v.Previous), money(v.YearAgo))
			for _, tk := range sc.Teams {
				if ts := s.main.Scope(kpi.ScopeTeam, tk); ts != nil && tk != kpi.Unassigned {
					out = append(out, ts.Name, money(ts.Values[kpi.WonRevenue].Value))
				}
			}
		}
		if ys := s.ytd.Scope(kind, key); ys != nil {
			out = append(out, money(ys.Values[kpi.WonRevenue].Value))
		}
	}
	return out
}

// TestScopingOnPDFs checks, on the text of every demo person's PDF, that
// nobody sees what they may not: a rep no other rep's name, email or
// account; a manager no rep, email or account outside their team; a
// regional director no person or team outside their region.
func TestScopingOnPDFs(t *testing.T) {
	ss := sets(t)
	ds := demoData().Dataset
	// What each person owns: owner id i is People[i] in the demo.
	accounts := make([]map[string]bool, len(ds.People))
	for i := range accounts {
		accounts[i] = map[string]bool{}
	}
	for _, d := range ds.Deals {
		if a := ds.Accounts.Name(d.Account); a != "" {
			accounts[d.Owner][a] = true
		}
	}
	for _, a := range ds.Activities {
		if n := ds.Accounts.Name(a.Account); n != "" {
			accounts[a.Owner][n] = true
		}
	}
	for i := range ds.People {
		p := &ds.People[i]
		k := KindOf(p.Role)
		t.Run(string(k)+"/"+p.Email, func(t *testing.T) {
			_, pdf := render(t, ss[k], p)
			text := strings.ReplaceAll(pdfText(t, pdf), "\n", " ")
			allowed := func(j int) bool {
				q := &ds.People[j]
				switch k {
				case KindRep:
					return j == i
				case KindManager:
					return j == i || (q.Role == crm.RoleRep && teamOf(q) == teamOf(p))
				case KindDirector:
					return p.Region == "" || q.Region == p.Region
				}
				return false
			}
			mine := map[string]bool{}
			for j := range ds.People {
				if allowed(j) {
					for a := range accounts[j] {
						mine[a] = true
					}
				}
			}
			for j := range ds.People {
				q := &ds.People[j]
				if j != i && strings.Contains(text, q.Email) {
					t.Errorf("shows the email of %s", q.Email)
				}
				if allowed(j) {
					continue
				}
				if q.Role == crm.RoleRep && containsWord(text, q.Name) {
					t.Errorf("shows %s (%s, team %s)", q.Name, q.Role, q.Team)
				}
				if k == KindDirector && q.Team != "" && strings.Contains(text, q.Team) && !sameTeamName(ds, q.Team, p.Region) {
					t.Errorf("shows the team %s of region %s", q.Team, q.Region)
				}
				for a := range accounts[j] {
					if !mine[a] && containsWord(text, a) {
						t.Errorf("shows the account %q of %s", a, q.Name)
					}
				}
			}
		})
	}
}

// sameTeamName reports whether a team of the region has that name too.
func sameTeamName(ds *crm.Dataset, team, region string) bool {
	for _, q := range ds.People {
		if q.Team == team && q.Region == region {
			return true
		}
	}
	return false
}

// TestRepRankOnly checks that the team rank shows a rank and no figure of
// another rep, and disappears without the option.
func TestRepRankOnly(t *testing.T) {
	ds := demoData().Dataset
	var rep *crm.Person
	for _, p := range Recipients(ds, KindRep) {
		if p.Locale == "en" && rep == nil {
			rep = p
		}
	}
	with := ss(t, ds, KindRep, "2026-W48", Options{Now: demoNow, TeamRank: true})
	without := ss(t, ds, KindRep, "2026-W48", Options{Now: demoNow})
	dw, _ := with.Digest(rep)
	dn, _ := without.Digest(rep)
	has := func(d *Digest) bool {
		for _, b := range d.Blocks {
			if strings.Contains(b.Paragraph, "rank") {
				return true
			}
		}
		return false
	}
	if !has(dw) || has(dn) {
		t.Errorf("rank shown with the option: %v, without: %v", has(dw), has(dn))
	}
}

func ss(t testing.TB, ds *crm.Dataset, k Kind, id string, o Options) *Set {
	t.Helper()
	s, err := NewSet(ds, k, pid(id), demoAsOf, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// containsWord reports whether s holds w not followed by a letter or
// digit, so "Zénith Logistics SA" is not found in "Zénith Logistics SAS".
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		end := i + j + len(w)
		if end == len(s) {
			return true
		}
		r, _ := utf8.DecodeRuneInString(s[end:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return true
		}
		i = i + j + 1
	}
}
