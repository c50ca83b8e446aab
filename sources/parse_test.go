package sources

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in      string
		decimal byte
		want    float64
		cur     string
		wantErr bool
	}{
		{"1234", 0, 1234, "", false},
		{"1234.56", '.', 1234.56, "", false},
		{"-12", 0, -12, "", false},
		{"$1,234.56", 0, 1234.56, "USD", false},
		{"1.234,56 €", 0, 1234.56, "EUR", false},
		{"€ 1.234,56", ',', 1234.56, "EUR", false},
		{"1 234,56", 0, 1234.56, "", false},
		{"1\u00a0234,56\u00a0€", 0, 1234.56, "EUR", false},
		{"1\u202f234,56", 0, 1234.56, "", false},
		{"1'234.50 CHF", 0, 1234.5, "CHF", false},
		{"(1,234)", '.', -1234, "", false},
		{"($1,234.50)", 0, -1234.5, "USD", false},
		{"-$1,234.56", 0, -1234.56, "USD", false},
		{"1234-", 0, -1234, "", false},
		{"−75", 0, -75, "", false},
		{"EUR 12", 0, 12, "EUR", false},
		{"12 GBP", 0, 12, "GBP", false},
		{"£3", 0, 3, "GBP", false},
		{"1,234,567", 0, 1234567, "", false},
		{"1.234.567", 0, 1234567, "", false},
		{"1.234.567,8", 0, 1234567.8, "", false},
		{"1234,5", 0, 1234.5, "", false},
		{"0,125", 0, 0.125, "", false},
		{"1.234", ',', 1234, "", false},
		{"1.234", '.', 1.234, "", false},
		{"1,234", '.', 1234, "", false},
		{"1,234", ',', 1.234, "", false},
		{"1,234", 0, 0, "", true}, // a thousand or one and a quarter
		{"1,5", '.', 0, "", true}, // not a group of three
		{"1.234,56", '.', 0, "", true},
		{"12 34", 0, 0, "", true},
		{"abc", 0, 0, "", true},
		{"", 0, 0, "", true},
		{"$", 0, 0, "", true},
		{"--5", 0, 0, "", true},
		{"(-5)", 0, 0, "", true},
		{"$5 €", 0, 0, "", true},
		{"1.2.3,4,5", 0, 0, "", true},
		{"NaN", 0, 0, "", true},
		{"Inf", '.', 0, "", true},
	}
	for _, tc := range tests {
		got, cur, err := ParseAmount(tc.in, tc.decimal)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseAmount(%q, %q) error %v, want error %v", tc.in, tc.decimal, err, tc.wantErr)
			continue
		}
		if err == nil && (math.Abs(got-tc.want) > 1e-9 || cur != tc.cur) {
			t.Errorf("ParseAmount(%q, %q) = %v %q, want %v %q", tc.in, tc.decimal, got, cur, tc.want, tc.cur)
		}
	}
}

func TestDecimalHint(t *testing.T) {
	tests := map[string]byte{"1,234.56": '.', "1.234,56": ',', "12,5": ',', "12.5": '.', "1,234": 0, "1234": 0,
		"1.234.567": ',', "1,234,567": '.', "1 234,5 €": ','}
	for in, want := range tests {
		if got := decimalHint(in); got != want {
			t.Errorf("decimalHint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database: install tzdata")
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	tests := []struct {
		in      string
		order   DateOrder
		loc     *time.Location
		want    string
		wantErr bool
	}{
		{"2017-03-01", DateAuto, nil, "2017-03-01", false},
		{"2017-03-01", DateDMY, nil, "2017-03-01", false}, // ISO whatever the order
		{"2017/3/1", DateAuto, nil, "2017-03-01", false},
		{"20170301", DateAuto, nil, "2017-03-01", false},
		{"25/03/2017", DateAuto, nil, "2017-03-25", false},
		{"03/25/2017", DateAuto, nil, "2017-03-25", false},
		{"03/04/2017", DateAuto, nil, "", true},
		{"04/04/2017", DateAuto, nil, "2017-04-04", false},
		{"03/04/2017", DateDMY, nil, "2017-04-03", false},
		{"03/04/2017", DateMDY, nil, "2017-03-04", false},
		{"03.04.17", DateDMY, nil, "2017-04-03", false},
		{"03-12-17", DateMDY, nil, "2017-03-12", false},
		{"1/2/99", DateDMY, nil, "1999-02-01", false},
		{"23-Jan-2024", DateAuto, nil, "2024-01-23", false},
		{"Jan 23, 2024", DateAuto, nil, "2024-01-23", false},
		{"23 janv. 2024", DateAuto, nil, "2024-01-23", false},
		{"5 de marzo 2024", DateAuto, nil, "", true},
		{"12 diciembre 2023", DateAuto, nil, "2023-12-12", false},
		{"2024-01-23 17:50:51", DateAuto, nil, "2024-01-23", false},
		{"2024-01-23 17:50", DateAuto, nil, "2024-01-23", false},
		{"01/23/2024 5:50 PM", DateAuto, nil, "2024-01-23", false},
		// Salesforce timestamps are UTC; the day is the reporting zone's.
		{"2024-01-23T17:50:51.000+0000", DateAuto, time.UTC, "2024-01-23", false},
		{"2024-01-23T23:50:51.000+0000", DateAuto, paris, "2024-01-24", false},
		{"2024-01-23T03:00:00.000+0000", DateAuto, la, "2024-01-22", false},
		{"2024-01-23T03:00:00Z", DateAuto, la, "2024-01-22", false},
		{"2024-01-23T03:00:00+01:00", DateAuto, time.UTC, "2024-01-23", false},
		{"2024-01-23T00:30:00+01:00", DateAuto, time.UTC, "2024-01-22", false},
		{"2017-02-29", DateAuto, nil, "", true},
		{"2016-02-29", DateAuto, nil, "2016-02-29", false},
		{"2017-13-01", DateAuto, nil, "", true},
		{"31/04/2017", DateDMY, nil, "", true},
		{"2017-03-01 banana", DateAuto, nil, "", true},
		{"2024-01-23T25:00:00Z", DateAuto, nil, "", true},
		{"hello", DateAuto, nil, "", true},
		{"", DateAuto, nil, "", true},
		{"12345", DateAuto, nil, "", true},
	}
	for _, tc := range tests {
		d, err := ParseDate(tc.in, tc.order, tc.loc)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseDate(%q, %v) = %v, %v; want error %v", tc.in, tc.order, d, err, tc.wantErr)
			continue
		}
		if err == nil && d.String() != tc.want {
			t.Errorf("ParseDate(%q, %v) = %s, want %s", tc.in, tc.order, d, tc.want)
		}
	}
}

func TestCivilDay(t *testing.T) {
	for _, y := range []int{1900, 1970, 1999, 2000, 2016, 2024, 2100} {
		for m := 1; m <= 12; m++ {
			for _, d := range []int{1, 28, daysIn(y, m)} {
				if got, want := civilDay(y, m, d), crm.DayFromDate(y, time.Month(m), d); got != want {
					t.Fatalf("civilDay(%d, %d, %d) = %d, want %d", y, m, d, got, want)
				}
			}
		}
	}
}

func TestParseDateFormat(t *testing.T) {
	tests := map[string]DateOrder{"DD/MM/YYYY": DateDMY, "MM/DD/YY": DateMDY, "yyyy-mm-dd": DateYMD, "DMY": DateDMY, "D.M.YYYY": DateDMY}
	for in, want := range tests {
		if got, err := ParseDateFormat(in); err != nil || got != want {
			t.Errorf("ParseDateFormat(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "DD/MM", "2006-01-02", "YYYY-DD"} {
		if _, err := ParseDateFormat(bad); err == nil {
			t.Errorf("ParseDateFormat(%q) accepted", bad)
		}
	}
}

func TestExcelSerial(t *testing.T) {
	tests := []struct {
		serial float64
		d1904  bool
		want   string
		ok     bool
	}{
		{1, false, "1900-01-01", true},
		{59, false, "1900-02-28", true},
		{60, false, "", false}, // Lotus's 29 February 1900
		{61, false, "1900-03-01", true},
		{42795, false, "2017-03-01", true},
		{42795.75, false, "2017-03-01", true},
		{0, true, "1904-01-01", true},
		{41333, true, "2017-03-01", true},
		{-1, false, "", false},
	}
	for _, tc := range tests {
		d, ok := excelSerialDay(tc.serial, tc.d1904)
		if ok != tc.ok || (ok && d.String() != tc.want) {
			t.Errorf("excelSerialDay(%v, %v) = %s %v, want %s %v", tc.serial, tc.d1904, d, ok, tc.want, tc.ok)
		}
	}
}

func TestParseProbability(t *testing.T) {
	tests := []struct {
		in      string
		percent bool
		want    float64
		wantErr bool
	}{
		{"0.4", false, 0.4, false},
		{"40", false, 0.4, false},
		{"40 %", false, 0.4, false},
		{"40%", false, 0.4, false},
		{"1", false, 1, false},
		{"1", true, 0.01, false},
		{"100", false, 1, false},
		{"0", false, 0, false},
		{"150", false, 0, true},
		{"-5", false, 0, true},
		{"high", false, 0, true},
	}
	for _, tc := range tests {
		got, err := parseProbability(tc.in, '.', tc.percent)
		if (err != nil) != tc.wantErr || (err == nil && math.Abs(got-tc.want) > 1e-12) {
			t.Errorf("parseProbability(%q, %v) = %v, %v; want %v (error %v)", tc.in, tc.percent, got, err, tc.want, tc.wantErr)
		}
	}
	if got, err := parseProbability("40,5 %", ',', false); err != nil || math.Abs(got-0.405) > 1e-12 {
		t.Errorf("decimal comma percentage: %v %v", got, err)
	}
}

func TestParseBool(t *testing.T) {
	for _, s := range []string{"1", "TRUE", "yes", "Done", "COMPLETED", "oui", "Sí", "x"} {
		if v, err := parseBool(s); err != nil || !v {
			t.Errorf("parseBool(%q) = %v, %v; want true", s, v, err)
		}
	}
	for _, s := range []string{"0", "false", "No", "To do", "NOT_STARTED", "non"} {
		if v, err := parseBool(s); err != nil || v {
			t.Errorf("parseBool(%q) = %v, %v; want false", s, v, err)
		}
	}
	if _, err := parseBool("maybe"); err == nil {
		t.Error("parseBool(maybe) accepted")
	}
}

func TestActivityTypes(t *testing.T) {
	tests := map[string]crm.ActivityType{
		"Call": crm.ActivityCall, "Llamada": crm.ActivityCall, "Appel": crm.ActivityCall,
		"Meeting": crm.ActivityMeeting, "Reunión": crm.ActivityMeeting, "Visite": crm.ActivityMeeting,
		"Rendez-vous": crm.ActivityMeeting, "Démo": crm.ActivityDemo, "Devis": crm.ActivityProposal,
		"Propuesta": crm.ActivityProposal, "E-mail": crm.ActivityEmail, "Courriel": crm.ActivityEmail,
		"Tâche": crm.ActivityTask, "TODO": crm.ActivityTask,
	}
	for in, want := range tests {
		if got, ok := activityTypeOf(in); !ok || got != want {
			t.Errorf("activityTypeOf(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	if _, ok := activityTypeOf("Webinar"); ok {
		t.Error("Webinar should be unknown")
	}
}

func TestDateInName(t *testing.T) {
	tests := []struct {
		name string
		want string
		seq  int
	}{
		{"hubspot-crm-exports-all-deals-2024-08-27.csv", "2024-08-27", 0},
		{"hubspot-crm-exports-all-deals-2024-08-27-2.csv", "2024-08-27", 2},
		{"export_20240827.csv", "2024-08-27", 0},
		{"deals.csv", "", 0},
		{"deals-2024-13-45.csv", "", 0},
	}
	for _, tc := range tests {
		d, seq := dateInName(tc.name)
		if d.String() != tc.want || seq != tc.seq {
			t.Errorf("dateInName(%q) = %s %d, want %s %d", tc.name, d, seq, tc.want, tc.seq)
		}
	}
}

func TestClosestHeader(t *testing.T) {
	found := []string{"Record ID", "Deal Name", "Deal Stage", "Deal owner", "Amount"}
	if got := closestHeader([]string{"owner", "Deal Owner Name"}, found); got != "Deal owner" {
		t.Errorf("closest to owner = %q, want Deal owner", got)
	}
	if got := closestHeader([]string{"probability"}, found); got != "" {
		t.Errorf("closest to probability = %q, want none", got)
	}
}

func TestRadixSort(t *testing.T) {
	a := make([]uint64, 5000)
	x := uint64(88172645463325252)
	for i := range a {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		a[i] = x
	}
	a[10], a[20] = a[30], a[30] // duplicates
	want := slices.Clone(a)
	slices.Sort(want)
	radixSort(a)
	if !slices.Equal(a, want) {
		t.Fatal("radixSort disagrees with slices.Sort")
	}
}

func TestPeriodID(t *testing.T) {
	for _, s := range []string{"2017", "2017-h2", "2017-Q4", "2017-12", "2017-W48", "2020-W53", "FY2018", "FY2018-Q1", "FY2018-H2"} {
		if _, ok := periodID(s); !ok {
			t.Errorf("periodID(%q) refused", s)
		}
	}
	for _, s := range []string{"", "17", "2017-13", "2017-Q5", "2017-W54", "2017-W00", "FY2018-03", "Q4 2017", "2017-12-01"} {
		if p, ok := periodID(s); ok {
			t.Errorf("periodID(%q) = %q, want refused", s, p)
		}
	}
}
