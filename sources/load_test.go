package sources

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

var fixedNow = func() time.Time { return time.Date(2024, 6, 30, 12, 0, 0, 0, time.UTC) }

func loadOne(t *testing.T, spec Spec, opts Options) (*crm.Dataset, crm.SourceReport, error) {
	t.Helper()
	if spec.Name == "" {
		spec.Name = "src"
	}
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	ds, err := Load(context.Background(), []Spec{spec}, opts)
	if ds == nil {
		t.Fatalf("Load returned no dataset: %v", err)
	}
	checkCounts(t, ds)
	return ds, ds.Quality[0], err
}

// checkCounts asserts the invariant of every report.
func checkCounts(t *testing.T, ds *crm.Dataset) {
	t.Helper()
	for _, q := range ds.Quality {
		if q.RowsRead != q.RowsAccepted+q.RowsSetAside {
			t.Errorf("source %s: read %d != accepted %d + set aside %d", q.Name, q.RowsRead, q.RowsAccepted, q.RowsSetAside)
		}
		if len(q.SetAside) > q.RowsSetAside || len(q.Warnings) > q.WarningsTotal {
			t.Errorf("source %s: more problems kept than counted", q.Name)
		}
	}
}

func TestLoadMissingColumn(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "deals.csv")
	os.WriteFile(bad, []byte("id,Deal owner,stage,amount\n1,Ann,won,10\n"), 0o644)
	good := filepath.Join(dir, "people.csv")
	os.WriteFile(good, []byte("name,email\nAnn,ann@example.com\n"), 0o644)
	ds, err := Load(context.Background(), []Spec{
		{Name: "deals", Kind: crm.KindDeals, Path: bad},
		{Name: "people", Kind: crm.KindPeople, Path: good},
	}, Options{})
	var fe *FatalError
	if !errors.As(err, &fe) || len(fe.Sources) != 1 {
		t.Fatalf("err = %v, want a FatalError for one source", err)
	}
	f := ds.Quality[0].Fatal
	for _, want := range []string{"no column for owner", `did you mean "Deal owner"?`, `"amount"`} {
		if !strings.Contains(f, want) {
			t.Errorf("fatal %q lacks %q", f, want)
		}
	}
	if !strings.Contains(err.Error(), "deals") {
		t.Errorf("error %q does not name the source", err)
	}
	if len(ds.People) != 1 || ds.Quality[1].Fatal != "" {
		t.Errorf("the good source should still be read: %+v", ds.Quality[1])
	}
}

func TestLoadFatalFiles(t *testing.T) {
	dir := t.TempDir()
	zip := filepath.Join(dir, "deals.csv")
	os.WriteFile(zip, []byte("PK\x03\x04 not really"), 0o644)
	tests := map[string]string{
		filepath.Join(dir, "missing.csv"): "no such file",
		zip:                               "zip archive",
		filepath.Join(dir, "none-*.csv"):  "no file matches",
		dir:                               "is a folder",
	}
	for path, want := range tests {
		_, q, err := loadOne(t, Spec{Kind: crm.KindDeals, Path: path}, Options{})
		if err == nil || !strings.Contains(q.Fatal, want) {
			t.Errorf("%s: fatal %q (err %v), want %q", path, q.Fatal, err, want)
		}
	}
}

func TestLoadSetAside(t *testing.T) {
	path := writeFile(t, "deals.csv", []byte(
		"id,owner,stage,created,closed,amount,currency\n"+
			"1,Ann,won,2024-01-02,2024-02-03,100,\n"+
			"2,Ann,won,2024-13-45,2024-02-03,100,\n"+ // bad date
			"3,Bob,lost,2024-01-02,,lots,\n"+ // bad amount
			"4,Bob,open,,,,\n"+ // blanks are absent
			"5,Bob,won,2024-01-02,2024-03-01,50,USD\n"+ // no rate
			"6,Bob,won,2024-01-02,2024-03-01,50,GBP\n"+
			"7,Cy,done,2024-01-02,,1,\n")) // unknown status word
	ds, q, err := loadOne(t, Spec{Kind: crm.KindDeals, Path: path, Values: map[string]map[string]string{}},
		Options{Currency: "EUR", Rates: map[string]float64{"GBP": 1.17}})
	if err != nil {
		t.Fatal(err)
	}
	if q.RowsRead != 7 || q.RowsAccepted != 4 || q.RowsSetAside != 3 {
		t.Fatalf("read %d accepted %d set aside %d: %v", q.RowsRead, q.RowsAccepted, q.RowsSetAside, q.SetAside)
	}
	p := q.SetAside[0]
	if p.File != path || p.Row != 3 || p.Column != "created" || p.Value != "2024-13-45" || !strings.Contains(p.Reason, "expected a date") {
		t.Errorf("problem %+v", p)
	}
	if p := q.SetAside[1]; p.Column != "amount" || p.Value != "lots" || !strings.Contains(p.Reason, "expected an amount") {
		t.Errorf("problem %+v", p)
	}
	if p := q.SetAside[2]; p.Row != 6 || p.Value != "USD" || !strings.Contains(p.Reason, "no rate converts USD into the reporting currency EUR") {
		t.Errorf("problem %+v", p)
	}
	// "done" is not a status; the stage column is the status column, so
	// with no value map it is read as a status word: it stays open.
	var open *crm.Deal
	for i := range ds.Deals {
		if ds.Deals[i].ID == "4" {
			open = &ds.Deals[i]
		}
	}
	if open == nil || open.Created.Valid() || open.Closed.Valid() || crm.Has(open.Amount) || open.Currency != crm.NoID {
		t.Errorf("blank cells must stay absent: %+v", open)
	}
	if !ds.HasField(crm.KindDeals, "amount") || ds.HasField(crm.KindDeals, "margin") || !ds.HasField(crm.KindDeals, "status") {
		t.Errorf("fields %v", ds.Fields[crm.KindDeals])
	}
	if gbp := ds.Deals[len(ds.Deals)-2]; ds.Currencies.Name(gbp.Currency) != "GBP" {
		t.Errorf("GBP deal currency %q", ds.Currencies.Name(gbp.Currency))
	}
}

func TestLoadStatusColumn(t *testing.T) {
	path := writeFile(t, "deals.csv", []byte("owner,status\nAnn,won\nAnn,maybe\nAnn,Gagné\n"))
	ds, q, _ := loadOne(t, Spec{Kind: crm.KindDeals, Path: path}, Options{})
	if q.RowsAccepted != 2 || q.RowsSetAside != 1 || !strings.Contains(q.SetAside[0].Reason, "values: status:") {
		t.Fatalf("%+v", q)
	}
	if ds.Deals[1].Status != crm.StatusWon {
		t.Errorf("Gagné read as %v", ds.Deals[1].Status)
	}
}

func TestLoadAmbiguousDates(t *testing.T) {
	data := []byte("owner,stage,created\nAnn,won,03/04/2017\nAnn,won,05/06/2017\nAnn,won,2017-01-01\n")
	path := writeFile(t, "deals.csv", data)
	_, q, err := loadOne(t, Spec{Kind: crm.KindDeals, Path: path}, Options{})
	if err == nil || !strings.Contains(q.Fatal, "date_format") || !strings.Contains(q.Fatal, "03/04/2017") {
		t.Fatalf("fatal %q, want the ambiguous dates refused", q.Fatal)
	}
	ds, q, err := loadOne(t, Spec{Kind: crm.KindDeals, Path: path, DateFormat: "DD/MM/YYYY"}, Options{})
	if err != nil || q.RowsAccepted != 3 || ds.Deals[0].Created.String() != "2017-04-03" {
		t.Fatalf("with date_format: %v %+v", err, q)
	}
	// One day above 12 decides the whole column.
	path = writeFile(t, "deals.csv", []byte("owner,stage,created\nAnn,won,03/04/2017\nAnn,won,04/25/2017\n"))
	ds, _, err = loadOne(t, Spec{Kind: crm.KindDeals, Path: path}, Options{})
	if err != nil || ds.Deals[0].Created.String() != "2017-03-04" {
		t.Fatalf("month-first column: %v %v", err, ds.Deals)
	}
}

func TestLoadDecimalComma(t *testing.T) {
	path := writeFile(t, "deals.csv", []byte("owner;stage;amount;probability\nAnn;open;1.234;40\nAnn;open;12,5;0\n"))
	ds, q, err := loadOne(t, Spec{Kind: crm.KindDeals, Path: path}, Options{})
	if err != nil || q.RowsAccepted != 2 {
		t.Fatalf("%v %+v", err, q)
	}
	if ds.Deals[0].Amount != 1234 || ds.Deals[1].Amount != 12.5 || ds.Deals[0].Probability != 0.4 {
		t.Errorf("amounts %v %v probability %v", ds.Deals[0].Amount, ds.Deals[1].Amount, ds.Deals[0].Probability)
	}
}

func TestLoadHeaderRow(t *testing.T) {
	data := []byte("Pipeline report\nExported 2024-06-01,,\n\nowner,stage,amount\nAnn,won,10\n\nBob,lost,0\n,,\n")
	path := writeFile(t, "deals.csv", data)
	ds, q, err := loadOne(t, Spec{Kind: crm.KindDeals, Path: path}, Options{})
	if err != nil || q.RowsRead != 2 || len(ds.Deals) != 2 {
		t.Fatalf("%v %+v", err, q)
	}
	_, q, err = loadOne(t, Spec{Kind: crm.KindDeals, Path: path, HeaderRow: 1}, Options{})
	if err == nil || !strings.Contains(q.Fatal, "no column for owner") {
		t.Errorf("header_row 1: %q", q.Fatal)
	}
}

func TestLoadNewestExport(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"hubspot-crm-exports-all-deals-2024-08-27.csv", "hubspot-crm-exports-all-deals-2024-08-29.csv",
		"hubspot-crm-exports-all-deals-2024-08-28-1.csv"} {
		os.WriteFile(filepath.Join(dir, name), []byte("Record ID,Deal owner,Deal Stage\n1,Ann,closedwon\n"), 0o644)
	}
	// The oldest name gets the newest mtime: the date in the name wins.
	os.Chtimes(filepath.Join(dir, "hubspot-crm-exports-all-deals-2024-08-27.csv"), time.Now(), time.Now().Add(time.Hour))
	ds, q, err := loadOne(t, Spec{Kind: crm.KindDeals, Preset: "hubspot", Path: filepath.Join(dir, "hubspot-crm-exports-all-deals-*.csv")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(q.File) != "hubspot-crm-exports-all-deals-2024-08-29.csv" || q.ExportDate.String() != "2024-08-29" || q.RowsRead != 1 {
		t.Errorf("read %s (%s), %d rows", q.File, q.ExportDate, q.RowsRead)
	}
	if ds.Deals[0].Status != crm.StatusWon {
		t.Errorf("HubSpot's internal stage closedwon read as %v", ds.Deals[0].Status)
	}
	if age := Age(q, time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)); age != 48*time.Hour {
		t.Errorf("age %v, want 48h after the end of the export day", age)
	}
}

func TestLoadWarnings(t *testing.T) {
	path := writeFile(t, "deals.csv", []byte(
		"id,owner,stage,created,closed,amount\n"+
			"1,Ann,won,2024-01-10,2024-01-05,10\n"+ // closed before created
			"2,Ann,won,2024-01-10,2024-02-05,-10\n"+ // negative
			"1,Ann,won,2024-01-10,2024-02-05,10\n"+ // duplicate id
			"4,Ann,won,2024-01-10,2031-02-05,10\n")) // far in the future
	_, q, err := loadOne(t, Spec{Kind: crm.KindDeals, Path: path}, Options{})
	if err != nil || q.RowsAccepted != 4 {
		t.Fatalf("%v %+v", err, q)
	}
	want := []struct {
		row    int
		reason string
	}{{2, "closed before"}, {3, "negative"}, {4, "duplicate id: already on row 2"}, {5, "far in the future"}}
	if q.WarningsTotal != len(want) {
		t.Fatalf("warnings %v", q.Warnings)
	}
	got := map[int]string{}
	for _, w := range q.Warnings {
		got[w.Row] += w.Reason
	}
	for _, w := range want {
		if !strings.Contains(got[w.row], w.reason) {
			t.Errorf("row %d: warnings %q, want %q", w.row, got[w.row], w.reason)
		}
	}
}

func TestLoadMaxProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("owner,stage,amount\n")
	for i := 0; i < 50; i++ {
		b.WriteString("Ann,won,x\n")
	}
	_, q, _ := loadOne(t, Spec{Kind: crm.KindDeals, Path: writeFile(t, "d.csv", []byte(b.String()))}, Options{MaxProblems: 5})
	if q.RowsSetAside != 50 || len(q.SetAside) != 5 {
		t.Errorf("set aside %d, kept %d", q.RowsSetAside, len(q.SetAside))
	}
}

func TestLoadOwners(t *testing.T) {
	dir := t.TempDir()
	people := filepath.Join(dir, "users.csv")
	os.WriteFile(people, []byte("Id,Name,Email,ManagerId\n005A,Ann Lee,ann@x.com,005M\n005M,Max Boss,max@x.com,\n"), 0o644)
	deals := filepath.Join(dir, "Opportunity.csv")
	os.WriteFile(deals, []byte("Id,OwnerId,StageName,Amount\n1,005A,Closed Won,5\n2,005M,Prospecting,1\n3,005Z,Closed Lost,0\n"), 0o644)
	acts := filepath.Join(dir, "acts.csv")
	os.WriteFile(acts, []byte("owner,type,due\nANN@X.COM,Llamada,2024-01-01\nMax Boss,Visite,2024-01-02\nGhost,Webinar,2024-01-03\n"), 0o644)
	ds, err := Load(context.Background(), []Spec{
		{Name: "deals", Kind: crm.KindDeals, Preset: "salesforce", Path: deals},
		{Name: "acts", Kind: crm.KindActivities, Path: acts},
		{Name: "users", Kind: crm.KindPeople, Preset: "salesforce", Path: people},
	}, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, ds)
	if got := ds.Owners.Name(ds.Deals[0].Owner); got != "Ann Lee" {
		t.Errorf("owner 005A resolved to %q", got)
	}
	if got := ds.Quality[0].UnknownOwners; len(got) != 1 || got[0] != "005Z" {
		t.Errorf("unknown owners %v", got)
	}
	if got := ds.Quality[1].UnknownOwners; len(got) != 1 || got[0] != "Ghost" {
		t.Errorf("unknown activity owners %v", got)
	}
	a := ds.Activities
	if ds.Owners.Name(a[0].Owner) != "Ann Lee" || a[0].Type != crm.ActivityCall || a[1].Type != crm.ActivityMeeting || a[2].Type != crm.ActivityOther {
		t.Errorf("activities %+v", a)
	}
	if ds.Quality[1].WarningsTotal != 1 {
		t.Errorf("want one warning for the unknown type Webinar: %v", ds.Quality[1].Warnings)
	}
	var ann, max crm.Person
	for _, p := range ds.People {
		switch p.Name {
		case "Ann Lee":
			ann = p
		case "Max Boss":
			max = p
		}
	}
	if ann.Manager != "Max Boss" || ann.Role != crm.RoleRep || ann.Team != "Max Boss" || max.Role != crm.RoleManager {
		t.Errorf("people %+v %+v", ann, max)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		specs []Spec
		want  string
	}{
		{[]Spec{{Name: "a", Kind: "opportunities", Path: "x.csv"}}, "kind"},
		{[]Spec{{Name: "a", Kind: crm.KindDeals, Path: "x.csv", Preset: "zoho"}}, "preset"},
		{[]Spec{{Name: "a", Kind: crm.KindDeals, Path: "x.csv", Columns: map[string]string{"owners": "x"}}}, "owners"},
		{[]Spec{{Name: "a", Kind: crm.KindDeals, Path: "x.csv", DateFormat: "whenever"}}, "date_format"},
		{[]Spec{{Name: "a", Kind: crm.KindDeals, Path: "x.csv"}, {Name: "a", Kind: crm.KindDeals, Path: "y.csv"}}, "twice"},
		{[]Spec{{Name: "a", Kind: crm.KindDeals}}, "path"},
		{[]Spec{{Name: "a", Kind: crm.KindDeals, Path: "x.csv", Currency: "€"}}, "currency"},
	}
	for _, tc := range tests {
		ds, err := Load(context.Background(), tc.specs, Options{})
		if ds != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error about %s", tc.specs, err, tc.want)
		}
	}
}

func TestLoadTargetsLeadsInvoices(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	ds, err := Load(context.Background(), []Spec{
		{Name: "t", Kind: crm.KindTargets, Path: write("t.csv", "scope,key,period,metric,value\nrep,ann@x.com,2024-Q1,won_revenue,\"100,000\"\n,,2024,won_revenue,1e6\nteam,East,2024-Q1,calls,\n")},
		{Name: "l", Kind: crm.KindLeads, Path: write("l.csv", "owner,date,kind\nAnn,2024-01-01,contact\nAnn,2024-01-02,\n")},
		{Name: "i", Kind: crm.KindInvoices, Path: write("i.csv", "id,owner,date,amount\n1,Ann,2024-01-01,\"1.000,50 €\"\n")},
	}, Options{Now: fixedNow, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, ds)
	if len(ds.Targets) != 2 || ds.Targets[0].Value != 100000 || ds.Targets[1].Scope != crm.TargetOrg || ds.Quality[0].RowsSetAside != 1 {
		t.Errorf("targets %+v %+v", ds.Targets, ds.Quality[0])
	}
	if len(ds.Leads) != 2 || ds.Leads[0].Kind != crm.LeadKindContact || ds.Leads[1].Kind != crm.LeadKindLead {
		t.Errorf("leads %+v", ds.Leads)
	}
	if len(ds.Invoices) != 1 || ds.Invoices[0].Amount != 1000.5 || ds.Currencies.Name(ds.Invoices[0].Currency) != "EUR" {
		t.Errorf("invoices %+v", ds.Invoices)
	}
}

// TestPeopleManagerByEmail names managers by email, as the demo workbook
// does: nobody is invented, and teams follow the manager.
func TestPeopleManagerByEmail(t *testing.T) {
	path := writeFile(t, "people.csv", []byte("name,email,manager,region\n"+
		"Mia Boss,mia@x.com,,North\nAnn,ann@x.com,MIA@x.com,North\nBob,bob@x.com,mia@x.com,North\nCy,cy@x.com,zed@x.com,South\n"))
	ds, _, err := loadOne(t, Spec{Kind: crm.KindPeople, Path: path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]crm.Person{}
	for _, p := range ds.People {
		got[p.Name] = p
	}
	if len(ds.People) != 5 {
		t.Errorf("%d people, want the 4 rows and zed@x.com, who manages Cy: %+v", len(ds.People), ds.People)
	}
	if got["Mia Boss"].Role != crm.RoleManager || got["Ann"].Role != crm.RoleRep || got["Ann"].Team != "Mia Boss" {
		t.Errorf("Mia %+v, Ann %+v", got["Mia Boss"], got["Ann"])
	}
	if z := got["zed@x.com"]; z.Role != crm.RoleManager || z.Region != "South" || got["Cy"].Team != "zed@x.com" {
		t.Errorf("zed %+v, Cy %+v", z, got["Cy"])
	}
}
