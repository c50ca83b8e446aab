// Package crmlink makes links into the CRM: a URL template per record kind
// (deal, account, activity, person) with the record's id put in its place,
// escaped. config parses and checks the templates once; report fills them
// for every id it prints, in the PDF and in the email.
package crmlink

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Kind is a kind of CRM record that can be linked.
type Kind string

// The record kinds, as config.yaml names them under links:.
const (
	Deal     Kind = "deal"
	Account  Kind = "account"
	Activity Kind = "activity"
	Person   Kind = "person"
)

// Kinds lists the record kinds in the order config.yaml documents them.
var Kinds = []Kind{Deal, Account, Activity, Person}

// Set holds one URL template per kind, each with its parameters filled in
// and only {id} left. The zero Set links nothing.
type Set struct {
	tmpl map[Kind]string
}

// URL returns the link to the record of kind k with id, or "" when there
// is no template for k or no id.
func (s Set) URL(k Kind, id string) string {
	t := s.tmpl[k]
	id = strings.TrimSpace(id)
	if t == "" || id == "" {
		return ""
	}
	return strings.ReplaceAll(t, "{id}", Escape(id))
}

// Has reports whether s links records of kind k.
func (s Set) Has(k Kind) bool { return s.tmpl[k] != "" }

// Empty reports whether s links nothing.
func (s Set) Empty() bool { return len(s.tmpl) == 0 }

// Escape writes id for any part of a URL: every byte but the unreserved
// ones (RFC 3986: letters, digits, - . _ ~) is percent-encoded, so an id
// holding "/", "?", "#", "&" or a space stays one path segment or one
// query value, whichever the template puts it in.
func Escape(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// Error says which template is wrong and why; Key is the config key
// ("deal", "instance").
type Error struct {
	Key string
	Err error
}

func (e *Error) Error() string { return e.Key + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// Parse checks templates (by kind) and fills in params, the values that
// stand for {name} placeholders ({instance}, {portal}...). Each template
// must name {id} and only placeholders that params holds, and must give an
// absolute http or https URL. A kind with an empty template links nothing.
func Parse(templates map[Kind]string, params map[string]string) (Set, error) {
	s := Set{tmpl: map[Kind]string{}}
	var unknown []string
	for k := range templates {
		if !known(k) {
			unknown = append(unknown, string(k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Set{}, &Error{unknown[0], fmt.Errorf("unknown record kind (expected deal, account, activity or person)")}
	}
	for _, k := range Kinds {
		ks := string(k)
		t := strings.TrimSpace(templates[k])
		if t == "" {
			continue
		}
		hasID := false
		var bad error
		filled := placeholder.ReplaceAllStringFunc(t, func(m string) string {
			name := m[1 : len(m)-1]
			if name == "id" {
				hasID = true
				return m
			}
			v, ok := params[name]
			if !ok && bad == nil {
				bad = fmt.Errorf("unknown placeholder %s in %q (expected {id}%s)", m, t, paramList(params))
			} else if v == "" && bad == nil {
				bad = fmt.Errorf("placeholder %s in %q has no value: set links.%s", m, t, name)
			}
			return v
		})
		if bad != nil {
			return Set{}, &Error{ks, bad}
		}
		if strings.ContainsAny(strings.ReplaceAll(filled, "{id}", ""), "{}") {
			return Set{}, &Error{ks, fmt.Errorf("%q has an unclosed or nested brace", t)}
		}
		if !hasID {
			return Set{}, &Error{ks, fmt.Errorf("%q has no {id} placeholder", t)}
		}
		u, err := url.Parse(strings.ReplaceAll(filled, "{id}", "x"))
		if err != nil {
			return Set{}, &Error{ks, fmt.Errorf("%q is not a URL: %v", t, err)}
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return Set{}, &Error{ks, fmt.Errorf("%q is not an absolute http or https URL", filled)}
		}
		// An id in the host would make each record a different site, and
		// most escaped ids an invalid host.
		if v, err := url.Parse(strings.ReplaceAll(filled, "{id}", "y")); err != nil || v.Host != u.Host {
			return Set{}, &Error{ks, fmt.Errorf("%q puts {id} in the host: it belongs in the path, query or fragment", t)}
		}
		s.tmpl[k] = filled
	}
	return s, nil
}

func known(k Kind) bool {
	for _, have := range Kinds {
		if k == have {
			return true
		}
	}
	return false
}

func paramList(params map[string]string) string {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, "{"+n+"}")
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return " or " + strings.Join(names, ", ")
}
