package pdfkit

import (
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/locale"
	"github.com/go-pdf/fpdf"
)

// TestTableFits lays out a table with a long catalogue title, a long name,
// a wide amount in a narrow column and a column empty on every row, and
// checks through the hook: the empty column is left out, the name takes
// two lines and ends with "…", catalogue text wraps whole, and no line is
// wider than its room.
func TestTableFits(t *testing.T) {
	var drawn []Drawn
	loc := locale.New("fr")
	d := NewWith(loc, Header{Title: "Rapport", Period: "Semaine 48", AsOf: asOf}, "Sources : demo", asOf, Options{OnText: func(x Drawn) { drawn = append(drawn, x) }})
	d.Section("Commerciaux", 20)
	long := strings.Repeat("Bartholomew Featherstonehaugh-Cholmondeley de la Tour d'Auvergne ", 3)
	d.Table(Table{
		Columns: []Column{{Title: "Commercial", Weight: 2, Data: true}, {Title: "Montant moyen par affaire signée", Weight: 0.6, Numeric: true},
			{Title: "Objectif", Weight: 1, Numeric: true}, {Title: "Lecture", Weight: 1}},
		Rows: [][]string{{long, loc.Money(1234567, "EUR", 0), "", "dans la plage habituelle depuis deux mois"},
			{"Zoé", loc.Money(12, "EUR", 0), " ", "en dessous"}},
	})
	if _, err := d.Bytes(); err != nil {
		t.Fatal(err)
	}
	m := fpdf.New("P", "mm", "A4", "")
	fonts.Register(m)
	var nameLines []string
	heads := map[string]bool{}
	for _, x := range drawn {
		m.SetFont(x.Family, x.Style, x.Size)
		if w := m.GetStringWidth(x.Text); w > x.Width+0.01 {
			t.Errorf("%q is %.1f mm wide in %.1f mm", x.Text, w, x.Width)
		}
		if x.Kind == KindHead {
			heads[x.Text] = true
		}
		if x.Kind == KindCell && x.Data {
			nameLines = append(nameLines, x.Text)
		}
		if !x.Data && strings.Contains(x.Text, "…") {
			t.Errorf("catalogue text cut: %q", x.Text)
		}
	}
	if heads["Objectif"] {
		t.Error("the empty Objectif column is drawn")
	}
	if heads["Montant moyen par affaire signée"] || !heads["affaire signée"] && !heads["signée"] {
		t.Errorf("the long title does not wrap whole: %v", heads)
	}
	if len(nameLines) != 3 || !strings.HasSuffix(nameLines[1], "…") || nameLines[2] != "Zoé" {
		t.Errorf("name lines %q: want the long name on two lines ending with …, then Zoé", nameLines)
	}
}

// TestWrapKeepsNoBreakSpaces checks that Wrap breaks at spaces only, not
// at the no-break spaces of the locale, and keeps a sign with its figure.
func TestWrapKeepsNoBreakSpaces(t *testing.T) {
	d := New(locale.New("fr"), Header{Title: "t"}, "", asOf)
	d.Font(false, SizeSmall)
	s := "habituel 1,5 · ▲ +43\u00a0% signé\u00a0: 9\u00a0010\u00a0€"
	// From the widest word ("9 010 €") up: a narrower room breaks words.
	for _, w := range []float64{12, 20, 30, 45} {
		for _, l := range d.Wrap(s, w) {
			if strings.HasPrefix(l, "%") || strings.HasPrefix(l, "€") || strings.HasPrefix(l, ":") || strings.HasSuffix(l, "▲") {
				t.Errorf("width %v: line %q broken at a no-break space or after a sign", w, l)
			}
		}
		if got := strings.Join(d.Wrap(s, w), " "); got != s {
			t.Errorf("width %v: wrap lost text: %q", w, got)
		}
	}
}

// TestWrapNarrowerThanARune checks that a room narrower than one letter
// still ends, one letter a line, with nothing lost.
func TestWrapNarrowerThanARune(t *testing.T) {
	d := New(locale.New("en"), Header{Title: "t"}, "", asOf)
	d.Font(false, SizeText)
	got := d.Wrap("Won revenue", 0.5)
	if strings.Join(got, "") != "Wonrevenue" || len(got) != 10 {
		t.Errorf("Wrap in 0.5 mm = %q", got)
	}
}

// TestNameTakesRoomFromNumbers lays out the Spanish manager's rep table,
// whose name column is a little too narrow for "Rubén Giménez", and checks
// that the name holds on one line, room taken from the number columns, and
// that no number or title overflows; then a table whose number columns have
// no room to spare, where the long name still wraps as before.
func TestNameTakesRoomFromNumbers(t *testing.T) {
	names := func(cols []Column, rows [][]string, marks []string) map[string][]string {
		var drawn []Drawn
		loc := locale.New("es")
		d := NewWith(loc, Header{Title: "Informe", Period: "Semana 48", AsOf: asOf}, "Fuentes: demo", asOf, Options{OnText: func(x Drawn) { drawn = append(drawn, x) }})
		d.Section("Comerciales", 20)
		d.Table(Table{Columns: cols, Rows: rows, MarkTitle: "vs equipo", Marks: marks})
		if _, err := d.Bytes(); err != nil {
			t.Fatal(err)
		}
		m := fpdf.New("P", "mm", "A4", "")
		fonts.Register(m)
		lines := map[string][]string{}
		row := 0
		for _, x := range drawn {
			m.SetFont(x.Family, x.Style, x.Size)
			if w := m.GetStringWidth(x.Text); w > x.Width+0.01 {
				t.Errorf("%q is %.1f mm wide in %.1f mm", x.Text, w, x.Width)
			}
			if x.Kind == KindCell && x.Data {
				lines[rows[row][0]] = append(lines[rows[row][0]], x.Text)
				if strings.Join(lines[rows[row][0]], " ") == rows[row][0] {
					row++
				}
			}
		}
		return lines
	}
	cols := []Column{{Title: "Comercial", Weight: 2.3, Data: true}, {Title: "Ingresos", Weight: 1.7, Numeric: true},
		{Title: "vs objetivo", Weight: 1.2, Numeric: true}, {Title: "Oport.", Weight: 1, Numeric: true},
		{Title: "% éxito", Weight: 1.1, Numeric: true}, {Title: "Nuev. op.", Weight: 1.1, Numeric: true},
		{Title: "Llamadas", Weight: 1, Numeric: true}, {Title: "Visitas", Weight: 1, Numeric: true},
		{Title: "Demos", Weight: 1, Numeric: true}, {Title: "Pipeline", Weight: 1.6, Numeric: true}}
	rows := [][]string{
		{"Iñaki Muñoz", "78.410 €", "+45 %", "5", "71 %", "6", "8", "7", "5", "145.260 €"},
		{"Rubén Giménez", "21.570 €", "−82 %", "1", "25 %", "3", "4", "4", "1", "84.060 €"},
	}
	marks := []string{"▲ Ingresos, Demos", "▼▼ Ingresos ▼ Pipeline"}
	if got := names(cols, rows, marks)["Rubén Giménez"]; len(got) != 1 {
		t.Errorf("Rubén Giménez drawn on %d lines %q: want one, room taken from the numbers", len(got), got)
	}

	// Number columns already at their need: nothing to spare, the name wraps.
	packed := []Column{{Title: "Comercial", Weight: 1, Data: true}}
	packedRow := []string{"Bartholomew Featherstonehaugh"}
	for i := 0; i < 9; i++ {
		packed = append(packed, Column{Title: "Ingresos", Weight: 1, Numeric: true})
		packedRow = append(packedRow, "1.234.567.890 €")
	}
	if got := names(packed, [][]string{packedRow}, nil)[packedRow[0]]; len(got) != 2 {
		t.Errorf("with no room to spare the name is drawn on %d lines %q: want it wrapped on two as before", len(got), got)
	}
}
