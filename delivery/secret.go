package delivery

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Secret is a password or token. Every way of printing it (fmt, slog, JSON,
// YAML) shows "[redacted]", so a config or an error that holds one cannot
// leak it into logs or the run history.
type Secret string

const redacted = "[redacted]"

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString hides the value from %#v too.
func (s Secret) GoString() string { return fmt.Sprintf("delivery.Secret(%q)", s.String()) }

// LogValue hides the value from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText hides the value from encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the secret itself, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// ReadSecretFile reads a password or token from a file, without its final
// line break. The file is read at each SMTP session, so an OAuth token kept
// fresh by another program is picked up.
func ReadSecretFile(path string) (Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read secret file: %w", err)
	}
	return Secret(strings.TrimRight(string(b), "\r\n")), nil
}
