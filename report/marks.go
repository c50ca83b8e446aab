package report

import (
	"slices"

	"github.com/crmdigest/crmdigest/kpi"
)

// onlyShown is a team finding with only the comparisons of the metrics a
// table shows, so that its outlier marks and the sentence under it name
// no metric the reader cannot find in the row ("▲ Proposals: high" beside
// a table without proposals).
func onlyShown(tf *kpi.TeamFinding, shown []string) *kpi.TeamFinding {
	if tf == nil {
		return nil
	}
	c := *tf
	c.Comparisons = nil
	for _, rc := range tf.Comparisons {
		if slices.Contains(shown, rc.Metric) {
			c.Comparisons = append(c.Comparisons, rc)
		}
	}
	return &c
}
