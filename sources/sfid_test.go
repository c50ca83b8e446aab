package sources

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// TestSalesforceSuffix checks the checksum against its definition, bit by
// bit, on random ids, and on the all-lower and all-upper extremes.
func TestSalesforceSuffix(t *testing.T) {
	const chars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	rng := rand.New(rand.NewPCG(13, 15))
	ids := []string{"000000000000000", "AAAAAAAAAAAAAAA", "aaaaaaaaaaaaaaa"}
	for n := 0; n < 500; n++ {
		var b strings.Builder
		for i := 0; i < 15; i++ {
			b.WriteByte(chars[rng.IntN(len(chars))])
		}
		ids = append(ids, b.String())
	}
	for _, id := range ids {
		got := salesforceSuffix(id)
		for block := 0; block < 3; block++ {
			n := strings.IndexByte(sfAlphabet, got[block])
			for i := 0; i < 5; i++ {
				c := id[block*5+i]
				upper := c >= 'A' && c <= 'Z'
				if (n>>i&1 == 1) != upper {
					t.Fatalf("%s: suffix %s: block %d bit %d is %d, character %q", id, got, block, i, n>>i&1, c)
				}
			}
		}
	}
	if got := salesforceSuffix("000000000000000"); got != "AAA" {
		t.Errorf("no upper case: %q, want AAA", got)
	}
	if got := salesforceSuffix("AAAAAAAAAAAAAAA"); got != "555" {
		t.Errorf("all upper case: %q, want 555", got)
	}
}

func TestSalesforceIDKey(t *testing.T) {
	id := "0055g00000AbCdE"
	long := id + salesforceSuffix(id)
	upper := "0055g00000ABCDE"
	for _, tc := range []struct {
		in, want string
	}{
		{id, id},
		{long, id},     // the 18-character form names the same record
		{upper, upper}, // differs only in case: another record
		{upper + salesforceSuffix(upper), upper},
		{id + "AAA", id + "AAA"}, // a wrong checksum: not a Salesforce id, kept as written
		{"Darcel Schlecht", "Darcel Schlecht"},
		{"Alexandrakowski", "Alexandrakowski"}, // 15 letters, no digit: a name
	} {
		if got := idKey(tc.in); got != tc.want {
			t.Errorf("idKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if idKey(id) == idKey(upper) || idKey(long) == idKey(upper+salesforceSuffix(upper)) {
		t.Error("ids that differ only in case share a key")
	}
}

// TestSalesforceOwnersAndIDs loads a user list with 18-character ids and
// opportunities whose owners are written in the 15-character form: they
// resolve to the users; an owner id that differs only in case is another
// user, missing from the directory, and counted. Opportunity ids in both
// forms are one record (a duplicate); ids differing in case are two.
func TestSalesforceOwnersAndIDs(t *testing.T) {
	ann, bob := "0055g00000AbCdE", "0055g00000XyZwQ"
	annLong, bobLong := ann+salesforceSuffix(ann), bob+salesforceSuffix(bob)
	annOther := strings.ToUpper(ann) // a different user
	opp := "0065g00000QrStU"
	oppLong := opp + salesforceSuffix(opp)
	oppOther := strings.ToLower(opp)
	people := writeFile(t, "users.csv", []byte("User ID,Full Name,Email\n"+
		annLong+",Ann Smith,ann@example.com\n"+
		bobLong+",Bob Jones,bob@example.com\n"))
	deals := writeFile(t, "opps.csv", []byte("Opportunity ID,Owner ID,Stage,Amount\n"+
		opp+","+ann+",Closed Won,10\n"+
		oppLong+","+bob+",Closed Won,20\n"+ // the same opportunity: a duplicate
		oppOther+","+annOther+",Closed Won,30\n"+ // another opportunity, another owner
		"0065g00000Zz999,ann smith,Closed Won,40\n")) // a name still matches whatever its case
	specs := []Spec{
		{Name: "users", Kind: crm.KindPeople, Path: people, Columns: map[string]string{"crm_id": "User ID", "name": "Full Name", "email": "Email"}},
		{Name: "opps", Kind: crm.KindDeals, Preset: "salesforce", Path: deals, Columns: map[string]string{"id": "Opportunity ID", "owner": "Owner ID", "stage": "Stage", "amount": "Amount"}},
	}
	ds, err := Load(context.Background(), specs, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	q := ds.Quality[1]
	if q.RowsAccepted != 4 {
		t.Fatalf("accepted %d: %v", q.RowsAccepted, q.SetAside)
	}
	var owners []string
	for _, d := range ds.Deals {
		owners = append(owners, ds.Owners.Name(d.Owner))
	}
	if want := []string{"Ann Smith", "Bob Jones", annOther, "Ann Smith"}; !slices.Equal(owners, want) {
		t.Errorf("owners %q, want %q", owners, want)
	}
	if !slices.Equal(q.UnknownOwners, []string{annOther}) {
		t.Errorf("unknown owners %q, want only %q", q.UnknownOwners, annOther)
	}
	if q.WarningsTotal != 1 || q.Warnings[0].Row != 3 || !strings.Contains(q.Warnings[0].Reason, "duplicate id: already on row 2") {
		t.Errorf("warnings %v, want one duplicate on row 3 (the 18-character form of row 2's id)", q.Warnings)
	}
}
