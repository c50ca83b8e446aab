// Package config reads config.yaml: defaults first, then strict YAML (an
// unknown key is an error), then ${VAR} expansion for secrets, then Validate,
// which names the field at fault. Paths are resolved relative to the file.
// Only cmd/crmdigest reads configuration; it hands each part its own values.
package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/sources"
	"go.yaml.in/yaml/v3"
)

// Config is the whole of config.yaml.
type Config struct {
	Organisation Organisation   `yaml:"organisation"`
	Sources      []sources.Spec `yaml:"sources"`
	Quality      Quality        `yaml:"quality"`
	KPI          KPI            `yaml:"kpi"`
	Report       Report         `yaml:"report"`
	Delivery     Delivery       `yaml:"delivery"`
	// Store is where jobs, the delivery ledger and the run history live: a
	// SQLite file path (relative to this file) or a postgres:// URL.
	Store     string     `yaml:"store"`
	Schedules []Schedule `yaml:"schedules"`
	Daemon    Daemon     `yaml:"daemon"`
	Console   Console    `yaml:"console"`
	Log       Log        `yaml:"log"`
	// Links, when set, makes ids and names in the digests links into the
	// CRM (links.go).
	Links *Links `yaml:"links"`

	// Dir is the folder of the config file; relative paths start there.
	Dir string `yaml:"-"`
}

// Organisation holds what is true for the whole sales organisation.
type Organisation struct {
	Name string `yaml:"name"`
	// TimeZone is the reporting zone: every period is cut in it.
	TimeZone string `yaml:"timezone"`
	// Currency is the reporting currency (ISO 4217).
	Currency string `yaml:"currency"`
	// Rates converts one unit of a currency into the reporting currency.
	Rates map[string]float64 `yaml:"rates"`
	// FiscalYearStart is the month (1-12) a fiscal year starts in; 0 or 1
	// means calendar years only.
	FiscalYearStart int `yaml:"fiscal_year_start"`
	// Admin receives the emails about failed runs and stale data.
	Admin string `yaml:"admin"`
	// Clock pins "now" (RFC 3339) for a demo whose data does not move; empty
	// means the real clock.
	Clock string `yaml:"clock"`

	Location *time.Location `yaml:"-"`
	Now      time.Time      `yaml:"-"` // parsed Clock, zero when unset
}

// KPI tunes the indicators; zero values take the documented defaults.
type KPI struct {
	UsualPeriods        int                `yaml:"usual_periods"`
	StaleDays           int                `yaml:"stale_days"`
	StructuralK         int                `yaml:"structural_k"`
	StructuralThreshold float64            `yaml:"structural_threshold"`
	StageProbabilities  map[string]float64 `yaml:"stage_probabilities"`
}

// Report tunes the PDF digests.
type Report struct {
	// TeamRank shows a rep their rank in the team (never others' figures).
	TeamRank bool  `yaml:"team_rank"`
	Fonts    Fonts `yaml:"fonts"`
}

// Fonts names the faces the digests use beside the embedded Go fonts.
type Fonts struct {
	// Fallback lists TrueType files (.ttf), tried in order, for the
	// letters of names the Go fonts lack: Vietnamese (DejaVu Sans),
	// Chinese, Japanese, Korean (Droid Sans Fallback). One path or a list.
	Fallback Paths `yaml:"fallback"`
}

// Paths is one path or a list of paths.
type Paths []string

// UnmarshalYAML reads a single path as a list of one.
func (p *Paths) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = Paths{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return fmt.Errorf("line %d: expected a path or a list of paths", n.Line)
	}
	*p = list
	return nil
}

// FallbackFont loads the fallback faces, nil when none is configured.
// Validate has loaded them once already, so this cannot fail after it.
func (r Report) FallbackFont() (*fonts.Fallback, error) {
	if len(r.Fonts.Fallback) == 0 {
		return nil, nil
	}
	return fonts.LoadFallback(r.Fonts.Fallback...)
}

// Delivery says how messages leave.
type Delivery struct {
	From string `yaml:"from"`
	// Transport is "outbox" (write .eml files) or "smtp".
	Transport string `yaml:"transport"`
	Outbox    string `yaml:"outbox"`
	SMTP      SMTP   `yaml:"smtp"`
	// Templates is a folder whose files override the embedded templates.
	Templates     string   `yaml:"templates"`
	RatePerMinute int      `yaml:"rate_per_minute"`
	Concurrency   int      `yaml:"concurrency"`
	MaxAttempts   int      `yaml:"max_attempts"`
	Workers       int      `yaml:"workers"`
	InDoubt       string   `yaml:"in_doubt"` // "hold" or "resend"
	Paused        []string `yaml:"paused"`
	OptOut        []string `yaml:"opt_out"`
}

// SMTP is the relay's address and credentials. Secrets come from the
// environment (${VAR}) or a file, never from the YAML itself in clear.
type SMTP struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// TLS is "starttls" (default, required), "implicit" (port 465) or
	// "none" (only with AllowInsecure, for a local relay).
	TLS           string        `yaml:"tls"`
	AllowInsecure bool          `yaml:"allow_insecure"`
	Auth          string        `yaml:"auth"` // plain, login, cram-md5, xoauth2 or ""
	Username      string        `yaml:"username"`
	Password      string        `yaml:"password"`
	PasswordFile  string        `yaml:"password_file"`
	Timeout       time.Duration `yaml:"timeout"`
}

// String hides the password, so that a config printed or logged never
// carries a secret.
func (s SMTP) String() string {
	p := ""
	if s.Password != "" || s.PasswordFile != "" {
		p = " password=[redacted]"
	}
	return fmt.Sprintf("smtp %s:%d tls=%s auth=%s user=%s%s", s.Host, s.Port, s.TLS, s.Auth, s.Username, p)
}

// Schedule is one cron-driven digest.
type Schedule struct {
	Name string `yaml:"name"`
	// Report is the digest kind: rep, manager or director.
	Report     string     `yaml:"report"`
	Recipients Recipients `yaml:"recipients"`
	// Cron is a five-field expression or a descriptor such as @monthly.
	Cron string `yaml:"cron"`
	// TimeZone is where Cron is read; "recipient" fires once per zone
	// present among the recipients, at that local time.
	TimeZone string `yaml:"timezone"`
	// Period is what the digest covers: last_week, last_month,
	// last_quarter, last_half or last_year.
	Period string `yaml:"period"`
}

// Recipients selects people from the directory. Empty fields do not filter.
type Recipients struct {
	Role   string   `yaml:"role"`
	Teams  []string `yaml:"teams"`
	Region string   `yaml:"region"`
	List   []string `yaml:"list"`
}

// Daemon tunes the long-running process.
type Daemon struct {
	Listen      string        `yaml:"listen"`
	MaxLateness time.Duration `yaml:"max_lateness"`
	MaxDataAge  time.Duration `yaml:"max_data_age"`
	StopTimeout time.Duration `yaml:"stop_timeout"`
}

// Log chooses the log format.
type Log struct {
	Format string `yaml:"format"` // text or json
	Level  string `yaml:"level"`
}

// Default returns the values a field takes when config.yaml leaves it out.
func Default() Config {
	return Config{
		Organisation: Organisation{TimeZone: "UTC", Currency: "EUR", FiscalYearStart: 1},
		Quality:      Quality{MaxSetAside: 0.01, MaxDrop: 0.20},
		KPI:          KPI{UsualPeriods: 8, StaleDays: 21, StructuralK: 3, StructuralThreshold: 2.5},
		Delivery: Delivery{
			Transport: "outbox", Outbox: "out", RatePerMinute: 0, Concurrency: 2,
			MaxAttempts: 8, Workers: 4, InDoubt: "hold",
			SMTP: SMTP{Port: 587, TLS: "starttls", Timeout: 30 * time.Second},
		},
		Store:  "crmdigest.db",
		Daemon: Daemon{Listen: "127.0.0.1:9464", MaxLateness: 6 * time.Hour, MaxDataAge: 8 * 24 * time.Hour, StopTimeout: 30 * time.Second},
		Log:    Log{Format: "text", Level: "info"},
	}
}

// Load reads, expands, resolves and validates the config file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(data, filepath.Dir(abs))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes a config document whose relative paths start at dir.
func Parse(data []byte, dir string) (*Config, error) {
	cfg := Default()
	expanded, err := expandEnv(data)
	if err != nil {
		return nil, err
	}
	// yaml's own strict decoding stays as a backstop behind checkKeys.
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && err != io.EOF {
		return nil, fmt.Errorf("parse: %w", err)
	}
	cfg.Dir = dir
	cfg.resolvePaths()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// expandEnv replaces ${VAR} in the document's values (not its comments or
// keys) with the environment's value. A variable that is not set is an
// error: a secret silently empty would only fail later, at the SMTP server,
// with a less useful message. The expanded document is then checked
// against the Config type (checkKeys), so that errors name keys by path.
func expandEnv(data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if doc.Kind == 0 {
		return data, nil // an empty document
	}
	var missing []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "$") {
			n.Value = os.Expand(n.Value, func(name string) string {
				v, ok := os.LookupEnv(name)
				if !ok {
					missing = append(missing, name)
				}
				return v
			})
		}
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				continue // keys are never expanded
			}
			walk(c)
		}
	}
	walk(&doc)
	if len(missing) > 0 {
		return nil, fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	if err := checkKeys(&doc, reflect.TypeFor[Config](), ""); err != nil {
		return nil, err
	}
	return yaml.Marshal(&doc)
}

func (c *Config) resolvePaths() {
	for i := range c.Sources {
		c.Sources[i].Path = c.Abs(c.Sources[i].Path)
	}
	c.Delivery.Outbox = c.Abs(c.Delivery.Outbox)
	c.Delivery.Templates = c.Abs(c.Delivery.Templates)
	c.Delivery.SMTP.PasswordFile = c.Abs(c.Delivery.SMTP.PasswordFile)
	c.Console.resolve(c.Abs)
	for i, f := range c.Report.Fonts.Fallback {
		c.Report.Fonts.Fallback[i] = c.Abs(f)
	}
	if !strings.Contains(c.Store, "://") {
		c.Store = c.Abs(c.Store)
	}
}

// Abs resolves a path relative to the config file's folder.
func (c *Config) Abs(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}
