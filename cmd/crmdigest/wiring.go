package main

import (
	"context"
	"errors"
	"time"

	"github.com/crmdigest/crmdigest/config"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/internal/clock"
	"github.com/crmdigest/crmdigest/sources"
)

// env is what most commands need: the configuration and its clock.
type env struct {
	cfg *config.Config
}

func loadEnv(path string) (*env, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return &env{cfg: cfg}, nil
}

// now is the configuration's clock: the pinned demo clock, else the real one.
func (e *env) now() time.Time {
	if !e.cfg.Organisation.Now.IsZero() {
		return e.cfg.Organisation.Now
	}
	return clock.Now()
}

// load reads every source. A *sources.FatalError comes back with the
// dataset of the sources that could be read, so check can still print them.
func (e *env) load(ctx context.Context) (*crm.Dataset, error) {
	o := e.cfg.Organisation
	return sources.Load(ctx, e.cfg.Sources, sources.Options{
		Location: o.Location,
		Currency: o.Currency,
		Rates:    o.Rates,
		Now:      e.now,
	})
}

// isFatalSources reports whether err only says that some sources failed.
func isFatalSources(err error) bool {
	var fe *sources.FatalError
	return errors.As(err, &fe)
}
