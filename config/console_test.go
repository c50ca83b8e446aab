package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

const consoleBase = "sources: [{name: d, kind: deals, path: d.csv}]\ndelivery: {from: a@example.com}\n"

func TestConsoleUsers(t *testing.T) {
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users"), []byte("# operators\nalice:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvConsoleUsers, "bob:"+string(hash))
	cfg, err := Parse([]byte(consoleBase+"console: {users_file: users, trusted_proxy: [10.0.0.0/8, 192.0.2.7]}\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Console
	if c.Auth != "password" || len(c.Users) != 2 || bcrypt.CompareHashAndPassword(c.Users["alice"], []byte("s3cret-pass")) != nil || c.Users["bob"] == nil {
		t.Errorf("console: %+v", c)
	}
	if len(c.Proxies) != 2 || c.Proxies[1].String() != "192.0.2.7/32" {
		t.Errorf("proxies: %v", c.Proxies)
	}
}

func TestConsoleBad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("plain", "alice:hunter2-in-clear\n")
	write("cert.pem", "x")
	for _, c := range []struct{ yaml, want string }{
		{"console: {auth: maybe}", `console.auth: "maybe": expected password or none`},
		{"console: {users_file: plain}", "plain, line 1: the password of \"alice\" is not a bcrypt hash"},
		{"console: {users_file: missing}", "console.users_file"},
		{"console: {tls_cert: cert.pem}", "tls_cert and tls_key go together"},
		{"console: {tls_cert: cert.pem, tls_key: nokey.pem}", "console.tls_key"},
		{"console: {trusted_proxy: [proxy.example]}", "console.trusted_proxy[0]"},
		{"console: {session_ttl: 1s}", "console.session_ttl"},
	} {
		_, err := Parse([]byte(consoleBase+c.yaml+"\n"), dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.yaml, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error repeats the password: %v", c.yaml, err)
		}
	}
}
