package sources

import (
	"strconv"
	"testing"
)

// TestIsSerialAsParseFloat checks the digits-only shortcut of isSerial
// against ParseFloat, which it stands for.
func TestIsSerialAsParseFloat(t *testing.T) {
	tb := &table{info: sheetInfo{Serials: true}}
	for _, v := range []string{"", "0", "45321", "045321", "123456789012345", "1234567890123456", "99999999999999999999",
		"45321.5", "1e3", "-1", "+2", "inf", "NaN", "0x1p-2", "1_000", "4532l", " 45321", "45321 ", "١٢٣"} {
		_, err := strconv.ParseFloat(v, 64)
		if got := tb.isSerial(v); got != (err == nil) {
			t.Errorf("isSerial(%q) = %v, ParseFloat says %v", v, got, err)
		}
	}
	if (&table{}).isSerial("45321") {
		t.Error("a CSV file has no serials")
	}
}
