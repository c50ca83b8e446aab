package config

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/schedule"
)

// FieldError names the configuration field at fault and why.
type FieldError struct {
	Field string // a path such as schedules[1].cron
	Value string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%s: %q: %s", e.Field, e.Value, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Msg)
}

// Validate checks every field and returns the first one at fault. It also
// fills the derived fields (Location, Now).
func (c *Config) Validate() error {
	o := &c.Organisation
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil || o.TimeZone == "" {
		return &FieldError{"organisation.timezone", o.TimeZone, "not an IANA time zone such as Europe/Paris"}
	}
	o.Location = loc
	if len(o.Currency) != 3 || strings.ToUpper(o.Currency) != o.Currency {
		return &FieldError{"organisation.currency", o.Currency, "expected an ISO 4217 code such as EUR"}
	}
	for cur, r := range o.Rates {
		if len(cur) != 3 || !(r > 0) {
			return &FieldError{"organisation.rates." + cur, fmt.Sprint(r), "expected a positive rate keyed by an ISO 4217 code"}
		}
	}
	if o.FiscalYearStart < 0 || o.FiscalYearStart > 12 {
		return &FieldError{"organisation.fiscal_year_start", fmt.Sprint(o.FiscalYearStart), "expected a month from 1 to 12"}
	}
	if o.Admin != "" {
		if _, err := mail.ParseAddress(o.Admin); err != nil {
			return &FieldError{"organisation.admin", o.Admin, "not an email address"}
		}
	}
	if o.Clock != "" {
		t, err := time.Parse(time.RFC3339, o.Clock)
		if err != nil {
			return &FieldError{"organisation.clock", o.Clock, "expected an RFC 3339 time such as 2026-11-30T07:00:00+01:00"}
		}
		o.Now = t
	}

	if len(c.Sources) == 0 {
		return &FieldError{"sources", "", "at least one source is needed"}
	}
	if err := c.Quality.validate(c.Sources); err != nil {
		return err
	}
	names := map[string]bool{}
	for i, s := range c.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		if s.Name == "" {
			return &FieldError{f + ".name", "", "every source needs a name"}
		}
		if names[s.Name] {
			return &FieldError{f + ".name", s.Name, "two sources have this name"}
		}
		names[s.Name] = true
		if err := s.Validate(); err != nil {
			return &FieldError{f, "", err.Error()}
		}
	}

	if err := c.KPI.validate(); err != nil {
		return err
	}
	if err := c.Delivery.validate(); err != nil {
		return err
	}
	if c.Store == "" {
		return &FieldError{"store", "", "a SQLite file or a postgres:// URL is needed"}
	}
	if strings.Contains(c.Store, "://") && !strings.HasPrefix(c.Store, "postgres://") && !strings.HasPrefix(c.Store, "postgresql://") && !strings.HasPrefix(c.Store, "sqlite://") {
		return &FieldError{"store", redactURL(c.Store), "expected a file path, sqlite:// or postgres://"}
	}
	seen := map[string]bool{}
	for i := range c.Schedules {
		s := &c.Schedules[i]
		if err := s.validate(fmt.Sprintf("schedules[%d]", i)); err != nil {
			return err
		}
		if seen[s.Name] {
			return &FieldError{fmt.Sprintf("schedules[%d].name", i), s.Name, "two schedules have this name"}
		}
		seen[s.Name] = true
	}
	for i, f := range c.Report.Fonts.Fallback {
		if _, err := fonts.LoadFallback(f); err != nil {
			return &FieldError{fmt.Sprintf("report.fonts.fallback[%d]", i), f, err.Error()}
		}
	}
	if err := c.Daemon.validate(); err != nil {
		return err
	}
	if err := c.Console.validate(); err != nil {
		return err
	}
	if err := c.Links.validate(c.Sources); err != nil {
		return err
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return &FieldError{"log.format", c.Log.Format, "expected text or json"}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return &FieldError{"log.level", c.Log.Level, "expected debug, info, warn or error"}
	}
	return nil
}

func (k *KPI) validate() error {
	if k.UsualPeriods < 1 {
		return &FieldError{"kpi.usual_periods", fmt.Sprint(k.UsualPeriods), "expected at least 1"}
	}
	if k.StaleDays < 1 {
		return &FieldError{"kpi.stale_days", fmt.Sprint(k.StaleDays), "expected at least 1"}
	}
	if k.StructuralK < 1 {
		return &FieldError{"kpi.structural_k", fmt.Sprint(k.StructuralK), "expected at least 1"}
	}
	if !(k.StructuralThreshold > 0) {
		return &FieldError{"kpi.structural_threshold", fmt.Sprint(k.StructuralThreshold), "expected a positive number"}
	}
	for stage, p := range k.StageProbabilities {
		if !(p >= 0 && p <= 1) {
			return &FieldError{"kpi.stage_probabilities." + stage, fmt.Sprint(p), "expected a fraction from 0 to 1"}
		}
	}
	return nil
}

func (d *Delivery) validate() error {
	if d.From == "" {
		return &FieldError{"delivery.from", "", "a sender address is needed"}
	}
	if _, err := mail.ParseAddress(d.From); err != nil {
		return &FieldError{"delivery.from", d.From, "not an email address"}
	}
	switch d.Transport {
	case "outbox":
		if d.Outbox == "" {
			return &FieldError{"delivery.outbox", "", "a folder is needed with transport outbox"}
		}
	case "smtp":
		if d.SMTP.Host == "" {
			return &FieldError{"delivery.smtp.host", "", "a host is needed with transport smtp"}
		}
	default:
		return &FieldError{"delivery.transport", d.Transport, "expected outbox or smtp"}
	}
	s := &d.SMTP
	if s.Port < 1 || s.Port > 65535 {
		return &FieldError{"delivery.smtp.port", fmt.Sprint(s.Port), "expected a port from 1 to 65535"}
	}
	switch s.TLS {
	case "starttls", "implicit":
	case "none":
		if !s.AllowInsecure {
			return &FieldError{"delivery.smtp.tls", s.TLS, "plain SMTP needs allow_insecure: true (only for a local relay)"}
		}
	default:
		return &FieldError{"delivery.smtp.tls", s.TLS, "expected starttls, implicit or none"}
	}
	switch s.Auth {
	case "", "plain", "login", "cram-md5", "xoauth2":
	default:
		return &FieldError{"delivery.smtp.auth", s.Auth, "expected plain, login, cram-md5 or xoauth2"}
	}
	if s.Password != "" && s.PasswordFile != "" {
		return &FieldError{"delivery.smtp.password_file", "", "give password or password_file, not both"}
	}
	if d.RatePerMinute < 0 {
		return &FieldError{"delivery.rate_per_minute", fmt.Sprint(d.RatePerMinute), "expected 0 (no limit) or more"}
	}
	if d.Concurrency < 1 {
		return &FieldError{"delivery.concurrency", fmt.Sprint(d.Concurrency), "expected at least 1"}
	}
	if d.Workers < 1 {
		return &FieldError{"delivery.workers", fmt.Sprint(d.Workers), "expected at least 1"}
	}
	if d.MaxAttempts < 1 {
		return &FieldError{"delivery.max_attempts", fmt.Sprint(d.MaxAttempts), "expected at least 1"}
	}
	switch d.InDoubt {
	case "hold", "resend":
	default:
		return &FieldError{"delivery.in_doubt", d.InDoubt, "expected hold or resend"}
	}
	for i, a := range append(append([]string{}, d.Paused...), d.OptOut...) {
		if _, err := mail.ParseAddress(a); err != nil {
			return &FieldError{fmt.Sprintf("delivery.paused/opt_out[%d]", i), a, "not an email address"}
		}
	}
	return nil
}

func (s *Schedule) validate(f string) error {
	if s.Name == "" {
		return &FieldError{f + ".name", "", "every schedule needs a name"}
	}
	switch s.Report {
	case "rep", "manager", "director":
	default:
		return &FieldError{f + ".report", s.Report, "expected rep, manager or director"}
	}
	if _, err := schedule.ParseCron(s.Cron); err != nil {
		msg := err.Error()
		if ce, ok := errors.AsType[*schedule.CronError](err); ok {
			msg = ce.Msg // the field error quotes the expression already
		}
		return &FieldError{f + ".cron", s.Cron, msg}
	}
	if s.TimeZone != "" && s.TimeZone != "recipient" {
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			return &FieldError{f + ".timezone", s.TimeZone, "expected an IANA time zone or recipient"}
		}
	}
	ok := false
	for _, p := range schedule.Periods {
		ok = ok || p == s.Period
	}
	if !ok {
		return &FieldError{f + ".period", s.Period, "expected one of " + strings.Join(schedule.Periods, ", ")}
	}
	if r := s.Recipients.Role; r != "" && r != "rep" && r != "manager" && r != "director" {
		return &FieldError{f + ".recipients.role", r, "expected rep, manager or director"}
	}
	return nil
}

func (d *Daemon) validate() error {
	if d.MaxLateness < 0 {
		return &FieldError{"daemon.max_lateness", d.MaxLateness.String(), "expected 0 (no catch-up) or a positive duration such as 6h"}
	}
	if d.MaxDataAge <= 0 {
		return &FieldError{"daemon.max_data_age", d.MaxDataAge.String(), "expected a positive duration such as 192h"}
	}
	if d.StopTimeout <= 0 {
		return &FieldError{"daemon.stop_timeout", d.StopTimeout.String(), "expected a positive duration such as 30s"}
	}
	return nil
}

// redactURL hides a password in a store URL before it reaches a message.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	userinfo := u[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return u[:scheme+3] + userinfo[:i] + ":xxxxx" + u[at:]
	}
	return u
}
