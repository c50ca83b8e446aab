package locale

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

// messages holds the report strings. The key is the English text, so a key
// missing in a language prints in English. Keys with verbs (%d, %s) take
// the same arguments in every language.
var messages = []struct{ en, fr, es string }{
	// Titles and headers.
	{"Weekly digest", "Synthèse hebdomadaire", "Resumen semanal"},
	{"Team report", "Rapport d'équipe", "Informe del equipo"},
	{"Monthly comparison", "Comparaison mensuelle", "Comparativa mensual"},
	{"As of %s", "Au %s", "A %s"},
	{"Period: %s", "Période : %s", "Periodo: %s"},
	{"Page %d of %s", "Page %d sur %s", "Página %d de %s"},
	{"Data sources", "Sources des données", "Fuentes de datos"},
	{"%d rows set aside", "%d lignes écartées", "%d filas descartadas"},
	{"exported %s", "exporté le %s", "exportado el %s"},
	// Metrics.
	{"Won revenue", "Chiffre d'affaires signé", "Ingresos ganados"},
	{"Margin", "Marge", "Margen"},
	{"Deals won", "Affaires gagnées", "Oportunidades ganadas"},
	{"Open pipeline", "Pipeline ouvert", "Pipeline abierto"},
	{"Pipeline by stage", "Pipeline par étape", "Pipeline por etapa"},
	{"Revenue trend", "Évolution du chiffre d'affaires", "Evolución de los ingresos"},
	{"Activities", "Activités", "Actividades"},
	{"New contacts", "Nouveaux contacts", "Nuevos contactos"},
	{"Leads", "Pistes", "Leads"},
	{"Calls", "Appels", "Llamadas"},
	{"Visits", "Visites", "Visitas"},
	{"Demos", "Démos", "Demos"},
	{"Proposals", "Propositions", "Propuestas"},
	// Periods.
	{"Last week", "Semaine dernière", "Semana pasada"},
	{"Week", "Semaine", "Semana"},
	{"Month to date", "Mois en cours", "Mes hasta la fecha"},
	{"Quarter to date", "Trimestre en cours", "Trimestre hasta la fecha"},
	{"Half-year to date", "Semestre en cours", "Semestre hasta la fecha"},
	{"Year to date", "Année en cours", "Año hasta la fecha"},
	{"This year", "Cette année", "Este año"},
	{"Last year", "L'an dernier", "El año pasado"},
	{"Previous month", "Mois précédent", "Mes anterior"},
	{"Same month last year", "Même mois l'an dernier", "Mismo mes del año pasado"},
	// Comparisons.
	{"Actual", "Réalisé", "Real"},
	{"Target", "Objectif", "Objetivo"},
	{"Expected", "Attendu", "Esperado"},
	{"Seasonal expectation", "Attendu saisonnier", "Expectativa estacional"},
	{"Usual", "Habituel", "Habitual"},
	{"usual %s", "habituel %s", "habitual %s"},
	{"vs target", "vs objectif", "vs objetivo"},
	{"vs expected", "vs attendu", "vs esperado"},
	{"vs last year", "vs l'an dernier", "vs el año pasado"},
	{"vs previous month", "vs mois précédent", "vs mes anterior"},
	{"vs usual", "vs habituel", "vs habitual"},
	{"above", "au-dessus", "por encima"},
	{"below", "en dessous", "por debajo"},
	{"on target", "dans l'objectif", "en el objetivo"},
	{"above usual", "au-dessus de l'habituel", "por encima de lo habitual"},
	{"below usual", "en dessous de l'habituel", "por debajo de lo habitual"},
	{"no history yet", "pas encore d'historique", "aún sin historial"},
	{"no target", "pas d'objectif", "sin objetivo"},
	{"no data", "aucune donnée", "sin datos"},
	{"no activity export", "pas d'export d'activités", "sin exportación de actividades"},
	{"n/a", "n.d.", "n.d."},
	// To-do list and alerts.
	{"To do", "À faire", "Pendiente"},
	{"overdue", "en retard", "vencida"},
	{"Overdue actions", "Actions en retard", "Acciones vencidas"},
	{"Due this week", "À faire cette semaine", "Para esta semana"},
	{"Past close date", "Date de clôture dépassée", "Fecha de cierre superada"},
	{"Stale deals", "Affaires sans mouvement", "Oportunidades estancadas"},
	{"nothing to report", "rien à signaler", "nada que señalar"},
	// Tables.
	{"Rep", "Commercial", "Comercial"},
	{"Team", "Équipe", "Equipo"},
	{"Region", "Région", "Región"},
	{"Rank", "Rang", "Puesto"},
	{"Stage", "Étape", "Etapa"},
	{"Account", "Compte", "Cuenta"},
	{"Date", "Date", "Fecha"},
	{"Total", "Total", "Total"},
	{"Outlier", "Écart", "Atípico"},
	{"Ranking", "Classement", "Clasificación"},
	// Diagnoses.
	{"General slowdown", "Ralentissement général", "Desaceleración general"},
	{"Individual shortfall", "Retard individuel", "Déficit individual"},
	{"Structural", "Structurel", "Estructural"},
	{"Seasonal", "Saisonnier", "Estacional"},
}

// catalog is private to the package: the report strings do not leak into
// x/text's global DefaultCatalog, which other packages may fill.
var messageCatalog = buildCatalog()

func buildCatalog() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for _, m := range messages {
		for _, tr := range []struct {
			tag language.Tag
			s   string
		}{{language.English, m.en}, {language.French, m.fr}, {language.Spanish, m.es}} {
			if err := b.SetString(tr.tag, m.en, tr.s); err != nil {
				panic("locale: bad catalogue entry " + m.en + ": " + err.Error())
			}
		}
	}
	return b
}

// Keys returns the English keys of the catalogue, in catalogue order (for
// tests and for checking another package's strings are all translated).
func Keys() []string {
	keys := make([]string, len(messages))
	for i, m := range messages {
		keys[i] = m.en
	}
	return keys
}
