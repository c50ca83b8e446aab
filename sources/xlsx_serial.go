package sources

import (
	"math"
	"time"

	"github.com/crmdigest/crmdigest/crm"
)

// Excel stores dates as serial day numbers counted from an epoch that
// depends on the workbook's date system.
var (
	// In the 1900 system serial 1 is 1900-01-01, and Excel keeps Lotus
	// 1-2-3's bug of a 29 February 1900: serial 60 is that day that never
	// was, so from serial 61 (1900-03-01) on, serial 0 falls on 1899-12-30.
	excelEpoch1900    = crm.DayFromDate(1899, time.December, 30)
	excelEpoch1900Jan = crm.DayFromDate(1899, time.December, 31)
	excelEpoch1904    = crm.DayFromDate(1904, time.January, 1)
)

// excelMaxSerial1900 is 9999-12-31, the last day Excel knows; the 1904
// system counts 1,462 days fewer to it.
const excelMaxSerial1900 = 2958465

// excelSerialDay converts an Excel serial date (the raw value of a date
// cell, a time of day in its fraction) into a day, in the 1900 or the 1904
// (Mac) date system. It reports false for a value that is not a date Excel
// can show: negative, beyond 9999-12-31, the phantom 1900-02-29, or below 1
// in the 1900 system (a bare time of day).
func excelSerialDay(serial float64, date1904 bool) (crm.Day, bool) {
	if math.IsNaN(serial) || math.IsInf(serial, 0) || serial < 0 {
		return crm.NoDay, false
	}
	// Round to the millisecond first: a time such as 23:59:59.9999 is
	// stored as a float a hair below the next day, and one that is exactly
	// midnight may come out as 43000.99999999997.
	ms := math.Round(serial * 86400000)
	days := math.Floor(ms / 86400000)
	if date1904 {
		if days > excelMaxSerial1900-1462 {
			return crm.NoDay, false
		}
		return excelEpoch1904 + crm.Day(days), true
	}
	switch {
	case days < 1 || days > excelMaxSerial1900 || days == 60:
		return crm.NoDay, false
	case days < 60:
		return excelEpoch1900Jan + crm.Day(days), true
	}
	return excelEpoch1900 + crm.Day(days), true
}
