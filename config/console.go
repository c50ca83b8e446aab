package config

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// EnvConsoleUsers names the environment variable that may hold console
// users, as users_file does: one "name:bcrypt-hash" a line.
const EnvConsoleUsers = "CRMDIGEST_CONSOLE_USERS"

// Console configures the web console that `daemon` and `serve` serve on
// daemon.listen.
type Console struct {
	// Auth is "password" (the default: users log in) or "none", which the
	// console accepts on a loopback address only.
	Auth string `yaml:"auth"`
	// UsersFile holds one "name:bcrypt-hash" a line (# comments allowed).
	// Passwords are never written in the config itself.
	UsersFile string `yaml:"users_file"`
	// TLSCert and TLSKey serve the console over HTTPS.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// TrustedProxy lists the addresses (IPs or CIDR prefixes) of reverse
	// proxies whose X-Forwarded-Proto and X-Forwarded-For are believed.
	TrustedProxy []string `yaml:"trusted_proxy"`
	// SessionTTL is how long a login lasts (default 12h).
	SessionTTL time.Duration `yaml:"session_ttl"`

	// Users maps a user name to its bcrypt hash, read from UsersFile and
	// the environment variable EnvConsoleUsers by Load.
	Users map[string][]byte `yaml:"-"`
	// Proxies are TrustedProxy parsed.
	Proxies []netip.Prefix `yaml:"-"`
}

func (c *Console) resolve(abs func(string) string) {
	c.UsersFile = abs(c.UsersFile)
	c.TLSCert = abs(c.TLSCert)
	c.TLSKey = abs(c.TLSKey)
}

// validate checks the section and reads the users: a line that is not
// "name:bcrypt-hash" (a password in plain text, say) is an error naming
// the file and line.
func (c *Console) validate() error {
	switch c.Auth {
	case "":
		c.Auth = "password"
	case "password", "none":
	default:
		return &FieldError{"console.auth", c.Auth, "expected password or none"}
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.SessionTTL < time.Minute {
		return &FieldError{"console.session_ttl", c.SessionTTL.String(), "expected a duration of a minute or more, such as 12h"}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return &FieldError{"console.tls_cert", c.TLSCert, "tls_cert and tls_key go together"}
	}
	for _, f := range []struct{ field, path string }{{"console.tls_cert", c.TLSCert}, {"console.tls_key", c.TLSKey}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return &FieldError{f.field, f.path, "cannot read the file"}
		}
	}
	c.Proxies = nil
	for i, p := range c.TrustedProxy {
		pre, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return &FieldError{fmt.Sprintf("console.trusted_proxy[%d]", i), p, "expected an IP address or a CIDR prefix such as 10.0.0.0/8"}
			}
			pre = netip.PrefixFrom(a, a.BitLen())
		}
		c.Proxies = append(c.Proxies, pre.Masked())
	}
	c.Users = map[string][]byte{}
	if c.UsersFile != "" {
		data, err := os.ReadFile(c.UsersFile)
		if err != nil {
			return &FieldError{"console.users_file", c.UsersFile, "cannot read the file"}
		}
		if err := parseUsers(c.Users, data, c.UsersFile); err != nil {
			return err
		}
	}
	if v, ok := os.LookupEnv(EnvConsoleUsers); ok {
		if err := parseUsers(c.Users, []byte(v), "environment variable "+EnvConsoleUsers); err != nil {
			return err
		}
	}
	return nil
}

// parseUsers reads "name:hash" lines into users. The hash must be bcrypt:
// a plain-text password is refused (and not repeated in the error).
func parseUsers(users map[string][]byte, data []byte, where string) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return fmt.Errorf("console users: %s, line %d: expected name:bcrypt-hash", where, n)
		}
		if strings.ContainsAny(name, " \t<>&\"'") {
			return fmt.Errorf("console users: %s, line %d: user name %q holds a space or markup character", where, n, name)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return fmt.Errorf("console users: %s, line %d: the password of %q is not a bcrypt hash (store hashes, never passwords: make one with `crmdigest serve --hash-password`)", where, n, name)
		}
		if _, dup := users[name]; dup {
			return fmt.Errorf("console users: %s, line %d: user %q appears twice", where, n, name)
		}
		users[name] = []byte(hash)
	}
	return sc.Err()
}
