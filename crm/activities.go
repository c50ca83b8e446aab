package crm

import "strings"

// ActivityType is the canonical kind of a sales action.
type ActivityType uint8

// The activity types every CRM's own names are mapped onto.
const (
	ActivityOther ActivityType = iota
	ActivityCall
	ActivityMeeting // a meeting or a visit
	ActivityDemo
	ActivityProposal
	ActivityEmail
	ActivityTask
)

// ActivityTypes lists every type, in report order.
var ActivityTypes = []ActivityType{ActivityCall, ActivityMeeting, ActivityDemo, ActivityProposal, ActivityEmail, ActivityTask, ActivityOther}

var activityNames = [...]string{"other", "call", "meeting", "demo", "proposal", "email", "task"}

func (t ActivityType) String() string {
	if int(t) < len(activityNames) {
		return activityNames[t]
	}
	return "other"
}

// ParseActivityType reads a canonical type name ("call", "meeting", ...).
func ParseActivityType(s string) (ActivityType, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range activityNames {
		if n == s {
			return ActivityType(i), true
		}
	}
	return ActivityOther, false
}

// Tri is a yes/no value that may be absent.
type Tri int8

// The values of a Tri.
const (
	TriUnknown Tri = iota
	TriFalse
	TriTrue
)

// Activity is one call, visit, demo, proposal, email or task. The fields
// are ordered widest first so that the struct has no padding (72 bytes, not
// 80): an export may hold millions of activities.
type Activity struct {
	ID      string
	Subject string
	Deal    string // the linked deal's id, if any
	Owner   ID     // Dataset.Owners
	Account ID     // Dataset.Accounts
	Due     Day
	DoneAt  Day
	Type    ActivityType
	Done    Tri
}

// IsDone reports whether the activity is known to be done: either flagged
// so or carrying a done date.
func (a *Activity) IsDone() bool {
	return a.Done == TriTrue || (a.Done == TriUnknown && a.DoneAt.Valid())
}

// LeadKind tells a new contact from a new lead.
type LeadKind uint8

// The kinds of lead or contact creation.
const (
	LeadKindLead LeadKind = iota
	LeadKindContact
)

func (k LeadKind) String() string {
	if k == LeadKindContact {
		return "contact"
	}
	return "lead"
}

// Lead is the creation of a lead or a contact by an owner.
type Lead struct {
	Owner ID
	Date  Day
	Kind  LeadKind
}

// Invoice is invoiced (or produced) volume, which some companies pay
// bonuses on.
type Invoice struct {
	ID       string
	Owner    ID
	Account  ID
	Date     Day
	Currency ID // before Amount: no padding (40 bytes, not 48)
	Amount   float64
}
