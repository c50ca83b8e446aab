package report

import (
	"strconv"
	"time"

	"github.com/crmdigest/crmdigest/kpi"
)

// The words of a reading come from its state only (kpi.Reading.State):
// "seasonal" is said only when the seasonal pattern explains the move
// (Reading.Seasonal), never of a value outside its usual range.

// periodName names a period by its number in the reader's language, never
// by its id: "Oct 2026", "Q3 2026" / "T3 2026", "H2 2026" / "S2 2026",
// "W48 2026" / "S48 2026", "2026" or a fiscal "FY2027" / "exercice 2027".
// Every form reads mid-sentence as it does in a heading.
func (b *builder) periodName(p kpi.Period) string {
	year := b.loc.Year(p.Year, p.FiscalStart > 1)
	switch p.Kind {
	case kpi.Week:
		return b.loc.ShortWeek(p.N) + " " + strconv.Itoa(p.Year)
	case kpi.Month:
		return b.loc.ShortMonthYear(time.Month(p.N), p.Year)
	case kpi.Quarter:
		return b.loc.Quarter(p.N, year)
	case kpi.Half:
		return b.loc.Half(p.N, year)
	}
	return year
}

// stateShort is the word of a table cell.
func (b *builder) stateShort(rd *kpi.Reading) string {
	if rd == nil {
		return b.t("not enough history")
	}
	switch rd.State {
	case kpi.StateWithin:
		if rd.Seasonal {
			return b.t("Seasonal")
		}
		return b.t("Within range")
	case kpi.StateWithinOff:
		if rd.Direction < 0 {
			return b.t("Low, within range")
		}
		return b.t("High, within range")
	case kpi.StateOutside:
		if rd.Direction < 0 {
			return "▼ " + b.t("Below range since %s", b.periodName(rd.Since))
		}
		return "▲ " + b.t("Above range since %s", b.periodName(rd.Since))
	case kpi.StateStructural:
		// A lozenge the bundled fonts draw: the filled diamond (U+25C6)
		// printed as a missing glyph in the PDF.
		return "◊ " + b.t("Structural since %s", b.periodName(rd.Break))
	case kpi.StateBack:
		return b.t("Back within range")
	}
	return b.t("not enough history")
}

// stateSentence is the reading of a headline.
func (b *builder) stateSentence(rd *kpi.Reading) string {
	if rd == nil {
		return b.t("Not enough history for a seasonal reading yet (two full years are needed).")
	}
	x := b.loc.Percent(rd.Variation, 0)
	switch rd.State {
	case kpi.StateWithin:
		if rd.Seasonal {
			return b.t("Within its usual range: the seasonal pattern explains the move.")
		}
		return b.t("Within its usual range.")
	case kpi.StateWithinOff:
		if rd.Direction < 0 {
			return b.t("Below expectation, within usual variation (±%s).", x)
		}
		return b.t("Above expectation, within usual variation (±%s).", x)
	case kpi.StateOutside:
		switch {
		case rd.Running <= 1 && rd.Direction < 0:
			return b.t("Below its usual range this period only: too early to call it structural.")
		case rd.Running <= 1:
			return b.t("Above its usual range this period only: too early to call it structural.")
		case rd.Direction < 0:
			return b.t("Below its usual range %d periods running, since %s.", rd.Running, b.periodName(rd.Since))
		}
		return b.t("Above its usual range %d periods running, since %s.", rd.Running, b.periodName(rd.Since))
	case kpi.StateStructural:
		return b.t("This looks structural: a lasting break since %s.", b.periodName(rd.Break))
	case kpi.StateBack:
		return b.backSentence(rd)
	}
	if rd.Coverage != "" {
		return b.t("No seasonal reading: %s.", b.coverage(rd.CoverageDetail))
	}
	return b.t("Not enough history for a seasonal reading yet (two full years are needed).")
}

// backSentence says how long the run that just ended was and on which
// side: "after a month above it (Sep 2026)", "after 3 months below it,
// since Jul 2026"; "a run beyond it" said neither.
func (b *builder) backSentence(rd *kpi.Reading) string {
	n, side := rd.Ended, rd.EndedSide
	since := b.periodName(rd.Since)
	month := rd.Since.Kind == kpi.Month
	switch {
	case side == 0:
		return b.t("Back within its usual range after a run beyond it since %s.", since)
	case n == 1 && month && side > 0:
		return b.t("Back within its usual range after a month above it (%s).", since)
	case n == 1 && month:
		return b.t("Back within its usual range after a month below it (%s).", since)
	case n == 1 && side > 0:
		return b.t("Back within its usual range after a period above it (%s).", since)
	case n == 1:
		return b.t("Back within its usual range after a period below it (%s).", since)
	case month && side > 0:
		return b.t("Back within its usual range after %d months above it, since %s.", n, since)
	case month:
		return b.t("Back within its usual range after %d months below it, since %s.", n, since)
	case side > 0:
		return b.t("Back within its usual range after %d periods above it, since %s.", n, since)
	}
	return b.t("Back within its usual range after %d periods below it, since %s.", n, since)
}

// coverage says in the reader's language why a comparison is missing
// (kpi.Coverage.Text says it in English).
func (b *builder) coverage(c kpi.Coverage) string {
	if c.From.Valid() {
		day := b.loc.Date(c.From.Time())
		switch c.Rows {
		case "closed deals":
			return b.t("the export's closed deals start on %s", day)
		case "invoices":
			return b.t("the export's invoices start on %s", day)
		case "leads":
			return b.t("the export's leads start on %s", day)
		case "activities":
			return b.t("the export's activities start on %s", day)
		}
		return b.t("the export's deals start on %s", day)
	}
	if c.Until.Valid() {
		return b.t("the export ends on %s", b.loc.Date(c.Until.Time()))
	}
	return b.t("the export does not cover the periods it needs")
}
