package crmlink

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// Odd ids stay one path segment or one query value: every byte but the
// unreserved ones is escaped, and url.PathUnescape gives the id back.
func TestURLEscapesOddIDs(t *testing.T) {
	s, err := Parse(map[Kind]string{
		Deal:    "https://crm.example.com/deals/{id}/view",
		Account: "https://erp.example.com/web#id={id}&model=res.partner",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"D-000163", "006Ec00000AieKOIAZ", "a/b", "x?y=1&z#w", "Zoé & Co", "100%", "  padded  ", "<script>"} {
		u := s.URL(Deal, id)
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatalf("%q: %q does not parse: %v", id, u, err)
		}
		if parsed.RawQuery != "" || parsed.Fragment != "" || strings.Count(parsed.EscapedPath(), "/") != 3 {
			t.Errorf("%q: %q escapes its path segment", id, u)
		}
		seg := strings.TrimSuffix(strings.TrimPrefix(u, "https://crm.example.com/deals/"), "/view")
		if back, _ := url.PathUnescape(seg); back != strings.TrimSpace(id) {
			t.Errorf("%q: the URL holds %q", id, back)
		}
		a, _ := url.Parse(s.URL(Account, id))
		frag := a.EscapedFragment() // "id=…&model=res.partner"
		q, err := url.ParseQuery(frag)
		if err != nil || q.Get("id") != strings.TrimSpace(id) || q.Get("model") != "res.partner" {
			t.Errorf("%q: the account link's fragment %q reads id=%q model=%q", id, frag, q.Get("id"), q.Get("model"))
		}
	}
	if got := s.URL(Deal, ""); got != "" {
		t.Errorf("an empty id links to %q", got)
	}
	if got := s.URL(Person, "p1"); got != "" {
		t.Errorf("a kind without a template links to %q", got)
	}
}

func TestParseErrorsNameTheKey(t *testing.T) {
	for _, c := range []struct {
		tmpl   map[Kind]string
		params map[string]string
		key    string
		says   string
	}{
		{map[Kind]string{Deal: "https://x.example/{id}", Account: "https://x.example/{name}"}, nil, "account", "unknown placeholder {name}"},
		{map[Kind]string{Deal: "https://{instance}/{id}"}, map[string]string{"instance": ""}, "deal", "has no value: set links.instance"},
		{map[Kind]string{Deal: "https://x.example/deals"}, nil, "deal", "no {id} placeholder"},
		{map[Kind]string{Deal: "ftp://x.example/{id}"}, nil, "deal", "not an absolute http or https URL"},
		{map[Kind]string{Deal: "/deals/{id}"}, nil, "deal", "not an absolute http or https URL"},
		{map[Kind]string{Deal: "https://x.example/{id"}, nil, "deal", "unclosed or nested brace"},
		{map[Kind]string{"lead": "https://x.example/{id}"}, nil, "lead", "unknown record kind"},
		{map[Kind]string{Deal: "https://{id}.example.com/"}, nil, "deal", "puts {id} in the host"},
	} {
		_, err := Parse(c.tmpl, c.params)
		var le *Error
		if !errors.As(err, &le) || le.Key != c.key || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%v: got %v, want an error on %s saying %q", c.tmpl, err, c.key, c.says)
		}
	}
	s, err := Parse(map[Kind]string{Deal: "https://{instance}/lightning/r/Opportunity/{id}/view", Account: ""}, map[string]string{"instance": "acme.my.salesforce.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.URL(Deal, "006A"), "https://acme.my.salesforce.com/lightning/r/Opportunity/006A/view"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if s.Has(Account) {
		t.Error("an empty template links")
	}
}

// FuzzParse: any template either is refused or gives links that parse as
// absolute http(s) URLs and carry the id escaped, whatever the id.
func FuzzParse(f *testing.F) {
	f.Add("https://{instance}/lightning/r/Opportunity/{id}/view", "006A/b?c")
	f.Add("{base}/web#id={id}&model=crm.lead", "x y&z")
	f.Add("https://x.example/{id", "1")
	f.Add("https://x.example/{{id}}", "é")
	f.Fuzz(func(t *testing.T, tmpl, id string) {
		s, err := Parse(map[Kind]string{Deal: tmpl}, map[string]string{"instance": "acme.my.salesforce.com", "base": "https://acme.odoo.com"})
		if err != nil {
			return
		}
		u := s.URL(Deal, id)
		if !s.Has(Deal) || strings.TrimSpace(id) == "" {
			if u != "" {
				t.Fatalf("an empty template or id links to %q", u)
			}
			return
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			t.Fatalf("%q with %q gives %q (%v)", tmpl, id, u, err)
		}
		if e := Escape(strings.TrimSpace(id)); !strings.Contains(u, e) {
			t.Fatalf("%q with %q: %q lacks the escaped id %q", tmpl, id, u, e)
		}
	})
}
