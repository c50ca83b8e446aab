// Package kpi turns a crm.Dataset into role-tailored indicators: periods
// (ISO weeks, months, quarters, halves, years, to date, fiscal), the
// metric catalogue, aggregation per rep, team, region and organisation,
// comparisons (previous period, year ago, usual level, seasonal baseline
// with a structural/cyclical mark), alerts for reps and findings for
// managers and directors.
//
// Compute reads the rows once into per-owner, per-period buckets and rolls
// them up; everything after that works on the buckets. The result is plain
// data: the report package draws it, Records flattens it for scripts.
// docs/KPIS.md defines every metric and rule.
package kpi
