package clock

import (
	"strings"
	"testing"
	"time"
)

func TestParseShift(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"", 0, ""},
		{"8760h", 8760 * time.Hour, ""},
		{"-90m", -90 * time.Minute, ""},
		{"one year", 0, `CRMDIGEST_TEST_CLOCK_SHIFT "one year" is not a Go duration`},
		{"8760", 0, "is not a Go duration"},
	} {
		got, err := parseShift(tc.in)
		if got != tc.want {
			t.Errorf("parseShift(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("parseShift(%q) error = %v, want %q", tc.in, err, tc.wantErr)
		}
	}
}

// TestNowFollowsShift proves that Now, Since and Until read the shifted
// clock and Wall does not, whatever shift the environment set.
func TestNowFollowsShift(t *testing.T) {
	old := shift
	t.Cleanup(func() { shift = old })
	shift = 8760 * time.Hour
	wall := Wall()
	now := Now()
	if d := now.Sub(wall); d < shift || d > shift+time.Minute {
		t.Errorf("Now - Wall = %v, want about %v", d, shift)
	}
	if d := Since(wall); d < shift || d > shift+time.Minute {
		t.Errorf("Since(Wall()) = %v, want about %v", d, shift)
	}
	if d := Until(wall.Add(shift + time.Hour)); d <= 0 || d > time.Hour {
		t.Errorf("Until(an hour ahead on the shifted clock) = %v, want (0, 1h]", d)
	}
	shift = 0
	if d := Now().Sub(Wall()); d < -time.Second || d > time.Second {
		t.Errorf("unshifted Now - Wall = %v, want about 0", d)
	}
}
