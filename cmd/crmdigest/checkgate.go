package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/gate"
	"github.com/crmdigest/crmdigest/internal/printable"
	"github.com/crmdigest/crmdigest/jobs"
)

// checkGate runs the data gate as run and send would, without recording
// anything: the last good loads come from the store when it exists (a
// check never creates one), so max_drop is judged only after a first run.
func checkGate(ctx context.Context, w io.Writer, e *env, ds *crm.Dataset, acceptAll bool) error {
	q := e.cfg.Quality
	set := gate.Settings{MaxSetAside: q.MaxSetAside, MaxDrop: q.MaxDrop, Accept: q.Accept, AcceptAll: acceptAll}
	last, note := lastGoodLoads(ctx, e.cfg.Store, ds)
	verdicts := gate.Judge(ds, set, last)
	var refused, accepted []gate.Breach
	for _, v := range verdicts {
		if v.Refused() {
			refused = append(refused, v.Breaches...)
		} else if v.Override != "" {
			accepted = append(accepted, v.Breaches...)
		}
	}
	fmt.Fprintf(w, "data gate (max_set_aside %g, max_drop %g): ", q.MaxSetAside, q.MaxDrop)
	switch {
	case len(refused) == 0 && len(accepted) == 0:
		fmt.Fprintln(w, "every source passes")
	case len(refused) == 0:
		fmt.Fprintf(w, "%s, accepted\n", breaches(len(accepted)))
	default:
		fmt.Fprintf(w, "%s; run and send would deliver nothing\n", breaches(len(refused)))
	}
	if note != "" {
		fmt.Fprintf(w, "  %s\n", note)
	}
	for _, b := range refused {
		fmt.Fprintf(w, "  REFUSED %s\n", printable.Escape(b.String()))
	}
	for _, b := range accepted {
		fmt.Fprintf(w, "  accepted %s\n", printable.Escape(b.String()))
	}
	fmt.Fprintln(w)
	if len(refused) > 0 {
		var rules []string
		for _, b := range refused {
			if r := b.Source + ": " + b.Rule; !slices.Contains(rules, r) {
				rules = append(rules, r)
			}
		}
		return fmt.Errorf("data gate: %s (listed above); --accept-quality or quality.accept sends anyway", strings.Join(rules, ", "))
	}
	return nil
}

// lastGoodLoads reads each source's last good load from the store, if the
// store exists; the note says why max_drop was not judged.
func lastGoodLoads(ctx context.Context, storeURL string, ds *crm.Dataset) (map[string]gate.Previous, string) {
	if !strings.Contains(storeURL, "://") {
		if _, err := os.Stat(storeURL); errors.Is(err, os.ErrNotExist) {
			return nil, "max_drop not judged: no store yet (" + storeURL + "), so no earlier load to compare with"
		}
	}
	s, err := openStore(ctx, storeURL, jobs.Options{})
	if err != nil {
		return nil, "max_drop not judged: " + err.Error()
	}
	defer s.Close()
	last := map[string]gate.Previous{}
	for _, q := range ds.Quality {
		l, ok, err := s.LastGoodLoad(ctx, q.Name)
		if err != nil {
			return nil, "max_drop not judged: " + err.Error()
		}
		if ok {
			last[q.Name] = gate.Previous{File: l.File, RowsAccepted: l.RowsAccepted, LoadedAt: l.LoadedAt}
		}
	}
	return last, ""
}

func breaches(n int) string {
	if n == 1 {
		return "1 breach"
	}
	return fmt.Sprintf("%d breaches", n)
}
