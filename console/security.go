package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/jobs"
	"golang.org/x/crypto/bcrypt"
)

const (
	cookieName = "crmdigest_session"
	// Login failures allowed per address in failWindow; the next gets 429.
	maxFailures = 5
	failWindow  = 15 * time.Minute
)

// Content-Security-Policy of the pages: no script at all, styles from
// our own file, forms posting to us, framed by nobody.
const (
	cspPage    = "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	cspPDF     = "default-src 'none'; object-src 'self'; plugin-types application/pdf; frame-ancestors 'self'"
	cspEmail   = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
	ctxSession = ctxKey(0)
)

type ctxKey int

// headers sets the headers every answer carries; framed bodies (the
// preview's PDF and email) loosen frame-ancestors to 'self' themselves.
func headers(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", cspPage)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func frameable(w http.ResponseWriter, csp string) {
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
}

// loopbackHost tells whether a Host header names this machine: without a
// login, any other name may be a DNS-rebinding page in the user's browser.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// client is the address a request comes from: the peer, or the address a
// trusted proxy forwarded for.
func (s *Server) client(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	peer := ap.Addr().Unmap()
	if !s.trusted(peer) {
		return peer, false
	}
	if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
		parts := strings.Split(fwd, ",")
		if a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
			return a.Unmap(), true
		}
	}
	return peer, true
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.Proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// secure tells whether the browser reached us over HTTPS.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	_, viaProxy := s.client(r)
	return viaProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// guard wraps every console route: headers, the Host check of an open
// console, HTTPS off loopback, and the session (a login page otherwise).
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers(w)
		if s.open && !loopbackHost(r.Host) {
			http.Error(w, "this console answers to localhost only (Host "+r.Host+" refused)", http.StatusMisdirectedRequest)
			return
		}
		peer, _ := s.client(r)
		if !s.open && !peer.IsLoopback() && !s.secure(r) {
			http.Error(w, "the console is served over HTTPS only", http.StatusForbidden)
			return
		}
		if r.URL.Path == "/login" || r.URL.Path == "/static/style.css" {
			next.ServeHTTP(w, r)
			return
		}
		se, ok := s.session(w, r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "not logged in", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost && !validCSRF(r, se.CSRF) {
			http.Error(w, "missing or wrong CSRF token: reload the page and try again", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxSession, se)))
	})
}

func validCSRF(r *http.Request, want string) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// session returns the request's session. An open console gives every
// browser one without a login, so that its forms still carry a CSRF token.
func (s *Server) session(w http.ResponseWriter, r *http.Request) (jobs.Session, bool) {
	if c, err := r.Cookie(cookieName); err == nil {
		se, err := s.store.Session(r.Context(), c.Value)
		if err == nil {
			return se, true
		}
		if !errors.Is(err, jobs.ErrNoSession) {
			s.log.Error("console session", "err", err)
		}
	}
	if !s.open || r.Method != http.MethodGet {
		return jobs.Session{}, false
	}
	se, err := s.startSession(w, r, "local")
	return se, err == nil
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, who string) (jobs.Session, error) {
	token, se, err := s.store.CreateSession(r.Context(), who, s.cfg.SessionTTL)
	if err != nil {
		s.log.Error("console session", "err", err)
		return se, err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(r), Expires: se.Expires})
	return se, nil
}

func sessionOf(r *http.Request) jobs.Session {
	se, _ := r.Context().Value(ctxSession).(jobs.Session)
	return se
}

// dummyHash is compared against when the user is unknown, so that a
// wrong name takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.open {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodGet {
		s.loginPage(w, r, http.StatusOK, "")
		return
	}
	// Double-submit token: a login form posted from another site lacks
	// the cookie (SameSite=Strict) or the field.
	c, err := r.Cookie(loginCookie)
	if err != nil || !validCSRF(r, c.Value) {
		http.Error(w, "missing or wrong CSRF token: reload the login page and try again", http.StatusForbidden)
		return
	}
	peer, _ := s.client(r)
	addr := peer.String()
	n, err := s.store.LoginFailures(r.Context(), addr, failWindow)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n >= maxFailures {
		w.Header().Set("Retry-After", "900")
		http.Error(w, "too many failed logins from your address: wait 15 minutes", http.StatusTooManyRequests)
		return
	}
	name := r.PostFormValue("user")
	hash, ok := s.cfg.Users[name]
	if !ok {
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(r.PostFormValue("password"))) != nil || !ok {
		if _, err := s.store.RecordLoginFailure(r.Context(), addr, failWindow); err != nil {
			s.log.Error("console login failure", "err", err)
		}
		s.log.Warn("console login failed", "addr", addr)
		s.loginPage(w, r, http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	if _, err := s.startSession(w, r, name); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("console login", "user", name, "addr", addr)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

const loginCookie = "crmdigest_login"

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	// Keep the token of an earlier visit: a second tab, or the browser's
	// own request for /favicon.ico (sent here too), must not void the
	// form already shown.
	token := newToken()
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == 64 {
		token = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: 3600})
	s.renderStatus(w, r, status, "login", map[string]any{"Error": msg, "LoginCSRF": token})
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		_ = s.store.DeleteSession(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r)})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
