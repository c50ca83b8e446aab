package locale

// Month names from CLDR (gregorian, format wide / stand-alone
// abbreviated). x/text does not publish them, so they are tabled here.
var monthNames = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

var shortMonths = map[string][12]string{
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	"fr": {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
	"es": {"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
}

// Period names by number. CLDR's abbreviated quarters are "Q3" (en) and
// "T3" (fr "trimestre", es "trimestre"); CLDR has no halves or weeks, so
// they follow the same pattern with the word each language uses: "H2" /
// "S2" (semestre), "W48" / "S48" (semaine, semana). A fiscal year is named
// as accountants in each language do: "FY2027", "exercice 2027",
// "ejercicio 2027".
var (
	quarterPrefix = map[string]string{"en": "Q", "fr": "T", "es": "T"}
	halfPrefix    = map[string]string{"en": "H", "fr": "S", "es": "S"}
	weekPrefix    = map[string]string{"en": "W", "fr": "S", "es": "S"}
	fiscalYear    = map[string]string{"en": "FY%d", "fr": "exercice %d", "es": "ejercicio %d"}
)
