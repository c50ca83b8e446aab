package crm

// Status is where a deal stands.
type Status uint8

// The statuses of a deal.
const (
	StatusOpen Status = iota
	StatusWon
	StatusLost
)

var statusNames = [...]string{"open", "won", "lost"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "open"
}

// DealKind tells new business (conquest) from renewals (loyalty).
type DealKind uint8

// The kinds of deal. KindUnknown means the export does not say.
const (
	KindUnknown DealKind = iota
	KindNewBusiness
	KindRenewal
)

var kindNames = [...]string{"unknown", "new_business", "renewal"}

func (k DealKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Deal is one opportunity. Amount and Margin are in the deal's Currency;
// absent floats are NaN (see Has), absent dates NoDay, absent ids NoID.
// The fields are ordered so that the struct has no padding (80 bytes, not
// 88): an export may hold millions of deals.
type Deal struct {
	ID      string
	Owner   ID // Dataset.Owners
	Account ID // Dataset.Accounts
	Product ID // Dataset.Products
	Stage   ID // Dataset.Stages: the CRM's own stage name

	Created       Day
	Closed        Day
	ExpectedClose Day
	// LastActivity is the last activity day the CRM recorded on the deal.
	LastActivity Day

	Currency ID // Dataset.Currencies; NoID means the reporting currency
	Status   Status
	Kind     DealKind

	Amount float64
	// Margin is the gross margin in money, in Currency.
	Margin float64
	// Probability is a fraction in [0, 1].
	Probability float64
}
