package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadGood(t *testing.T) {
	t.Setenv("CRMDIGEST_TEST_SMTP_PASSWORD", "s3cret")
	cfg, err := Load("testdata/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs("testdata")
	if got, want := cfg.Sources[0].Path, filepath.Join(dir, "data/demo.xlsx"); got != want {
		t.Errorf("source path = %q, want %q (relative to the config file)", got, want)
	}
	if got, want := cfg.Store, filepath.Join(dir, "state/crmdigest.db"); got != want {
		t.Errorf("store = %q, want %q", got, want)
	}
	if cfg.Delivery.SMTP.Password != "s3cret" {
		t.Errorf("password not expanded from the environment")
	}
	if strings.Contains(cfg.Delivery.SMTP.String(), "s3cret") {
		t.Errorf("SMTP.String leaks the password: %s", cfg.Delivery.SMTP)
	}
	if cfg.Organisation.Location.String() != "Europe/Paris" {
		t.Errorf("location = %v", cfg.Organisation.Location)
	}
	if cfg.Daemon.MaxLateness != 12*time.Hour {
		t.Errorf("max_lateness = %v, want 12h", cfg.Daemon.MaxLateness)
	}
	// Defaults survive for what the file leaves out.
	if cfg.KPI.UsualPeriods != 8 || cfg.Delivery.InDoubt != "hold" || cfg.Daemon.MaxDataAge != 8*24*time.Hour {
		t.Errorf("defaults lost: %+v %+v", cfg.KPI, cfg.Delivery)
	}
}

// Each bad fixture must fail, naming the field at fault.
func TestLoadBad(t *testing.T) {
	want := map[string]string{
		"unknown-key":          "colour: unknown key (line 3)",
		"unknown-key-schedule": "schedules[0].timezon: unknown key (line 8); did you mean timezone?",
		"unknown-key-smtp":     "delivery.smtp.hots: unknown key (line 6); did you mean host?",
		"unknown-key-source":   "sources[1].colums: unknown key (line 8); did you mean columns?",
		"duration-no-unit":     `daemon.stop_timeout: "30": a duration needs a unit, such as 6h, 90m or 30s`,
		"bad-port":             `delivery.smtp.port: "submission": expected a whole number`,
		"negative-lateness":    `daemon.max_lateness: "-1h0m0s": expected 0 (no catch-up) or a positive duration such as 6h`,
		"bad-timezone":         "organisation.timezone",
		"bad-currency":         "organisation.currency",
		"no-sources":           "sources: at least one source",
		"dup-source":           "sources[1].name",
		"bad-transport":        "delivery.transport",
		"insecure-smtp":        "delivery.smtp.tls",
		"bad-cron":             `schedules[0].cron: "0 7 * *": expected 5 fields (minute hour day-of-month month day-of-week), found 4`,
		"bad-cron-day":         `schedules[1].cron: "0 7 * * mon-frii": day of week "frii" is not a day name (sun..sat) or number 0-7`,
		"bad-period":           "schedules[0].period",
		"bad-report":           "schedules[0].report",
		"bad-store":            "store",
		"bad-duration":         `daemon.max_lateness: "soon": not a duration such as 6h, 90m or 30s`,
		"bad-rate":             "organisation.rates.USD",
		"bad-clock":            "organisation.clock",
		"unset-env":            "CRMDIGEST_SURELY_UNSET_VARIABLE is not set",
		"bad-quality-share":    "quality.max_set_aside",
		"bad-quality-accept":   "quality.accept[0]",
		"links-placeholder":    `links.account: unknown placeholder {account_id} in "https://crm.example.com/accounts/{account_id}"`,
		"links-url":            `links.deal: "crm.example.com/deals/{id}" is not an absolute http or https URL`,
		"links-no-instance":    "links.deal: placeholder {instance} in \"https://{instance}/lightning/r/Opportunity/{id}/view\" has no value: set links.instance",
		"links-unknown-key":    "links.opportunity: unknown key (line 4)",
	}
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	if len(files) != len(want) {
		t.Fatalf("%d fixtures, %d expectations", len(files), len(want))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			_, err := Load(f)
			if err == nil {
				t.Fatal("loaded without error")
			}
			if !strings.Contains(err.Error(), want[name]) {
				t.Errorf("error %q does not name %q", err, want[name])
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks a secret: %q", err)
			}
			// Errors speak of the file, not of Go: no type names, no
			// decoder jargon.
			for _, jargon := range []string{"config.", "time.Duration", "unmarshal", "not found in type", "!!"} {
				if strings.Contains(err.Error(), jargon) {
					t.Errorf("error %q speaks Go (%q)", err, jargon)
				}
			}
		})
	}
}

// TestMaxLatenessZero proves that max_lateness: 0 (as docs/SCHEDULES.md
// writes it) and 0s both load, as zero: catch-up off.
func TestMaxLatenessZero(t *testing.T) {
	for _, v := range []string{"0", "0s", "0h", "'0'"} {
		doc := "sources: [{name: d, kind: deals, path: d.csv}]\ndelivery: {from: a@example.com}\ndaemon: {max_lateness: " + v + "}\n"
		cfg, err := Parse([]byte(doc), t.TempDir())
		if err != nil {
			t.Errorf("max_lateness: %s: %v", v, err)
			continue
		}
		if cfg.Daemon.MaxLateness != 0 {
			t.Errorf("max_lateness: %s = %v, want 0", v, cfg.Daemon.MaxLateness)
		}
	}
}

func TestFieldErrorIsTyped(t *testing.T) {
	_, err := Load("testdata/bad/bad-cron.yaml")
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "schedules[0].cron" {
		t.Fatalf("got %v, want a *FieldError for schedules[0].cron", err)
	}
}

func TestEmptyFileNeedsSources(t *testing.T) {
	p := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(p, nil, 0o600)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "sources") {
		t.Fatalf("empty config: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, p := range append(files, more...) {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "/tmp")
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}
