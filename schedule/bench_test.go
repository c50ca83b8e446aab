package schedule

import (
	"testing"
	"time"
)

// BenchmarkNext measures one Next call, the way a periodic job runner asks
// for the next firing, for a weekly and an every-minute expression.
func BenchmarkNext(b *testing.B) {
	paris := mustLoad(b, "Europe/Paris")
	for _, expr := range []string{"0 7 * * MON", "* * * * *"} {
		z := mustCron(b, expr).In(paris)
		at := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				z.Next(at)
			}
		})
	}
}

// BenchmarkFiringsYear lists a year of the reps' weekly firings in twelve
// recipient zones.
func BenchmarkFiringsYear(b *testing.B) {
	s := mustCompile(b, repsWeekly, mustLoad(b, "Europe/Paris"))
	zones := []string{"Europe/Paris", "Europe/London", "America/New_York", "America/Chicago", "America/Denver",
		"America/Los_Angeles", "America/Sao_Paulo", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Africa/Lagos", "UTC"}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	for b.Loop() {
		if n := len(s.Firings(from, to, zones)); n != 12*52 {
			b.Fatalf("%d firings", n)
		}
	}
}
