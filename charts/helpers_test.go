package charts

import "time"

func timeMonth(i int) time.Month { return time.Month(i%12 + 1) }
