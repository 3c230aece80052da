package schema

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
)

// applyFieldRules walks the reflected schema of t beside t itself, checks
// every struct field's tags (checkTags) and makes nullable every pointer
// position where encoding/json writes a nil pointer as null: a field
// without omitempty or omitzero (with them, nil is left out instead), a
// list element, a map value. Requiredness needs no work here: invopop
// already makes a field required exactly when its json tag has neither
// omitempty nor omitzero, and checkTags refuses the tag that would change
// that.
func applyFieldRules(root *jsonschema.Schema, t, binary reflect.Type) error {
	w := &ruleWalker{defs: root.Definitions, binary: binary, done: map[*jsonschema.Schema]bool{}}
	return w.walk(t, root, "")
}

type ruleWalker struct {
	defs   jsonschema.Definitions
	binary reflect.Type
	done   map[*jsonschema.Schema]bool // struct schemas already walked
}

// resolve follows a local reference into the definitions.
func (w *ruleWalker) resolve(s *jsonschema.Schema) *jsonschema.Schema {
	for range 16 {
		name, ok := strings.CutPrefix(s.Ref, "#/$defs/")
		if !ok {
			return s
		}
		d, ok := w.defs[name]
		if !ok {
			return s
		}
		s = d
	}
	return s
}

func (w *ruleWalker) walk(t reflect.Type, s *jsonschema.Schema, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s = w.resolve(s)
	if inner := nullableInner(s); inner != nil {
		s = w.resolve(inner)
	}
	switch t.Kind() {
	case reflect.Struct:
		if s.Properties == nil || w.done[s] {
			return nil // time.Time, TextMarshalers, custom schemas; or seen
		}
		w.done[s] = true
		for _, f := range jsonFields(t) {
			fpath := joinField(path, f.name)
			prop, _ := s.Properties.Get(f.name)
			if err := checkTags(f.field, prop, w.binary); err != nil {
				return fmt.Errorf("field %s (%s.%s): %w", fpath, t, f.field.Name, err)
			}
			if prop == nil {
				continue
			}
			if err := w.walk(f.field.Type, prop, fpath); err != nil {
				return err
			}
			if f.field.Type.Kind() == reflect.Pointer && !f.omit {
				makeNullable(prop)
			}
		}
	case reflect.Slice, reflect.Array:
		if s.Items == nil {
			return nil
		}
		if err := w.walk(t.Elem(), s.Items, path+"[]"); err != nil {
			return err
		}
		if t.Elem().Kind() == reflect.Pointer {
			makeNullable(s.Items)
		}
	case reflect.Map:
		ap := s.AdditionalProperties
		if ap == nil || ap == jsonschema.FalseSchema || ap == jsonschema.TrueSchema {
			return nil
		}
		if err := w.walk(t.Elem(), ap, path+"{}"); err != nil {
			return err
		}
		if t.Elem().Kind() == reflect.Pointer {
			makeNullable(ap)
		}
	}
	return nil
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// nullableInner returns X of a schema {oneOf|anyOf: [X, {type: null}]}, or
// nil.
func nullableInner(s *jsonschema.Schema) *jsonschema.Schema {
	for _, alts := range [][]*jsonschema.Schema{s.OneOf, s.AnyOf} {
		if len(alts) == 2 && alts[1].Type == "null" && s.Type == "" {
			return alts[0]
		}
	}
	return nil
}

// makeNullable lets the schema s accept null as well: a type list for a
// schema with one JSON type, an anyOf with null for a reference or a
// combination. It changes s in place.
func makeNullable(s *jsonschema.Schema) {
	if nullableInner(s) != nil || s == jsonschema.TrueSchema || s.Type == "null" {
		return
	}
	if t, ok := s.Extras["type"].([]string); ok && len(t) == 2 {
		return
	}
	if s.Type != "" && s.Ref == "" && len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) == 0 {
		if s.Extras == nil {
			s.Extras = map[string]any{}
		}
		s.Extras["type"] = []string{s.Type, "null"}
		s.Type = ""
		if len(s.Enum) > 0 {
			s.Enum = append(s.Enum, nil)
		}
		return
	}
	if s.Ref == "" && s.Type == "" && len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) == 0 {
		return // no type: accepts null already
	}
	inner := *s
	inner.Title, inner.Description = "", ""
	*s = jsonschema.Schema{
		Title: s.Title, Description: s.Description,
		AnyOf: []*jsonschema.Schema{&inner, {Type: "null"}},
	}
}
