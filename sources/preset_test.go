package sources

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/presets")

// presetCases are the sample exports of each preset, written with that
// CRM's real headers (docs/SOURCES.md says where each comes from).
var presetCases = map[string][]Spec{
	"salesforce": {
		{Name: "opportunities", Kind: crm.KindDeals, Path: "Opportunity.csv"},
		{Name: "tasks", Kind: crm.KindActivities, Path: "Task.csv"},
		{Name: "users", Kind: crm.KindPeople, Path: "User.csv"},
	},
	"hubspot": {
		{Name: "deals", Kind: crm.KindDeals, Path: "hubspot-crm-exports-all-deals-*.csv"},
		{Name: "tasks", Kind: crm.KindActivities, Path: "tasks.csv"},
	},
	"pipedrive": {
		{Name: "deals", Kind: crm.KindDeals, Path: "deals.csv"},
		{Name: "activities", Kind: crm.KindActivities, Path: "activities.csv"},
	},
	"odoo": {
		{Name: "leads", Kind: crm.KindDeals, Path: "crm.lead.csv"},
		{Name: "activities", Kind: crm.KindActivities, Path: "mail.activity.csv"},
	},
	"crmdigest": {
		{Name: "deals", Kind: crm.KindDeals, Path: "deals.csv"},
		{Name: "activities", Kind: crm.KindActivities, Path: "activities.csv"},
		{Name: "people", Kind: crm.KindPeople, Path: "people.csv"},
	},
	"maven": {
		{Name: "deals", Kind: crm.KindDeals, Path: "sales_pipeline.csv"},
		{Name: "teams", Kind: crm.KindPeople, Path: "sales_teams.csv"},
		{Name: "products", Kind: KindProducts, Path: "products.csv"},
	},
}

// goldenNow is a day after the samples' last events.
var goldenNow = func() time.Time { return time.Date(2024, 9, 1, 12, 0, 0, 0, time.UTC) }

func TestPresetsGolden(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database: install tzdata")
	}
	for preset, specs := range presetCases {
		t.Run(preset, func(t *testing.T) {
			dir := filepath.Join("testdata", "presets", preset)
			specs := append([]Spec(nil), specs...)
			for i := range specs {
				specs[i].Preset = preset
				specs[i].Path = filepath.Join(dir, specs[i].Path)
			}
			ds, err := Load(context.Background(), specs, Options{Location: paris, Currency: "EUR",
				Rates: map[string]float64{"USD": 0.9}, Now: goldenNow})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			checkCounts(t, ds)
			got := dump(ds)
			golden := filepath.Join(dir, "golden.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestPresetsGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("dataset differs from %s (rerun with -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

// dump writes a dataset as stable text for golden files.
func dump(ds *crm.Dataset) string {
	var b strings.Builder
	f := func(v float64) string {
		if !crm.Has(v) {
			return "-"
		}
		return fmt.Sprint(v)
	}
	for _, q := range ds.Quality {
		fmt.Fprintf(&b, "source %s kind=%s file=%s export=%s read=%d accepted=%d set_aside=%d warnings=%d range=%s..%s\n",
			q.Name, q.Kind, filepath.Base(q.File), q.ExportDate, q.RowsRead, q.RowsAccepted, q.RowsSetAside, q.WarningsTotal, q.First, q.Last)
		for _, p := range q.SetAside {
			p.File = filepath.Base(p.File)
			fmt.Fprintf(&b, "  set aside: %s\n", p)
		}
		for _, p := range q.Warnings {
			p.File = filepath.Base(p.File)
			fmt.Fprintf(&b, "  warning: %s\n", p)
		}
		if len(q.UnknownOwners) > 0 {
			fmt.Fprintf(&b, "  unknown owners: %s\n", strings.Join(q.UnknownOwners, ", "))
		}
		if q.Fatal != "" {
			fmt.Fprintf(&b, "  fatal: %s\n", q.Fatal)
		}
	}
	kinds := make([]string, 0, len(ds.Fields))
	for k := range ds.Fields {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		var fs []string
		for f := range ds.Fields[crm.Kind(k)] {
			fs = append(fs, f)
		}
		sort.Strings(fs)
		fmt.Fprintf(&b, "fields %s: %s\n", k, strings.Join(fs, " "))
	}
	for _, d := range ds.Deals {
		fmt.Fprintf(&b, "deal %s owner=%q account=%q product=%q stage=%q status=%s kind=%s created=%s closed=%s expected=%s amount=%s %s margin=%s probability=%s last=%s\n",
			d.ID, ds.Owners.Name(d.Owner), ds.Accounts.Name(d.Account), ds.Products.Name(d.Product), ds.Stages.Name(d.Stage),
			d.Status, d.Kind, d.Created, d.Closed, d.ExpectedClose, f(d.Amount), ds.Currencies.Name(d.Currency), f(d.Margin), f(d.Probability), d.LastActivity)
	}
	for _, a := range ds.Activities {
		fmt.Fprintf(&b, "activity %s owner=%q type=%s due=%s done_at=%s done=%d done?=%v subject=%q deal=%q account=%q\n",
			a.ID, ds.Owners.Name(a.Owner), a.Type, a.Due, a.DoneAt, a.Done, a.IsDone(), a.Subject, a.Deal, ds.Accounts.Name(a.Account))
	}
	for _, p := range ds.People {
		fmt.Fprintf(&b, "person %q email=%s role=%s manager=%q team=%q region=%q locale=%s tz=%s crm_id=%s\n",
			p.Name, p.Email, p.Role, p.Manager, p.Team, p.Region, p.Locale, p.TimeZone, p.CRMID)
	}
	if ds.Catalogue > 0 {
		fmt.Fprintf(&b, "catalogue %d\n", ds.Catalogue)
	}
	return b.String()
}
