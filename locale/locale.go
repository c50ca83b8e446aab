// Package locale formats what the digests print — numbers, percentages,
// currency amounts, dates and month names — and translates their fixed
// strings, for English, French and Spanish.
//
// Numbers, separators and currency symbols come from CLDR through
// golang.org/x/text; only what x/text does not expose is tabled here: the
// position of the currency symbol (x/text always prints it in front), month
// names and date patterns (x/text has no date formatting).
package locale

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Supported lists the languages a digest can be written in, in the order
// the matcher prefers them; the first is the fallback.
var Supported = []language.Tag{language.English, language.French, language.Spanish}

var matcher = language.NewMatcher(Supported)

// NBSP is the space used inside numbers and between a number and its unit.
// CLDR asks for U+202F (narrow no-break space) in French; the embedded Go
// fonts have no glyph for it, so every U+202F is replaced by U+00A0, which
// they have and which also keeps "1 234" on one line.
const NBSP = "\u00a0"

// Locale formats values and strings for one language. The zero value is
// English.
type Locale struct {
	lang string // "en", "fr" or "es"
	tag  language.Tag
	p    *message.Printer
}

// New returns the locale that best matches code ("fr", "fr-FR", "es_ES",
// "en-GB"...). Regional variants format like their base language; an empty,
// invalid or unsupported code gives English, so a digest is always written.
func New(code string) Locale {
	tag, err := language.Parse(strings.ReplaceAll(code, "_", "-"))
	idx := 0
	if err == nil {
		var conf language.Confidence
		_, idx, conf = matcher.Match(tag)
		if conf == language.No {
			idx = 0
		}
	}
	base := Supported[idx]
	return Locale{lang: base.String(), tag: base, p: message.NewPrinter(base, message.Catalog(messageCatalog))}
}

var english = New("en")

// printer returns the locale's printer; the zero Locale uses English.
func (l Locale) printer() *message.Printer {
	if l.p == nil {
		return english.p
	}
	return l.p
}

// base returns the language code, "en" for the zero Locale.
func (l Locale) base() string {
	if l.lang == "" {
		return "en"
	}
	return l.lang
}

// Code returns the language code of the locale: "en", "fr" or "es".
func (l Locale) Code() string { return l.base() }

// Tag returns the language tag of the locale.
func (l Locale) Tag() language.Tag { return l.tag }

// clean replaces the narrow no-break space by NBSP (see NBSP).
func clean(s string) string { return strings.ReplaceAll(s, "\u202f", NBSP) }

// round rounds v to the given number of decimals and turns -0 into 0, so
// that "-0" never appears and the printed digits are the rounded value.
func round(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	r := math.Round(v*p) / p
	if r == 0 {
		return 0
	}
	return r
}

// NotAvailable is what a value that cannot be computed prints as, in words
// rather than a 0 or a dash that could be read as one.
func (l Locale) NotAvailable() string { return l.T("n/a") }

func bad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// Number formats v with exactly decimals digits after the separator and the
// locale's grouping: 1,234.56 (en), 1 234,56 (fr), 1.234,56 (es).
func (l Locale) Number(v float64, decimals int) string {
	if bad(v) {
		return l.NotAvailable()
	}
	v = round(v, decimals)
	return clean(l.printer().Sprint(number.Decimal(v, number.MinFractionDigits(decimals), number.MaxFractionDigits(decimals))))
}

// Int formats an integer with grouping.
func (l Locale) Int(v int64) string {
	return clean(l.printer().Sprint(number.Decimal(v)))
}

// Percent formats a ratio (0.123) as a percentage with decimals digits:
// 12.3% (en), 12,3 % (fr, es).
func (l Locale) Percent(ratio float64, decimals int) string {
	if bad(ratio) {
		return l.NotAvailable()
	}
	r := round(ratio*100, decimals) / 100
	return clean(l.printer().Sprint(number.Percent(r, number.MinFractionDigits(decimals), number.MaxFractionDigits(decimals))))
}

// SignedPercent is Percent with an explicit sign, for changes: +12%, -3%.
// Zero prints without a sign.
func (l Locale) SignedPercent(ratio float64, decimals int) string {
	s := l.Percent(ratio, decimals)
	if bad(ratio) || round(ratio*100, decimals) <= 0 {
		return s
	}
	return "+" + s
}

// currencySuffix tells, per language, whether the symbol follows the
// amount (CLDR "#,##0.00 ¤") or precedes it with no space ("¤#,##0.00").
var currencySuffix = map[string]bool{"en": false, "fr": true, "es": true}

// Money formats an amount in the ISO 4217 currency code cur with decimals
// digits: €1,234 (en), 1 234 € (fr), 1.234 € (es). An unknown code is
// printed as given (e.g. "XYZ 1,234").
func (l Locale) Money(amount float64, cur string, decimals int) string {
	if bad(amount) {
		return l.NotAvailable()
	}
	num := l.Number(math.Abs(amount), decimals)
	sym := l.Symbol(cur)
	sign := ""
	if round(amount, decimals) < 0 {
		sign = "-"
	}
	if currencySuffix[l.base()] {
		return sign + num + NBSP + sym
	}
	if len([]rune(sym)) > 1 && !strings.ContainsAny(sym, "$£¥") {
		// A code such as "CHF" needs a space to stay readable.
		return sign + sym + NBSP + num
	}
	return sign + sym + num
}

// Symbol returns the locale's symbol for the ISO 4217 code cur ("€", "$",
// "$US" in French), or cur itself when x/text does not know it.
func (l Locale) Symbol(cur string) string {
	u, err := currency.ParseISO(cur)
	if err != nil {
		return cur
	}
	return clean(l.printer().Sprint(currency.Symbol(u)))
}

// T translates the report string key (its English text) and formats args
// into it as fmt.Sprintf would. A key missing from the catalogue prints in
// English.
func (l Locale) T(key string, args ...any) string {
	return clean(l.printer().Sprintf(key, args...))
}

// Sprintf formats with the locale's number formatting applied to %d and
// %v of numbers, without translation.
func (l Locale) Sprintf(format string, args ...any) string {
	return clean(l.printer().Sprintf(format, args...))
}

// Month returns the full month name as used inside a date: "November",
// "novembre", "noviembre" (French and Spanish month names are lowercase).
func (l Locale) Month(m time.Month) string {
	return monthNames[l.base()][m-1]
}

// ShortMonth returns the abbreviated month name used on chart axes:
// "Nov", "nov.", "nov". (CLDR stand-alone abbreviated forms.)
func (l Locale) ShortMonth(m time.Month) string {
	return shortMonths[l.base()][m-1]
}

// Date formats a day: "27 Nov 2026" (en), "27 nov. 2026" (fr),
// "27 nov 2026" (es) — CLDR medium date patterns.
func (l Locale) Date(t time.Time) string {
	return fmt.Sprintf("%s %s %d", l.day(t.Day()), l.ShortMonth(t.Month()), t.Year())
}

// day writes a day of the month before its month. French writes the
// first as an ordinal, "1er mars" (premier), and every other day as a
// cardinal; English and Spanish use the cardinal throughout ("1 Mar",
// "1 mar").
func (l Locale) day(d int) string {
	if d == 1 && l.base() == "fr" {
		return "1er"
	}
	return strconv.Itoa(d)
}

// DateTime formats a day and the hour: "27 Nov 2026, 14:05" (en),
// "27 nov. 2026, 14:05" (fr, es); 24-hour clock in every language, which
// reads unambiguously in all three.
func (l Locale) DateTime(t time.Time) string {
	return fmt.Sprintf("%s, %02d:%02d", l.Date(t), t.Hour(), t.Minute())
}

// MonthYear formats a month: "November 2026", "novembre 2026",
// "noviembre de 2026".
func (l Locale) MonthYear(m time.Month, year int) string {
	if l.base() == "es" {
		return fmt.Sprintf("%s de %d", l.Month(m), year)
	}
	return fmt.Sprintf("%s %d", l.Month(m), year)
}

// ShortMonthYear formats a month for an axis or a column head: "Nov 2026".
func (l Locale) ShortMonthYear(m time.Month, year int) string {
	return fmt.Sprintf("%s %d", l.ShortMonth(m), year)
}

// DateRange formats an inclusive range of days, e.g. the ISO week
// "16 – 22 Nov 2026" or "28 Dec 2026 – 3 Jan 2027".
func (l Locale) DateRange(from, to time.Time) string {
	switch {
	case from.Year() != to.Year():
		return l.Date(from) + " – " + l.Date(to)
	case from.Month() != to.Month():
		return fmt.Sprintf("%s %s – %s", l.day(from.Day()), l.ShortMonth(from.Month()), l.Date(to))
	case from.Day() != to.Day():
		return fmt.Sprintf("%s – %s", l.day(from.Day()), l.Date(to))
	default:
		return l.Date(to)
	}
}

// Year names a calendar year ("2026") or the fiscal year named after the
// year it ends in ("FY2027", "exercice 2027", "ejercicio 2027").
func (l Locale) Year(year int, fiscal bool) string {
	if fiscal {
		return fmt.Sprintf(fiscalYear[l.base()], year)
	}
	return strconv.Itoa(year)
}

// Quarter names quarter n of a year written by Year: "Q3 2026" (en),
// "T3 2026" (fr, es).
func (l Locale) Quarter(n int, year string) string {
	return fmt.Sprintf("%s%d %s", quarterPrefix[l.base()], n, year)
}

// Half names half-year n of a year written by Year: "H2 2026" (en),
// "S2 2026" (fr, es).
func (l Locale) Half(n int, year string) string {
	return fmt.Sprintf("%s%d %s", halfPrefix[l.base()], n, year)
}

// ShortWeek names ISO week n for an axis: "W48" (en), "S48" (fr, es).
func (l Locale) ShortWeek(n int) string {
	return fmt.Sprintf("%s%02d", weekPrefix[l.base()], n)
}
