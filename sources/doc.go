// Package sources reads CRM exports (CSV and XLSX files, or the newest of a
// folder of dated exports) into a crm.Dataset, mapping each CRM's columns and
// values onto the canonical model and reporting every problem with its file,
// sheet, row, column and raw value.
package sources
