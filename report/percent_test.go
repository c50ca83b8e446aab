package report

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/crm"
)

// TestPercentFromPrintedFigures: a percentage printed beside its figures
// is the one a reader recomputes from those figures (docs/REPORTS.md,
// "Percentages beside their figures"): a rep's activity against their
// usual level ("usual 1.4 · +257 %", not the +264 % of the unrounded
// 1.375), and the changes of the director's table of the month against
// the previous month, last year and the expectation, each printed in the
// column before it. Every rep, in their own language, and the three
// directors, as of the demo's as-of day; and the Maven director.
func TestPercentFromPrintedFigures(t *testing.T) {
	var digests []*Digest
	ds := demoData().Dataset
	for i := range ds.People {
		p := &ds.People[i]
		kind := KindRep
		switch p.Role {
		case crm.RoleRep:
		case crm.RoleDirector:
			kind = KindDirector
		default:
			continue
		}
		d, err := sets(t)[kind].Digest(p)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
	}
	mds := maven(t)
	d, err := ss2(t, mds, KindDirector, "2017-12", Options{Now: mavenNow}).Digest(person(t, mds, "head.of.sales@maventech.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	digests = append(digests, d)
	usual := regexp.MustCompile(`^\S+ ([0-9]+(?:[.,][0-9])?) · \S+ (\S+)\x{00a0}?%$`)
	checked, rounded := 0, 0
	check := func(d *Digest, what, value, ref, pct string) {
		t.Helper()
		v, ok1 := printedNumber(value)
		r, ok2 := printedNumber(ref)
		p, ok3 := percentCell(pct)
		if !ok1 || !ok2 || !ok3 || r == 0 {
			t.Errorf("%s: %s: cannot read %q, %q, %q", d.Title, what, value, ref, pct)
			return
		}
		checked++
		if r != math.Round(r) {
			rounded++
		}
		// The printed percentage is the recomputed one rounded (either
		// way on a rounding edge).
		if want := 100 * (v/r - 1); math.Abs(float64(p)-want) > 0.5+1e-9 {
			t.Errorf("%s: %s: %q against %q says %q, want %+.1f %%", d.Title, what, value, ref, pct, want)
		}
	}
	for _, d := range digests {
		for _, b := range d.Blocks {
			for _, k := range b.KPIs {
				if m := usual.FindStringSubmatch(k.Comparison); m != nil {
					check(d, k.Label, k.Value, m[1], m[2])
				}
			}
			if b.Table == nil || d.Kind != string(KindDirector) {
				continue
			}
			for _, row := range b.Table.Rows {
				for i, cell := range row {
					if i < 3 || b.Table.Columns[i].Title != "±" || !strings.HasSuffix(cell, "%") {
						continue
					}
					check(d, row[0], row[1], row[i-1], cell)
				}
			}
		}
	}
	if checked < 50 || rounded < 10 {
		t.Fatalf("only %d percentages checked (%d against a reference with decimals)", checked, rounded)
	}
	t.Logf("%d percentages checked against the figures beside them (%d references with decimals)", checked, rounded)
}

// printedNumber reads a printed figure ("€133,570", "42 720 €", "1,4",
// "1.4"): a separator followed by exactly one digit at the end is the
// decimal one (the usual level); any other is grouping.
func printedNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	dec := ""
	if n := len(s); n >= 2 && (s[n-2] == '.' || s[n-2] == ',') {
		dec, s = s[n-1:], s[:n-2]
	}
	var digits strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' || r == '-' {
			digits.WriteRune(r)
		}
	}
	if dec != "" {
		digits.WriteString("." + dec)
	}
	v, err := strconv.ParseFloat(digits.String(), 64)
	return v, err == nil
}
