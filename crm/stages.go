package crm

import "strings"

// StageKind is the canonical step of the sales funnel that a CRM's own
// stage name may stand for. Stage names stay as the CRM writes them (stage
// probabilities and the funnel order are keyed by them); a source's preset
// maps the names it knows onto a kind, so that a digest can print the
// step in the reader's language.
type StageKind uint8

// The canonical stages, in funnel order. StageUnmapped is a name no preset
// or value map ties to a canonical stage: it is printed as the CRM wrote it.
const (
	StageUnmapped StageKind = iota
	StageProspecting
	StageQualification
	StageProposal
	StageNegotiation
	StageWon
	StageLost
)

// StageKinds lists the canonical stages in funnel order.
var StageKinds = []StageKind{StageProspecting, StageQualification, StageProposal, StageNegotiation, StageWon, StageLost}

var stageKindNames = [...]string{"", "prospecting", "qualification", "proposal", "negotiation", "won", "lost"}

func (k StageKind) String() string {
	if int(k) < len(stageKindNames) {
		return stageKindNames[k]
	}
	return ""
}

// ParseStageKind reads a canonical stage name ("prospecting", "won", ...),
// in any case; anything else is StageUnmapped.
func ParseStageKind(s string) (StageKind, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range stageKindNames {
		if i > 0 && n == s {
			return StageKind(i), true
		}
	}
	return StageUnmapped, false
}

// MapStage records that the stage name id stands for the canonical stage k.
func (d *Dataset) MapStage(id ID, k StageKind) {
	if k == StageUnmapped || id == NoID {
		return
	}
	if d.StageKinds == nil {
		d.StageKinds = make(map[ID]StageKind)
	}
	d.StageKinds[id] = k
}

// StageKind returns the canonical stage the stage name id stands for, or
// StageUnmapped.
func (d *Dataset) StageKind(id ID) StageKind { return d.StageKinds[id] }

// OrderStage records that the stage name id stands at position pos of the
// funnel its source's preset declares.
func (d *Dataset) OrderStage(id ID, pos int) {
	if id == NoID {
		return
	}
	if d.StageOrder == nil {
		d.StageOrder = make(map[ID]int)
	}
	d.StageOrder[id] = pos
}

// StageRank is the funnel position of the stage name id, for ordering
// stages whose probability is unknown: the position its preset declares
// when the preset declares an order (ok false for a name it does not
// list), else the position of its canonical stage (ok false when it has
// none).
func (d *Dataset) StageRank(id ID) (int, bool) {
	if len(d.StageOrder) > 0 {
		pos, ok := d.StageOrder[id]
		return pos, ok
	}
	k := d.StageKinds[id]
	return int(k), k != StageUnmapped
}
