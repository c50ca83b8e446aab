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
		"unknown-key":        "field colour not found",
		"bad-timezone":       "organisation.timezone",
		"bad-currency":       "organisation.currency",
		"no-sources":         "sources: at least one source",
		"dup-source":         "sources[1].name",
		"bad-transport":      "delivery.transport",
		"insecure-smtp":      "delivery.smtp.tls",
		"bad-cron":           "schedules[0].cron",
		"bad-period":         "schedules[0].period",
		"bad-report":         "schedules[0].report",
		"bad-store":          "store",
		"bad-duration":       "line 3: cannot unmarshal !!str `soon` into time.Duration",
		"bad-rate":           "organisation.rates.USD",
		"bad-clock":          "organisation.clock",
		"bad-quality-share":  "quality.max_set_aside",
		"bad-quality-accept": "quality.accept[0]",
		"unset-env":          "CRMDIGEST_SURELY_UNSET_VARIABLE is not set",
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
		})
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
