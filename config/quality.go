package config

import (
	"fmt"

	"github.com/crmdigest/crmdigest/sources"
)

// Quality holds the data gate's thresholds (see docs/SOURCES.md, "The data
// gate"). Shares are fractions: 0.01 is 1 %.
type Quality struct {
	// MaxSetAside is the largest share of a source's rows that may be set
	// aside, and of the won deals that may lack an amount or a close date.
	MaxSetAside float64 `yaml:"max_set_aside"`
	// MaxDrop is the largest fall in a source's accepted rows since its
	// last good load.
	MaxDrop float64 `yaml:"max_drop"`
	// Accept names sources whose breaches are accepted: their digests go
	// out, and each run records the override.
	Accept []string `yaml:"accept"`
}

func (q *Quality) validate(srcs []sources.Spec) error {
	if !(q.MaxSetAside >= 0 && q.MaxSetAside < 1) {
		return &FieldError{"quality.max_set_aside", fmt.Sprint(q.MaxSetAside), "expected a share from 0 to below 1, such as 0.01 for 1 %"}
	}
	if !(q.MaxDrop >= 0 && q.MaxDrop < 1) {
		return &FieldError{"quality.max_drop", fmt.Sprint(q.MaxDrop), "expected a share from 0 to below 1, such as 0.2 for 20 %"}
	}
	names := map[string]bool{}
	for _, s := range srcs {
		names[s.Name] = true
	}
	for i, a := range q.Accept {
		if !names[a] {
			return &FieldError{fmt.Sprintf("quality.accept[%d]", i), a, "no source has this name"}
		}
	}
	return nil
}
