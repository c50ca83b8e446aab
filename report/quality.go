package report

import (
	"path/filepath"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// quality writes the data-quality lines: which exports the digest was
// built from, how fresh they are, and how many rows were set aside.
func (b *builder) quality() {
	s := b.s
	var kinds []string
	last := crm.NoDay
	setAside := 0
	for _, q := range s.ds.Quality {
		name := q.Name
		if name == "" {
			name = string(q.Kind)
		}
		file := filepath.Base(q.File)
		if q.Sheet != "" {
			file += " [" + q.Sheet + "]"
		}
		line := name + " — " + file
		if q.Fatal != "" {
			line += b.loc.Colon() + b.t("could not be read (%s)", q.Fatal)
			b.d.Sources = append(b.d.Sources, line)
			continue
		}
		fresh := q.ExportDate
		if fresh == 0 {
			fresh = crm.NoDay // a zero day is an unset field, as in package kpi
		}
		what := "exported %s"
		if !fresh.Valid() && !q.ModTime.IsZero() {
			fresh = crm.DayOf(q.ModTime.In(s.opts.Location))
			what = "file of %s"
		}
		if what == "file of %s" && fresh.Valid() && fresh > s.asOf {
			// A file touched after the as-of day (a copy, a clone) dates
			// the copy, not the figures: its date would mislead and would
			// change the digest with every checkout.
			line += ", " + b.t("file modified after the as-of day")
			fresh = crm.NoDay
		}
		if fresh.Valid() {
			line += ", " + b.t(what, b.loc.Date(fresh.Time()))
			switch age := int(s.asOf - fresh); {
			case age == 1:
				line += " " + b.t("(1 day before the as-of day)")
			case age >= 0:
				line += " " + b.plural(age, "(1 day before the as-of day)", "(%d days before the as-of day)")
			}
		}
		upTo := dataUpTo(q, s.asOf)
		if upTo.Valid() {
			line += ", " + b.t("data up to %s", b.loc.Date(upTo.Time()))
		}
		line += b.t("; ") + b.t("%s rows read, %s used, %s set aside", b.loc.Int(int64(q.RowsRead)), b.loc.Int(int64(q.RowsAccepted)), b.loc.Int(int64(q.RowsSetAside))) + "."
		b.d.Sources = append(b.d.Sources, line)
		kinds = append(kinds, name)
		setAside += q.RowsSetAside
		if q.Kind != crm.KindTargets && q.Kind != crm.KindPeople && upTo.Valid() && (!last.Valid() || upTo > last) {
			last = upTo
		}
	}
	if len(s.ds.Quality) == 0 {
		b.d.Sources = append(b.d.Sources, b.t("No data-quality report: the dataset was not read from exports."))
	}
	foot := b.t("Sources") + b.loc.Colon() + strings.Join(dedupe(kinds), ", ")
	if last.Valid() {
		foot += " · " + b.t("data up to %s", b.loc.Date(last.Time()))
	}
	foot += " · " + b.t("%d rows set aside", setAside)
	b.d.SourcesFooter = foot
}

// dataUpTo is the last day an export's figures speak of, as the digest
// reads them: its last dated row, but never after the export day (tasks
// planned for later are not data) nor after the as-of day (the digest
// counts nothing later).
func dataUpTo(q crm.SourceReport, asOf crm.Day) crm.Day {
	last := q.Last
	if !last.Valid() || last == 0 {
		return crm.NoDay
	}
	if q.ExportDate.Valid() && q.ExportDate != 0 {
		last = min(last, q.ExportDate)
	}
	return min(last, asOf)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
