package report

import (
	"math"
	"strings"
	"testing"

	"github.com/crmdigest/crmdigest/charts"
	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/report/pdfkit"
)

// legendDigests are the digests whose bullet graphs and legends are
// checked: every demo recipient, and a Maven rep, manager and director
// in each language.
func legendDigests(t *testing.T) []*Digest {
	t.Helper()
	var out []*Digest
	ds := demoData().Dataset
	for k, s := range sets(t) {
		for _, p := range Recipients(ds, k) {
			d, err := s.Digest(p)
			if err != nil {
				t.Fatalf("%s: %v", p.Email, err)
			}
			out = append(out, d)
		}
	}
	m := maven(t)
	for _, k := range []Kind{KindRep, KindManager, KindDirector} {
		id := "2017-12"
		if k == KindRep {
			id = "2017-W52"
		}
		s := ss2(t, m, k, id, Options{Now: mavenNow, TeamRank: true})
		for _, lang := range []string{"en", "fr", "es"} {
			p := *Recipients(m, k)[0]
			p.Locale = lang
			d, err := s.Digest(&p)
			if err != nil {
				t.Fatalf("maven %s %s: %v", k, lang, err)
			}
			out = append(out, d)
		}
	}
	return out
}

// mmPx converts millimetres of the page to chart pixels.
func mmPx(mm float64) int { return int(math.Round(mm * charts.DPI / 25.4)) }

// TestBulletMarkersAndLegends draws every bullet graph of the demo and
// Maven digests as the PDF does and checks that the tick is drawn at the
// target and only when there is one, that every diamond is named in the
// column's legend, and that no label with a figure is cut or leaves its
// chart; and that a rep chart without targets does not promise one.
func TestBulletMarkersAndLegends(t *testing.T) {
	// The graph's size in BulletRows (label, value, spark and comparison
	// columns and gaps take the rest of the line).
	gw, gh := mmPx(pdfkit.ContentW-42-24-18-36-6), mmPx(11-1.5)
	lw := mmPx(pdfkit.ContentW)
	langs, targets, diamonds := map[string]bool{}, 0, 0
	for _, d := range legendDigests(t) {
		who := d.Kind + "/" + d.Locale + "/" + d.Recipient
		langs[d.Locale] = true
		f := d.format(true, false)
		for _, bl := range d.Blocks {
			if bl.Chart != nil && bl.Chart.Kind == ChartRepBars && len(bl.Chart.Reference) == 0 &&
				strings.Contains(strings.ToLower(bl.Chart.Caption), strings.ToLower(d.loc.T("Target"))) {
				t.Errorf("%s: the rep chart draws no target tick but its caption says %q", who, bl.Chart.Caption)
			}
			if len(bl.Bullets) == 0 {
				continue
			}
			rows, key := d.bulletRows(bl.Bullets)
			bs, names := make([]charts.Bullet, len(rows)), make([]string, len(rows))
			for i, r := range rows {
				bs[i], names[i] = r.Bullet, r.BaselineName
			}
			key = key.For(bs, names)
			legend, err := charts.BulletLegend(key, f).Marks(lw, mmPx(12))
			if err != nil {
				t.Fatal(err)
			}
			checkMarkLabels(t, who+" legend", legend, lw)
			for i, r := range rows {
				b := bl.Bullets[i]
				what := who + " " + b.Label
				hasTarget := crm.Has(float64(b.Target))
				if hasTarget != b.RefIsTarget || hasTarget && b.Target != b.Reference {
					t.Errorf("%s: tick value %v, but the row's target is %v (is target: %v)", what, b.Target, b.Reference, b.RefIsTarget)
				}
				ms, err := charts.BulletGraph(r.Bullet, f).Marks(gw, gh)
				if err != nil {
					t.Fatal(err)
				}
				checkMarkLabels(t, what, ms, gw)
				ticks, dias := pickMarks(ms, charts.Mark.IsTick), pickMarks(ms, charts.Mark.IsDiamond)
				if len(ticks) > 1 || (len(ticks) == 1) != hasTarget {
					t.Errorf("%s: %d ticks drawn, target %v", what, len(ticks), b.Target)
				}
				if hasTarget {
					targets++
				}
				bars := pickMarks(ms, charts.Mark.IsActualBar)
				if len(ticks) == 1 && len(bars) == 1 && b.Actual > 0 {
					x0, _, x1, _ := bars[0].Box()
					want := float64(x0) + float64(b.Target)/float64(b.Actual)*float64(x1-x0)
					// Both ends of the bar are rounded to a pixel: the scale
					// read from it is off by up to a pixel times target/actual.
					tol := 1.5 + float64(b.Target)/float64(b.Actual)
					if got := float64(ticks[0].Points[0][0]); math.Abs(got-want) > tol {
						t.Errorf("%s: tick at x %.0f, the target %v is at %.0f", what, got, b.Target, want)
					}
				}
				if (len(dias) == 1) != crm.Has(float64(b.Baseline)) {
					t.Errorf("%s: %d diamonds drawn, baseline %v", what, len(dias), b.Baseline)
				}
				if len(dias) == 0 {
					continue
				}
				diamonds++
				named := false
				for _, m := range legend {
					named = named || (m.Text == b.BaselineName && b.BaselineName != "")
				}
				if !named {
					t.Errorf("%s: a diamond is drawn for %q, which the legend does not name", what, b.BaselineName)
				}
			}
			if pickMarks(legend, charts.Mark.IsTick) != nil && key.Target == "" {
				t.Errorf("%s: the legend shows a tick though no row has a target", who)
			}
		}
	}
	for _, lang := range []string{"en", "fr", "es"} {
		if !langs[lang] {
			t.Errorf("no digest in %s was checked", lang)
		}
	}
	if targets == 0 || diamonds == 0 {
		t.Errorf("%d target ticks and %d diamonds checked: the cases are missing", targets, diamonds)
	}
}

func pickMarks(ms []charts.Mark, is func(charts.Mark) bool) []charts.Mark {
	var out []charts.Mark
	for _, m := range ms {
		if is(m) {
			out = append(out, m)
		}
	}
	return out
}

// checkMarkLabels fails on a label with a figure that is cut, and on any
// label drawn outside its chart.
func checkMarkLabels(t *testing.T, what string, ms []charts.Mark, w int) {
	t.Helper()
	for _, m := range ms {
		if m.Text == "" {
			continue
		}
		if strings.ContainsAny(m.Text, "0123456789") && strings.Contains(m.Text, "…") {
			t.Errorf("%s: label %q with a figure is cut", what, m.Text)
		}
		if m.X < 0 || m.X+m.W > w {
			t.Errorf("%s: label %q spans x %d–%d, outside 0–%d", what, m.Text, m.X, m.X+m.W, w)
		}
	}
}

// TestChartLabelsOnDigests draws every chart of the demo and Maven digests
// at its size on the page and checks that no label with a figure is cut
// or leaves the chart, and that each bar's value label sits on its bar:
// centred within it, and within a label's height of its end.
func TestChartLabelsOnDigests(t *testing.T) {
	w := mmPx(pdfkit.ContentW)
	lh := mmPx(7 * 25.4 / 72)
	checked := 0
	for _, d := range legendDigests(t) {
		who := d.Kind + "/" + d.Locale + "/" + d.Recipient
		for _, bl := range d.Blocks {
			c := bl.Chart
			if c == nil {
				continue
			}
			ms, err := d.chart(c).Marks(w, mmPx(c.Height))
			if err != nil {
				t.Fatal(err)
			}
			what := who + " " + string(c.Kind)
			checkMarkLabels(t, what, ms, w)
			switch c.Kind {
			case ChartActivity, ChartPipeline, ChartRepBars, ChartTeams:
			default:
				continue
			}
			// A chart with a reference draws its legend's "actual" swatch
			// before the bars.
			bars := pickMarks(ms, charts.Mark.IsActualBar)
			var vals []float64
			for _, v := range c.Actual {
				if crm.Has(float64(v)) {
					vals = append(vals, float64(v))
				}
			}
			if len(bars) > len(vals) {
				bars = bars[len(bars)-len(vals):]
			}
			if len(bars) != len(vals) {
				t.Errorf("%s: %d bars for %d values", what, len(bars), len(vals))
				continue
			}
			f := d.format(c.Money, c.Percent)
			for i, v := range vals {
				x0, y0, x1, y1 := bars[i].Box()
				for _, m := range ms {
					if m.Text != f.Value(v) && m.Text != "● "+f.Value(v) {
						continue
					}
					if cx := m.X + m.W/2; cx < x0 || cx > x1 {
						continue // another bar's equal value
					}
					end := y0
					if v < 0 {
						end = y1
					}
					if m.Y < end-2*lh || m.Y > end+2*lh {
						t.Errorf("%s: label %q at y %d, its bar ends at y %d", what, m.Text, m.Y, end)
					}
					checked++
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no value label was checked")
	}
}
