package sources

import (
	"errors"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// The built-in value names every source understands after its own value
// map has run: canonical names, and common words in English, Spanish and
// French.

var statusWords = map[string]crm.Status{
	"open": crm.StatusOpen, "won": crm.StatusWon, "lost": crm.StatusLost,
	"closed won": crm.StatusWon, "closed lost": crm.StatusLost, "closedwon": crm.StatusWon, "closedlost": crm.StatusLost,
	"in progress": crm.StatusOpen, "ouvert": crm.StatusOpen, "en cours": crm.StatusOpen, "gagné": crm.StatusWon, "perdu": crm.StatusLost,
	"abierto": crm.StatusOpen, "abierta": crm.StatusOpen, "ganado": crm.StatusWon, "ganada": crm.StatusWon,
	"perdido": crm.StatusLost, "perdida": crm.StatusLost,
}

// parseStatus reads a deal status.
func parseStatus(s string) (crm.Status, error) {
	if st, ok := statusWords[normValue(s)]; ok {
		return st, nil
	}
	return crm.StatusOpen, errors.New("expected a status open, won or lost (map the export's names under values: status:)")
}

// statusFromStage guesses a status from a stage name when the source maps
// no status: a stage called won or lost (in any of the languages above) is
// closed, anything else open.
func statusFromStage(stage string) crm.Status {
	if st, ok := statusWords[normValue(stage)]; ok {
		return st
	}
	return crm.StatusOpen
}

// stageWords are the stage names every source ties to a canonical stage:
// the canonical names and the closed stages most CRMs share.
var stageWords = map[string]crm.StageKind{
	"closed won": crm.StageWon, "closedwon": crm.StageWon, "closed lost": crm.StageLost, "closedlost": crm.StageLost,
}

// stageKindOf tells which canonical stage a stage name stands for: the one
// the source's preset ties its raw name to, else the one its name (after
// the value map, which may rename a stage to a canonical name) is. Any
// other name is StageUnmapped and prints as the CRM wrote it.
func stageKindOf(pre preset, raw, name string) crm.StageKind {
	for n, k := range pre.stages {
		if normValue(n) == normValue(raw) {
			return k
		}
	}
	if k, ok := crm.ParseStageKind(name); ok {
		return k
	}
	return stageWords[normValue(name)]
}

var activityWords = map[string]crm.ActivityType{
	"call": crm.ActivityCall, "phone call": crm.ActivityCall, "phone": crm.ActivityCall, "appel": crm.ActivityCall,
	"appel téléphonique": crm.ActivityCall, "téléphone": crm.ActivityCall, "llamada": crm.ActivityCall,
	"llamada telefónica": crm.ActivityCall, "teléfono": crm.ActivityCall,
	"meeting": crm.ActivityMeeting, "visit": crm.ActivityMeeting, "appointment": crm.ActivityMeeting, "event": crm.ActivityMeeting,
	"réunion": crm.ActivityMeeting, "visite": crm.ActivityMeeting, "rendez-vous": crm.ActivityMeeting, "rdv": crm.ActivityMeeting,
	"reunión": crm.ActivityMeeting, "reunion": crm.ActivityMeeting, "visita": crm.ActivityMeeting, "cita": crm.ActivityMeeting,
	"demo": crm.ActivityDemo, "demonstration": crm.ActivityDemo, "démo": crm.ActivityDemo, "démonstration": crm.ActivityDemo,
	"demostración": crm.ActivityDemo, "demostracion": crm.ActivityDemo,
	"proposal": crm.ActivityProposal, "quote": crm.ActivityProposal, "offer": crm.ActivityProposal,
	"proposition": crm.ActivityProposal, "devis": crm.ActivityProposal, "offre": crm.ActivityProposal,
	"propuesta": crm.ActivityProposal, "presupuesto": crm.ActivityProposal, "cotización": crm.ActivityProposal, "oferta": crm.ActivityProposal,
	"email": crm.ActivityEmail, "e-mail": crm.ActivityEmail, "mail": crm.ActivityEmail, "courriel": crm.ActivityEmail,
	"correo": crm.ActivityEmail, "correo electrónico": crm.ActivityEmail,
	"task": crm.ActivityTask, "todo": crm.ActivityTask, "to-do": crm.ActivityTask, "to do": crm.ActivityTask,
	"tâche": crm.ActivityTask, "tarea": crm.ActivityTask,
	"other": crm.ActivityOther, "autre": crm.ActivityOther, "otro": crm.ActivityOther, "otra": crm.ActivityOther,
}

// activityTypeOf reads an activity type. A type no map knows is "other":
// activity types are open-ended, so an unknown one does not set the row
// aside (docs/SOURCES.md says how to map it).
func activityTypeOf(s string) (t crm.ActivityType, known bool) {
	t, known = activityWords[normValue(s)]
	return t, known
}

var dealKindWords = map[string]crm.DealKind{
	"unknown": crm.KindUnknown, "new_business": crm.KindNewBusiness, "new business": crm.KindNewBusiness,
	"new": crm.KindNewBusiness, "newbusiness": crm.KindNewBusiness, "conquest": crm.KindNewBusiness,
	"nouveau": crm.KindNewBusiness, "nouvelle affaire": crm.KindNewBusiness, "conquête": crm.KindNewBusiness,
	"nuevo": crm.KindNewBusiness, "nuevo negocio": crm.KindNewBusiness,
	"renewal": crm.KindRenewal, "existing business": crm.KindRenewal, "existingbusiness": crm.KindRenewal,
	"loyalty": crm.KindRenewal, "upsell": crm.KindRenewal, "renouvellement": crm.KindRenewal,
	"fidélisation": crm.KindRenewal, "renovación": crm.KindRenewal, "renovacion": crm.KindRenewal,
}

func parseDealKind(s string) (crm.DealKind, error) {
	if k, ok := dealKindWords[normValue(s)]; ok {
		return k, nil
	}
	return crm.KindUnknown, errors.New("expected new_business or renewal (map the export's names under values: kind:)")
}

func parseLeadKind(s string) (crm.LeadKind, error) {
	switch normValue(s) {
	case "lead", "prospect", "piste":
		return crm.LeadKindLead, nil
	case "contact":
		return crm.LeadKindContact, nil
	}
	return crm.LeadKindLead, errors.New("expected lead or contact")
}

func parseScope(s string) (crm.TargetScope, error) {
	switch normValue(s) {
	case "rep", "person", "agent", "individual":
		return crm.TargetPerson, nil
	case "team":
		return crm.TargetTeam, nil
	case "region", "office":
		return crm.TargetRegion, nil
	case "org", "organisation", "organization", "company":
		return crm.TargetOrg, nil
	}
	return crm.TargetPerson, errors.New("expected rep, team, region or org")
}

// currencyCode reads a currency column: an ISO code or a symbol.
func currencyCode(s string) (string, error) {
	if isUpperCode(strings.ToUpper(s)) {
		return strings.ToUpper(s), nil
	}
	for _, c := range currencySymbols {
		if s == c.sym {
			return c.code, nil
		}
	}
	return "", errors.New("expected a currency code such as EUR or USD")
}
