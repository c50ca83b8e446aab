package sources

import (
	"errors"
	"strconv"
	"strings"
)

// parseBool reads a yes/no cell: Salesforce's 1, Pipedrive's "Done",
// HubSpot's COMPLETED, and yes/no in English, French, Spanish and German.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(trimSpaces(s)) {
	case "1", "true", "yes", "y", "x", "✓", "done", "completed", "complete", "closed", "checked",
		"oui", "vrai", "fait", "terminé", "sí", "si", "verdadero", "hecho", "completado", "ja", "wahr", "erledigt":
		return true, nil
	case "0", "false", "no", "n", "not done", "to do", "todo", "not_started", "not started", "in progress",
		"in_progress", "open", "unchecked", "non", "faux", "à faire", "falso", "pendiente", "nein", "falsch", "offen":
		return false, nil
	}
	return false, errors.New("expected yes or no (1/0, true/false, done/to do)")
}

// parseProbability reads 0.4, 40, "40 %" or "40,5%" as a fraction. percent
// says the column is on a 0-100 scale even when a value has no % sign.
func parseProbability(s string, decimal byte, percent bool) (float64, error) {
	if isPlainNumber(s, decimal != ',') { // 0.4 or 40: the common case
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			if percent || v > 1 {
				v /= 100
			}
			if v >= 0 && v <= 1 {
				return v, nil
			}
		}
	}
	t := trimSpaces(s)
	if p, ok := strings.CutSuffix(t, "%"); ok {
		t, percent = trimSpaces(p), true
	}
	v, cur, err := ParseAmount(t, decimal)
	if err != nil || cur != "" {
		return 0, errors.New("expected a probability such as 0.4, 40 or 40 %")
	}
	if percent {
		v /= 100
	}
	if v < 0 || v > 1 {
		return 0, errors.New("expected a probability between 0 and 1, or 0 and 100 %")
	}
	return v, nil
}
