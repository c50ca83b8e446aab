package kpi

// The rules a test of package kpi_test rewrites as a plain scan of the
// export, to check an index against it.
var (
	OpenAt     = openAt
	SortStages = sortStages
)
