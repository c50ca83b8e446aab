package sources

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
)

// KindProducts is a source kind of its own: a product list (Maven's
// products.csv) whose size is the catalogue the cross-selling rate divides by.
const KindProducts crm.Kind = "products"

// Spec is one source in config.yaml: where the export is, which CRM wrote it
// and how its columns and values map onto the canonical model.
type Spec struct {
	// Name identifies the source in messages and in the quality report.
	Name string `yaml:"name"`
	// Kind is what the rows are: deals, activities, leads, invoices,
	// targets, people or products.
	Kind crm.Kind `yaml:"kind"`
	// Preset names the CRM whose export this is (maven, salesforce, hubspot,
	// pipedrive, odoo, crmdigest); it supplies the column and value maps
	// that Columns and Values override field by field.
	Preset string `yaml:"preset"`
	// Path is a CSV or XLSX file, or a glob over a folder of dated exports:
	// the newest match wins (by the date in its name, else its mtime).
	Path string `yaml:"path"`
	// Sheet is the worksheet's name or 1-based index; Table an Excel table.
	Sheet string `yaml:"sheet"`
	Table string `yaml:"table"`
	// HeaderRow is the 1-based record holding the headers; 0 finds it among
	// the first rows as the one naming the most mapped columns.
	HeaderRow int `yaml:"header_row"`
	// Delimiter is ",", ";" or "tab"; empty detects it.
	Delimiter string `yaml:"delimiter"`
	// Encoding is utf-8, utf-16 or windows-1252; empty detects it.
	Encoding string `yaml:"encoding"`
	// DateFormat is the order of the date parts, e.g. DD/MM/YYYY or
	// MM/DD/YY; empty detects it per column when the sample is unambiguous.
	DateFormat string `yaml:"date_format"`
	// Decimal is "." or ","; empty detects it per column.
	Decimal string `yaml:"decimal"`
	// MaxFieldLines and MaxFieldBytes bound a quoted CSV field: one that
	// runs on past this many physical lines or bytes is taken for a stray
	// quote and fails the source. 0 means the defaults (100 lines, 64 KiB).
	MaxFieldLines int `yaml:"max_field_lines"`
	MaxFieldBytes int `yaml:"max_field_bytes"`
	// Currency is the currency of amounts that do not name one.
	Currency string `yaml:"currency"`
	// Columns maps a canonical field to the export's header; an empty
	// header removes a column the preset maps.
	Columns map[string]string `yaml:"columns"`
	// Values maps, per canonical field, a raw value to a canonical one
	// (stage names to won/lost/open, activity types to call/meeting/...).
	// The key "*" maps every value not listed.
	Values map[string]map[string]string `yaml:"values"`
}

// Validate reports the first field of the spec at fault.
func (s *Spec) Validate() error {
	if s.Name == "" {
		return errors.New("name is required")
	}
	fields, ok := kindFields(s.Kind)
	if !ok {
		return fmt.Errorf("source %q: kind %q is not one of %s", s.Name, s.Kind, strings.Join(kindNames(), ", "))
	}
	if s.Path == "" {
		return fmt.Errorf("source %q: path is required", s.Name)
	}
	if s.Preset != "" {
		if _, ok := presets[s.Preset]; !ok {
			return fmt.Errorf("source %q: preset %q is not one of %s", s.Name, s.Preset, strings.Join(PresetNames(), ", "))
		}
	}
	if s.HeaderRow < 0 {
		return fmt.Errorf("source %q: header_row must be 1 or more", s.Name)
	}
	if _, err := delimiterOf(s.Delimiter); err != nil {
		return fmt.Errorf("source %q: delimiter: %w", s.Name, err)
	}
	if _, err := encodingOf(s.Encoding); err != nil {
		return fmt.Errorf("source %q: encoding: %w", s.Name, err)
	}
	if s.DateFormat != "" {
		if _, err := ParseDateFormat(s.DateFormat); err != nil {
			return fmt.Errorf("source %q: date_format: %w", s.Name, err)
		}
	}
	if s.MaxFieldLines < 0 {
		return fmt.Errorf("source %q: max_field_lines must be 1 or more (0 for the default %d)", s.Name, defaultMaxFieldLines)
	}
	if s.MaxFieldBytes < 0 {
		return fmt.Errorf("source %q: max_field_bytes must be 1 or more (0 for the default %d)", s.Name, defaultMaxFieldBytes)
	}
	if s.Decimal != "" && s.Decimal != "." && s.Decimal != "," {
		return fmt.Errorf("source %q: decimal %q must be \".\" or \",\"", s.Name, s.Decimal)
	}
	if s.Currency != "" && !isUpperCode(strings.ToUpper(s.Currency)) {
		return fmt.Errorf("source %q: currency %q is not an ISO 4217 code such as EUR", s.Name, s.Currency)
	}
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f] = true
	}
	for f := range s.Columns {
		if !known[f] {
			return fmt.Errorf("source %q: columns: %q is not a field of %s (%s)", s.Name, f, s.Kind, strings.Join(fields, ", "))
		}
	}
	for f := range s.Values {
		if !known[f] {
			return fmt.Errorf("source %q: values: %q is not a field of %s (%s)", s.Name, f, s.Kind, strings.Join(fields, ", "))
		}
	}
	return nil
}

// ValidateSpecs checks every spec and that names are unique.
func ValidateSpecs(specs []Spec) error {
	seen := make(map[string]bool, len(specs))
	for i := range specs {
		if err := specs[i].Validate(); err != nil {
			return fmt.Errorf("sources[%d]: %w", i, err)
		}
		if seen[specs[i].Name] {
			return fmt.Errorf("sources[%d]: name %q is used twice", i, specs[i].Name)
		}
		seen[specs[i].Name] = true
	}
	return nil
}

// kindFields returns the canonical fields of a kind of source.
func kindFields(k crm.Kind) ([]string, bool) {
	if k == KindProducts {
		return productFields, true
	}
	f, ok := Fields[k]
	return f, ok
}

var productFields = []string{"product", "series", "price"}

func kindNames() []string {
	names := []string{string(KindProducts)}
	for k := range Fields {
		names = append(names, string(k))
	}
	sort.Strings(names)
	return names
}
