package pdfkit

import (
	"bytes"
	"flag"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/crmdigest/crmdigest/charts"
	"github.com/crmdigest/crmdigest/charts/fonts"
	"github.com/crmdigest/crmdigest/locale"
	"github.com/go-pdf/fpdf"
)

var keep = flag.String("keep", "", "write the sample PDFs into this directory to look at them")

var asOf = time.Date(2026, time.November, 23, 7, 0, 0, 0, time.UTC)

// sample lays out a two-page rep digest with three charts, the shape of
// the real one, in the given language.
func sample(code string) *Doc {
	loc := locale.New(code)
	f := charts.Format{Locale: loc, Currency: "EUR"}
	d := New(loc, Header{
		Title:  loc.T("Weekly digest") + " — Françoise Núñez-Müller",
		Period: loc.DateRange(asOf.AddDate(0, 0, -7), asOf.AddDate(0, 0, -1)),
		AsOf:   asOf,
	}, loc.T("Data sources")+": deals.csv, activities.xlsx · "+loc.T("%d rows set aside", 12), asOf)

	d.Headline(loc.T("Won revenue") + " " + loc.Money(48200, "EUR", 0) + ", ▲ " + loc.SignedPercent(0.12, 0) + " " + loc.T("vs expected") + "; 3 " + loc.T("Overdue actions"))
	week, dirW := d.Compare(48200, 43000, loc.T("vs expected"), loc.T("no history yet"))
	mtd, dirM := d.Compare(131000, 150000, loc.T("vs target"), loc.T("no history yet"))
	d.KPIRow([]KPI{
		{loc.T("Won revenue"), loc.Money(48200, "EUR", 0), week, dirW},
		{loc.T("Month to date"), loc.Money(131000, "EUR", 0), mtd, dirM},
		{loc.T("Deals won"), loc.Int(7), loc.T("no history yet"), Flat},
		{loc.T("Open pipeline"), loc.Money(1234567, "EUR", 0), "", Flat},
	})
	d.Section(loc.T("vs target"), 30)
	var rows []BulletRow
	for i, p := range []string{"Week", "Month to date", "Quarter to date", "Half-year to date"} {
		actual, target := 48200.0*float64(i+1), 45000.0*float64(i+1)*1.1
		c, dir := d.Compare(actual, target, loc.T("vs target"), loc.T("no target"))
		rows = append(rows, BulletRow{
			Label: loc.T(p), Value: loc.Money(actual, "EUR", 0), Comparison: c, Direction: dir,
			Bullet:       charts.Bullet{Actual: actual, Target: target, Baseline: actual * 0.9, Bands: []float64{target * 0.8, target, target * 1.2}},
			BaselineName: loc.T("Last year"),
			Spark:        []float64{3, 5, 4, 6, 5, 7, 8, 6, 9, 8, 10, float64(i + 7)},
		})
	}
	key := charts.BulletKey{Actual: loc.T("Actual"), Target: loc.T("Target"), Bands: loc.T("Grey bands: 80, 100 and 120 %% of the target")}
	if err := d.BulletRows(rows, key, f); err != nil {
		panic(err)
	}
	d.Section(loc.T("Activities"), 55)
	acts := []string{"New contacts", "Leads", "Calls", "Visits", "Demos", "Proposals"}
	labels := make([]string, len(acts))
	for i, a := range acts {
		labels[i] = loc.T(a)
	}
	cnt := charts.Format{Locale: loc}
	if err := d.Chart(charts.Activity(labels, []float64{12, 5, 41, 6, 3, 2}, []float64{10, 6, 35, 8, 2, math.NaN()}, cnt), 52); err != nil {
		panic(err)
	}
	d.Section(loc.T("Revenue trend"), 60)
	var months []string
	var act, exp, lo, hi []float64
	for m := 1; m <= 12; m++ {
		months = append(months, loc.ShortMonth(time.Month(m)))
		e := 40000 + 15000*math.Sin(float64(m)/2)
		exp, lo, hi = append(exp, e), append(lo, e*0.85), append(hi, e*1.15)
		a := math.NaN()
		if m <= 11 {
			a = e * (0.9 + 0.04*float64(m%4))
		}
		act = append(act, a)
	}
	if err := d.Chart(charts.RevenueTrend(charts.Trend{Labels: months, Actual: act, Expected: exp, Low: lo, High: hi}, f), 62); err != nil {
		panic(err)
	}
	d.Section(loc.T("To do"), 30)
	d.List([]string{
		loc.T("overdue") + ": " + "Call back Ævar Þórsson, Brasserie Øresund — " + loc.Date(asOf.AddDate(0, 0, -9)),
		loc.T("Due this week") + ": " + "Demo at Łódź Logistics — " + loc.Date(asOf.AddDate(0, 0, 2)),
		loc.T("Past close date") + ": " + "Müller & Söhne GmbH, " + loc.Money(18500, "EUR", 0),
	})
	d.Section(loc.T("Pipeline by stage"), 60)
	d.Table(Table{
		Columns: []Column{{Title: loc.T("Stage"), Weight: 3}, {Title: loc.T("Total"), Weight: 2, Numeric: true}, {Title: loc.T("Deals won"), Weight: 1.5, Numeric: true}},
		Rows: [][]string{
			{"Prospecting", loc.Money(412000, "EUR", 0), loc.Int(14)},
			{"Engaging", loc.Money(655300, "EUR", 0), loc.Int(9)},
			{"Negotiation", loc.Money(167267, "EUR", 0), loc.Int(3)},
		},
		MarkTitle: loc.T("Outlier"),
		Marks:     []string{"", "● " + loc.T("above usual"), ""},
	})
	if err := d.Chart(charts.PipelineByStage([]string{"Prospecting", "Engaging", "Negotiation"}, []float64{412000, 655300, 167267}, f), 50); err != nil {
		panic(err)
	}
	return d
}

func TestSampleDigest(t *testing.T) {
	for _, code := range []string{"en", "fr", "es"} {
		d := sample(code)
		b, err := d.Bytes()
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if n := d.PDF.PageCount(); n != 2 {
			t.Errorf("%s: %d pages, want 2", code, n)
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("%s: not a PDF", code)
		}
		if *keep != "" {
			if err := os.WriteFile(filepath.Join(*keep, "sample-"+code+".pdf"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, err := sample("fr").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	b, err := sample("fr").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the same input gave two different PDFs")
	}
	if !bytes.Contains(a, []byte("/CreationDate (D:20261123")) {
		t.Error("the creation date is not the one given")
	}
}

// TestText checks with pdftotext that the text a reader sees is right:
// accents, signs, the page count and the locale's number format.
func TestText(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not found: install poppler-utils to run this test")
	}
	b, err := sample("fr").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	loc := locale.New("fr")
	for _, want := range []string{
		"Françoise Núñez-Müller", "Ævar Þórsson", "Łódź", "▲", "Page 1 sur 2", "Page 2 sur 2",
		plain(loc.Money(48200, "EUR", 0)), plain(loc.Money(1234567, "EUR", 0)), "Chiffre d'affaires signé",
	} {
		if !bytes.Contains(bytes.ReplaceAll(out, []byte("\u00a0"), []byte(" ")), []byte(want)) {
			t.Errorf("the PDF text lacks %q", want)
		}
	}
}

func plain(s string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte("\u00a0"), []byte(" ")))
}

func TestTabularDigits(t *testing.T) {
	pdf := fpdf.New("P", "mm", "A4", "")
	fonts.Register(pdf)
	pdf.SetFont(fonts.Family, "", 10)
	w := pdf.GetStringWidth("0")
	for _, s := range []string{"1", "4", "7", "8"} {
		if got := pdf.GetStringWidth(s); math.Abs(got-w) > 1e-9 {
			t.Errorf("digit %s is %.3f mm wide, 0 is %.3f: numbers would not line up", s, got, w)
		}
	}
}

func TestCompare(t *testing.T) {
	d := &Doc{Loc: locale.New("en")}
	tests := []struct {
		a, r    float64
		want    string
		wantDir Direction
	}{
		{112, 100, "▲ +12% vs target", Up},
		{88, 100, "▼ -12% vs target", Down},
		{100, 100, "● 0% vs target", Flat},
		{5, 0, "no history yet", Flat},
		{5, math.NaN(), "no history yet", Flat},
	}
	for _, tt := range tests {
		got, dir := d.Compare(tt.a, tt.r, "vs target", "no history yet")
		if got != tt.want || dir != tt.wantDir {
			t.Errorf("Compare(%v, %v) = %q, %v; want %q, %v", tt.a, tt.r, got, dir, tt.want, tt.wantDir)
		}
	}
}

// BenchmarkSampleDigest measures two-page digests with three charts (plus
// four bullet graphs and four sparklines), output included.
// Besides wall time it reports the process CPU time per digest (GC
// included), which stays meaningful on a machine shared with other work:
// digests/cpu-s is the throughput of one core.
func BenchmarkSampleDigest(b *testing.B) {
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := sample("fr").Output(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// cpuTime returns the CPU time (user + system) used by the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	per := (cpuTime() - start).Seconds() / float64(b.N)
	if per > 0 {
		b.ReportMetric(per*1000, "cpu-ms/op")
		b.ReportMetric(1/per, "docs/cpu-s")
	}
}

// BenchmarkFonts compares a document with the cut faces against the full
// Go fonts: the per-document cost of registering UTF-8 fonts.
func BenchmarkFonts(b *testing.B) {
	for _, bc := range []struct {
		name string
		reg  func(*fpdf.Fpdf)
	}{{"cut", fonts.Register}, {"full", fonts.RegisterFull}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for i := 0; i < b.N; i++ {
				pdf := fpdf.New("P", "mm", "A4", "")
				bc.reg(pdf)
				pdf.AddPage()
				pdf.SetFont(fonts.Family, "", 10)
				pdf.Text(10, 10, "Françoise Núñez ▲ 1 234 €")
				pdf.SetFont(fonts.Family, "B", 10)
				pdf.Text(10, 20, "Françoise Núñez ▼ 1 234 €")
				if err := pdf.Output(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}

func TestLineDirection(t *testing.T) {
	cases := []struct {
		line string
		i    int
		prev Direction
		want Direction
	}{
		{"▼ -33 % vs target", 0, Flat, Down},
		{"▲ +48 % vs expected", 1, Down, Up},
		{"no target set", 0, Flat, Flat},
		{"vs last year €0", 1, Down, Down},
		{"● 0 % vs last year", 1, Up, Flat},
	}
	for _, c := range cases {
		if got := lineDirection(c.line, c.i, c.prev); got != c.want {
			t.Errorf("lineDirection(%q, %d, %v) = %v, want %v", c.line, c.i, c.prev, got, c.want)
		}
	}
}
