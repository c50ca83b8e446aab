package locale

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	tests := []struct{ in, want string }{
		{"en", "en"}, {"fr", "fr"}, {"es", "es"},
		{"fr-FR", "fr"}, {"es_ES", "es"}, {"es-MX", "es"}, {"en-GB", "en"}, {"FR", "fr"},
		{"de", "en"}, {"", "en"}, {"not a tag", "en"},
	}
	for _, tt := range tests {
		if got := New(tt.in).Code(); got != tt.want {
			t.Errorf("New(%q).Code() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// sp makes the expected strings readable: "_" stands for NBSP.
func sp(s string) string { return strings.ReplaceAll(s, "_", NBSP) }

func TestNumber(t *testing.T) {
	tests := []struct {
		v          float64
		dec        int
		en, fr, es string
	}{
		{1234.56, 2, "1,234.56", "1_234,56", "1.234,56"},
		{1234567.891, 0, "1,234,568", "1_234_568", "1.234.568"},
		{0.5, 1, "0.5", "0,5", "0,5"},
		{-1234.5, 1, "-1,234.5", "-1_234,5", "-1.234,5"},
		{-0.004, 2, "0.00", "0,00", "0,00"}, // never "-0.00"
		{999.999, 2, "1,000.00", "1_000,00", "1.000,00"},
		{12, 0, "12", "12", "12"},
	}
	for _, tt := range tests {
		for code, want := range map[string]string{"en": tt.en, "fr": tt.fr, "es": tt.es} {
			if got := New(code).Number(tt.v, tt.dec); got != sp(want) {
				t.Errorf("%s Number(%v, %d) = %q, want %q", code, tt.v, tt.dec, got, sp(want))
			}
		}
	}
}

func TestNotAvailable(t *testing.T) {
	for _, code := range []string{"en", "fr", "es"} {
		l := New(code)
		for _, v := range []float64{math.NaN(), math.Inf(1)} {
			for _, got := range []string{l.Number(v, 0), l.Percent(v, 0), l.Money(v, "EUR", 0)} {
				if got != l.T("n/a") || strings.ContainsAny(got, "0123456789") {
					t.Errorf("%s: formatting %v gave %q, want the words for n/a", code, v, got)
				}
			}
		}
	}
}

func TestInt(t *testing.T) {
	if got, want := New("fr").Int(-1234567), sp("-1_234_567"); got != want {
		t.Errorf("fr Int = %q, want %q", got, want)
	}
	if got, want := New("es").Int(48200), "48.200"; got != want {
		t.Errorf("es Int = %q, want %q", got, want)
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		ratio      float64
		dec        int
		en, fr, es string
	}{
		{0.123, 0, "12%", "12_%", "12_%"},
		{0.1234, 1, "12.3%", "12,3_%", "12,3_%"},
		{-0.05, 0, "-5%", "-5_%", "-5_%"},
		{1.5, 0, "150%", "150_%", "150_%"},
		{12.345, 0, "1,235%", "1_235_%", "1.235_%"},
	}
	for _, tt := range tests {
		for code, want := range map[string]string{"en": tt.en, "fr": tt.fr, "es": tt.es} {
			if got := New(code).Percent(tt.ratio, tt.dec); got != sp(want) {
				t.Errorf("%s Percent(%v, %d) = %q, want %q", code, tt.ratio, tt.dec, got, sp(want))
			}
		}
	}
}

func TestSignedPercent(t *testing.T) {
	l := New("en")
	for _, tt := range []struct {
		in   float64
		want string
	}{{0.12, "+12%"}, {-0.12, "-12%"}, {0, "0%"}, {0.001, "0%"}} {
		if got := l.SignedPercent(tt.in, 0); got != tt.want {
			t.Errorf("SignedPercent(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		v          float64
		cur        string
		dec        int
		en, fr, es string
	}{
		{1234, "EUR", 0, "€1,234", "1_234_€", "1.234_€"},
		{1234.5, "EUR", 2, "€1,234.50", "1_234,50_€", "1.234,50_€"},
		{-48200, "EUR", 0, "-€48,200", "-48_200_€", "-48.200_€"},
		{5, "USD", 0, "$5", "5_$US", "5_US$"},
		{5, "GBP", 0, "£5", "5_£GB", "5_GBP"},
		{5, "CHF", 0, "CHF_5", "5_CHF", "5_CHF"},
		{5, "XYZ", 0, "XYZ_5", "5_XYZ", "5_XYZ"},
	}
	for _, tt := range tests {
		for code, want := range map[string]string{"en": tt.en, "fr": tt.fr, "es": tt.es} {
			if got := New(code).Money(tt.v, tt.cur, tt.dec); got != sp(want) {
				t.Errorf("%s Money(%v, %s, %d) = %q, want %q", code, tt.v, tt.cur, tt.dec, got, sp(want))
			}
		}
	}
}

func TestDates(t *testing.T) {
	d := time.Date(2026, time.February, 3, 14, 5, 0, 0, time.UTC)
	tests := []struct {
		code                                  string
		date, dateTime, monthYear, month, abb string
	}{
		{"en", "3 Feb 2026", "3 Feb 2026, 14:05", "February 2026", "February", "Feb"},
		{"fr", "3 févr. 2026", "3 févr. 2026, 14:05", "février 2026", "février", "févr."},
		{"es", "3 feb 2026", "3 feb 2026, 14:05", "febrero de 2026", "febrero", "feb"},
	}
	for _, tt := range tests {
		l := New(tt.code)
		got := []string{l.Date(d), l.DateTime(d), l.MonthYear(d.Month(), d.Year()), l.Month(d.Month()), l.ShortMonth(d.Month())}
		want := []string{tt.date, tt.dateTime, tt.monthYear, tt.month, tt.abb}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: got %q, want %q", tt.code, got[i], want[i])
			}
		}
	}
}

func TestMonthTablesComplete(t *testing.T) {
	for _, tag := range Supported {
		code := tag.String()
		seen := map[string]bool{}
		for m := time.January; m <= time.December; m++ {
			l := New(code)
			if l.Month(m) == "" || l.ShortMonth(m) == "" {
				t.Errorf("%s: month %d has no name", code, m)
			}
			if seen[l.ShortMonth(m)] {
				t.Errorf("%s: short month %q appears twice", code, l.ShortMonth(m))
			}
			seen[l.ShortMonth(m)] = true
		}
	}
}

func TestDateRange(t *testing.T) {
	l := New("en")
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		from, to time.Time
		want     string
	}{
		{day(2026, 11, 16), day(2026, 11, 22), "16 – 22 Nov 2026"},
		{day(2026, 11, 30), day(2026, 12, 6), "30 Nov – 6 Dec 2026"},
		{day(2026, 12, 28), day(2027, 1, 3), "28 Dec 2026 – 3 Jan 2027"},
		{day(2026, 12, 28), day(2026, 12, 28), "28 Dec 2026"},
	}
	for _, tt := range tests {
		if got := l.DateRange(tt.from, tt.to); got != tt.want {
			t.Errorf("DateRange = %q, want %q", got, tt.want)
		}
	}
}

// TestFirstOfMonth: French writes the first day of a month as an ordinal
// ("1er mars"), wherever it stands; English and Spanish do not, and no
// other French day takes the ordinal.
func TestFirstOfMonth(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		lang, date, rangeMonth, rangeAcross, second string
	}{
		{"fr", "1er mars 2026", "1er – 7 mars 2026", "1er mars – 2 avr. 2026", "2 mars 2026"},
		{"en", "1 Mar 2026", "1 – 7 Mar 2026", "1 Mar – 2 Apr 2026", "2 Mar 2026"},
		{"es", "1 mar 2026", "1 – 7 mar 2026", "1 mar – 2 abr 2026", "2 mar 2026"},
	}
	for _, tt := range tests {
		l := New(tt.lang)
		for _, c := range []struct{ got, want string }{
			{l.Date(day(time.March, 1)), tt.date},
			{l.DateRange(day(time.March, 1), day(time.March, 7)), tt.rangeMonth},
			{l.DateRange(day(time.March, 1), day(time.April, 2)), tt.rangeAcross},
			{l.Date(day(time.March, 2)), tt.second},
		} {
			if c.got != c.want {
				t.Errorf("%s: %q, want %q", tt.lang, c.got, c.want)
			}
		}
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		code, key string
		args      []any
		want      string
	}{
		{"en", "Won revenue", nil, "Won revenue"},
		{"fr", "Won revenue", nil, "Chiffre d'affaires signé"},
		{"es", "Won revenue", nil, "Ingresos ganados"},
		{"fr", "Page %d of %s", []any{1, "2"}, "Page 1 sur 2"},
		{"es", "%d rows set aside", []any{1234}, "1.234 filas descartadas"},
		{"fr", "a key nobody translated", nil, "a key nobody translated"},
		{"de", "Won revenue", nil, "Won revenue"},
	}
	for _, tt := range tests {
		if got := New(tt.code).T(tt.key, tt.args...); got != tt.want {
			t.Errorf("%s T(%q) = %q, want %q", tt.code, tt.key, got, tt.want)
		}
	}
}

func TestCatalogueComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range messages {
		if seen[m.en] {
			t.Errorf("key %q appears twice", m.en)
		}
		seen[m.en] = true
		if m.fr == "" || m.es == "" {
			t.Errorf("key %q lacks a translation", m.en)
		}
		if strings.Count(m.en, "%") != strings.Count(m.fr, "%") || strings.Count(m.en, "%") != strings.Count(m.es, "%") {
			t.Errorf("key %q: translations take different arguments", m.en)
		}
	}
	if len(Keys()) != len(messages) {
		t.Errorf("Keys() has %d keys, want %d", len(Keys()), len(messages))
	}
}

func TestZeroLocaleIsEnglish(t *testing.T) {
	var l Locale
	if got := l.Money(1234, "EUR", 0); got != "€1,234" {
		t.Errorf("zero Locale Money = %q", got)
	}
	if got := l.T("no data"); got != "no data" || l.Code() != "en" {
		t.Errorf("zero Locale T = %q, Code = %q", got, l.Code())
	}
}

// TestFrenchSpaceBeforePunctuation checks every French string of the
// catalogue: a no-break space, never a plain one or none, before : ; ! ?.
func TestFrenchSpaceBeforePunctuation(t *testing.T) {
	fr := New("fr")
	for _, key := range Keys() {
		s := fr.T(key)
		for i, r := range []rune(s) {
			if !strings.ContainsRune(":;!?", r) || i == 0 || []rune(s)[i-1] == '%' {
				continue
			}
			if prev := []rune(s)[i-1]; prev != '\u00a0' && prev != '\u202f' {
				t.Errorf("%q: %q after %q, want a no-break space before it", s, r, prev)
			}
		}
	}
	if got := fr.Colon(); got != "\u00a0: " {
		t.Errorf("fr colon %q", got)
	}
}

// TestFrenchQuotes checks every French string of the catalogue: a
// quotation takes « » with no-break spaces inside, never "…" or “…”.
func TestFrenchQuotes(t *testing.T) {
	fr := New("fr")
	for _, key := range Keys() {
		s := fr.T(key)
		if strings.ContainsAny(s, "\"“”„") {
			t.Errorf("%q: quotation marks other than « »", s)
		}
		for i, r := range []rune(s) {
			rs := []rune(s)
			if r == '«' && (i+1 >= len(rs) || rs[i+1] != '\u00a0') || r == '»' && (i == 0 || rs[i-1] != '\u00a0') {
				t.Errorf("%q: « » without a no-break space inside", s)
			}
		}
	}
}

func TestPeriodNames(t *testing.T) {
	tests := []struct {
		code                                             string
		quarter, half, week, year, fiscal, fiscalQuarter string
	}{
		{"en", "Q3 2026", "H2 2026", "W05", "2026", "FY2027", "Q1 FY2027"},
		{"fr", "T3 2026", "S2 2026", "S05", "2026", "exercice 2027", "T1 exercice 2027"},
		{"es", "T3 2026", "S2 2026", "S05", "2026", "ejercicio 2027", "T1 ejercicio 2027"},
	}
	for _, tt := range tests {
		l := New(tt.code)
		got := []string{l.Quarter(3, l.Year(2026, false)), l.Half(2, l.Year(2026, false)), l.ShortWeek(5),
			l.Year(2026, false), l.Year(2027, true), l.Quarter(1, l.Year(2027, true))}
		want := []string{tt.quarter, tt.half, tt.week, tt.year, tt.fiscal, tt.fiscalQuarter}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: got %q, want %q", tt.code, got[i], want[i])
			}
		}
	}
}
