package schema

import (
	"reflect"
)

// filler rewrites a value of one Go type, as encoding/json wrote it and
// decoded back into map[string]any/[]any, so that it says what the schema
// says: a nil slice or map, which encoding/json writes as null, becomes []
// or {} (a nil []byte becomes ""). Pointers stay null: the schema makes
// them nullable. It returns the value to use in v's place.
type filler func(v any) any

// compileFiller returns the filler of t, or nil when no value of t can
// hold a nil slice or map the schema does not allow.
func compileFiller(t reflect.Type) filler {
	if !mayHoldNil(t, map[reflect.Type]bool{}) {
		return nil
	}
	return buildFiller(t, map[reflect.Type]*filler{})
}

// customJSON reports whether values of t encode themselves, so that their
// JSON says nothing about their Go structure.
func customJSON(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || pt.Implements(jsonMarshaler) ||
		t.Implements(textMarshaler) || pt.Implements(textMarshaler)
}

// mayHoldNil reports whether a value of t can contain a nil slice or map
// that encoding/json writes as null.
func mayHoldNil(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || customJSON(t) {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Slice, reflect.Map:
		return true
	case reflect.Pointer, reflect.Array:
		return mayHoldNil(t.Elem(), seen)
	case reflect.Struct:
		for _, f := range jsonFields(t) {
			if mayHoldNil(f.field.Type, seen) {
				return true
			}
		}
	}
	return false
}

func buildFiller(t reflect.Type, seen map[reflect.Type]*filler) filler {
	if f, ok := seen[t]; ok {
		return func(v any) any { return (*f)(v) }
	}
	slot := new(filler)
	seen[t] = slot
	*slot = fillerOf(t, seen)
	return *slot
}

func fillerOf(t reflect.Type, seen map[reflect.Type]*filler) filler {
	if customJSON(t) {
		return func(v any) any { return v }
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := buildFiller(t.Elem(), seen)
		return func(v any) any {
			if v == nil {
				return nil
			}
			return elem(v)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return func(v any) any {
				if v == nil {
					return ""
				}
				return v
			}
		}
		return listFiller(buildFiller(t.Elem(), seen), true)
	case reflect.Array:
		return listFiller(buildFiller(t.Elem(), seen), false)
	case reflect.Map:
		elem := buildFiller(t.Elem(), seen)
		return func(v any) any {
			if v == nil {
				return map[string]any{}
			}
			if m, ok := v.(map[string]any); ok {
				for k, e := range m {
					m[k] = elem(e)
				}
			}
			return v
		}
	case reflect.Struct:
		return structFiller(t, seen)
	}
	return func(v any) any { return v }
}

func listFiller(elem filler, nilToEmpty bool) filler {
	return func(v any) any {
		if v == nil && nilToEmpty {
			return []any{}
		}
		if a, ok := v.([]any); ok {
			for i, e := range a {
				a[i] = elem(e)
			}
		}
		return v
	}
}

func structFiller(t reflect.Type, seen map[reflect.Type]*filler) filler {
	type plan struct {
		name string
		fill filler
	}
	var fields []plan
	for _, f := range jsonFields(t) {
		if mayHoldNil(f.field.Type, map[reflect.Type]bool{}) {
			fields = append(fields, plan{f.name, buildFiller(f.field.Type, seen)})
		}
	}
	return func(v any) any {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for _, f := range fields {
			if e, ok := m[f.name]; ok {
				m[f.name] = f.fill(e)
			}
		}
		return v
	}
}
