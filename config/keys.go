package config

import (
	"encoding"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// checkKeys walks the document beside the Go type it will be decoded into,
// so that a mistake is named by its path in the file
// (schedules[0].timezon, delivery.smtp.port) rather than by yaml's
// "field timezon not found in type config.Schedule". It returns the first
// fault, in document order, as a *FieldError.
//
// It also turns a bare 0 given for a duration into 0s: yaml refuses any
// number without a unit for a time.Duration, but zero is zero in every
// unit, and docs/SCHEDULES.md documents max_lateness: 0.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind == yaml.AliasNode {
		// Not followed: the anchored node is checked where it stands, and
		// following aliases is exponential in a "billion laughs" document.
		// yaml's strict decoding still checks what an alias brings in.
		return nil
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return checkKeys(n.Content[0], t, path)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Tag == "!!null" || decodesItself(t) {
		return nil
	}
	if t == reflect.TypeFor[time.Duration]() {
		return checkDuration(n, path)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return &FieldError{orTop(path), n.Value, "expected a mapping of keys to values"}
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if key == "<<" {
				continue // a merge key: yaml checks what it merges
			}
			f, ok := fields[key]
			if !ok {
				msg := "unknown key (line " + strconv.Itoa(n.Content[i].Line) + ")"
				if near := nearestKey(key, fields); near != "" {
					msg += "; did you mean " + near + "?"
				}
				return &FieldError{join(path, key), "", msg}
			}
			if err := checkKeys(n.Content[i+1], f.Type, join(path, key)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return &FieldError{orTop(path), n.Value, "expected a mapping of keys to values"}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkKeys(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return &FieldError{orTop(path), n.Value, "expected a list"}
		}
		for i, c := range n.Content {
			if err := checkKeys(c, t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return &FieldError{path, n.Value, "expected true or false"}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return &FieldError{path, n.Value, "expected a whole number"}
		}
	case reflect.Float32, reflect.Float64:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
			return &FieldError{path, n.Value, "expected a number"}
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return &FieldError{path, "", "expected a single value, not a list or mapping"}
		}
	}
	return nil
}

func checkDuration(n *yaml.Node, path string) error {
	if n.Kind != yaml.ScalarNode {
		return &FieldError{path, "", "expected a duration such as 6h or 30s"}
	}
	if n.Tag == "!!int" {
		if v, err := strconv.ParseInt(n.Value, 0, 64); err == nil && v == 0 {
			n.Tag, n.Value = "!!str", "0s"
			return nil
		}
		return &FieldError{path, n.Value, "a duration needs a unit, such as 6h, 90m or 30s"}
	}
	if _, err := time.ParseDuration(n.Value); err != nil {
		return &FieldError{path, n.Value, "not a duration such as 6h, 90m or 30s"}
	}
	return nil
}

// yamlFields maps the keys yaml accepts for struct type t to its fields,
// following yaml.v3's rules: the tag's name, else the lower-cased field
// name; "-" is never decoded; ",inline" structs lend their keys.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range yamlFields(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f
	}
	return out
}

// decodesItself tells whether yaml hands the node to the type's own
// decoder, whose rules this walk cannot know.
func decodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(reflect.TypeFor[yaml.Unmarshaler]()) ||
		p.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

// nearestKey is the known key closest to a mistyped one (at most two
// edits away), or "".
func nearestKey(key string, fields map[string]reflect.StructField) string {
	best, bestD := "", 3
	for k := range fields {
		if d := editDistance(key, k); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
