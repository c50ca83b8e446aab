package crm

import "strings"

// Role is a person's place in the sales organisation; it decides which
// digest they receive.
type Role uint8

// The roles. RoleUnknown is a person whose directory row gave no role.
const (
	RoleUnknown Role = iota
	RoleRep
	RoleManager
	RoleDirector
)

var roleNames = [...]string{"unknown", "rep", "manager", "director"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "unknown"
}

// ParseRole reads a role name; it accepts common synonyms.
func ParseRole(s string) (Role, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "rep", "sales rep", "sales agent", "agent", "salesperson", "account executive", "ae":
		return RoleRep, true
	case "manager", "sales manager", "team lead", "team leader":
		return RoleManager, true
	case "director", "sales director", "head of sales", "vp sales", "vp":
		return RoleDirector, true
	}
	return RoleUnknown, false
}

// Person is one entry of the people directory.
type Person struct {
	Name  string
	Email string
	Role  Role
	// Manager is the name (or email) of the person they report to.
	Manager string
	Team    string
	Region  string
	// Locale is a BCP 47 tag such as "en", "fr" or "es-ES".
	Locale string
	// TimeZone is an IANA zone name; it decides when their email is sent
	// and how dates are printed, never which period a figure falls in.
	TimeZone string
	// CRMID is the owner id the CRM writes in its exports (a Salesforce
	// User Id, a HubSpot owner id), when exports name owners by id.
	CRMID string
}

// Key is the person's stable key in output: the email, else the name.
func (p *Person) Key() string {
	if p.Email != "" {
		return p.Email
	}
	return p.Name
}
