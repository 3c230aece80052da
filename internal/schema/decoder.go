package schema

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// decoder stores a value the Socket.IO parser produced (map[string]any,
// []any, string, float64, bool, nil) into dst, with encoding/json's
// results for everything the schema lets through. It is compiled once per
// Go type at registration, so each message pays for a walk over its own
// fields instead of a JSON encode and decode.
//
// The payload has already been validated against the type's schema: keys
// are exactly the JSON field names (additionalProperties is false), types
// match. Whatever the plan does not handle exactly like encoding/json —
// custom UnmarshalJSON, embedded structs, ",string" fields, maps with
// non-string keys, arrays, []byte — is handed to encoding/json for that
// subtree only.
type decoder func(v any, dst reflect.Value) error

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// compileDecoder returns the decoder of t; binary is the Go type whose
// values arrive as attachments ([]byte). seen breaks recursion through
// self-referential types.
func compileDecoder(t, binary reflect.Type, seen map[reflect.Type]*decoder) decoder {
	if d, ok := seen[t]; ok {
		return func(v any, dst reflect.Value) error { return (*d)(v, dst) }
	}
	slot := new(decoder)
	seen[t] = slot
	*slot = buildDecoder(t, binary, seen)
	return *slot
}

func buildDecoder(t, binary reflect.Type, seen map[reflect.Type]*decoder) decoder {
	pt := reflect.PointerTo(t)
	switch {
	case t == binary:
		return decodeBinary
	case t == timeType:
		return decodeText // time.Time's JSON and text forms are the same RFC 3339
	case pt.Implements(jsonUnmarshaler):
		return decodeViaJSON
	case pt.Implements(textUnmarshaler) && t.Kind() != reflect.Pointer:
		return decodeText
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := compileDecoder(t.Elem(), binary, seen)
		return func(v any, dst reflect.Value) error {
			if v == nil {
				dst.SetZero()
				return nil
			}
			p := reflect.New(t.Elem())
			if err := elem(v, p.Elem()); err != nil {
				return err
			}
			dst.Set(p)
			return nil
		}
	case reflect.Struct:
		return structDecoder(t, binary, seen)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return decodeViaJSON // base64
		}
		elem := compileDecoder(t.Elem(), binary, seen)
		return func(v any, dst reflect.Value) error {
			if v == nil {
				dst.SetZero()
				return nil
			}
			arr, ok := v.([]any)
			if !ok {
				return mismatch(v, t)
			}
			s := reflect.MakeSlice(t, len(arr), len(arr))
			for i, e := range arr {
				if err := elem(e, s.Index(i)); err != nil {
					return err
				}
			}
			dst.Set(s)
			return nil
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String || t.Key().Implements(textUnmarshaler) || pt.Implements(textUnmarshaler) {
			return decodeViaJSON
		}
		elem := compileDecoder(t.Elem(), binary, seen)
		return func(v any, dst reflect.Value) error {
			if v == nil {
				dst.SetZero()
				return nil
			}
			obj, ok := v.(map[string]any)
			if !ok {
				return mismatch(v, t)
			}
			m := reflect.MakeMapWithSize(t, len(obj))
			for k, e := range obj {
				ev := reflect.New(t.Elem()).Elem()
				if err := elem(e, ev); err != nil {
					return err
				}
				m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
			}
			dst.Set(m)
			return nil
		}
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return decodeViaJSON // json cannot fill it either; let it say so
		}
		return func(v any, dst reflect.Value) error {
			if v != nil {
				dst.Set(reflect.ValueOf(v))
			}
			return nil
		}
	case reflect.String:
		return func(v any, dst reflect.Value) error {
			s, ok := v.(string)
			if !ok {
				return nullOr(v, t)
			}
			dst.SetString(s)
			return nil
		}
	case reflect.Bool:
		return func(v any, dst reflect.Value) error {
			b, ok := v.(bool)
			if !ok {
				return nullOr(v, t)
			}
			dst.SetBool(b)
			return nil
		}
	case reflect.Float32, reflect.Float64:
		return func(v any, dst reflect.Value) error {
			f, ok := v.(float64)
			if !ok {
				return nullOr(v, t)
			}
			if dst.OverflowFloat(f) {
				return fmt.Errorf("value %v overflows %s", f, t)
			}
			dst.SetFloat(f)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(v any, dst reflect.Value) error {
			f, ok := v.(float64)
			if !ok {
				return nullOr(v, t)
			}
			if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 || dst.OverflowInt(int64(f)) {
				return fmt.Errorf("value %v does not fit %s", f, t)
			}
			dst.SetInt(int64(f))
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(v any, dst reflect.Value) error {
			f, ok := v.(float64)
			if !ok {
				return nullOr(v, t)
			}
			if f != math.Trunc(f) || f < 0 || f >= 1<<64 || dst.OverflowUint(uint64(f)) {
				return fmt.Errorf("value %v does not fit %s", f, t)
			}
			dst.SetUint(uint64(f))
			return nil
		}
	}
	return decodeViaJSON
}

type fieldPlan struct {
	name  string
	index int
	dec   decoder
}

func structDecoder(t, binary reflect.Type, seen map[reflect.Type]*decoder) decoder {
	var fields []fieldPlan
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous || strings.Contains(tag, ",string") {
			return decodeViaJSON // encoding/json's embedding rules, quoted numbers
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fields = append(fields, fieldPlan{name: name, index: i})
	}
	for i := range fields {
		fields[i].dec = compileDecoder(t.Field(fields[i].index).Type, binary, seen)
	}
	return func(v any, dst reflect.Value) error {
		if v == nil {
			return nil // null leaves a struct as it is, as in encoding/json
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return mismatch(v, t)
		}
		for _, f := range fields {
			e, ok := obj[f.name]
			if !ok {
				continue
			}
			if err := f.dec(e, dst.Field(f.index)); err != nil {
				return err
			}
		}
		return nil
	}
}

// decodeText handles TextUnmarshalers (uuid.UUID, time.Time, netip.Addr):
// JSON strings go through UnmarshalText, null leaves the value as it is.
func decodeText(v any, dst reflect.Value) error {
	if v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return mismatch(v, dst.Type())
	}
	return dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
}

// decodeViaJSON is the exact fallback: encode the subtree, decode it with
// encoding/json.
func decodeViaJSON(v any, dst reflect.Value) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst.Addr().Interface())
}

// nullOr: null leaves a scalar unchanged (encoding/json's rule); any other
// value of the wrong type is an error.
func nullOr(v any, t reflect.Type) error {
	if v == nil {
		return nil
	}
	return mismatch(v, t)
}

func mismatch(v any, t reflect.Type) error {
	return fmt.Errorf("cannot store %T in %s", v, t)
}

// decodeBinary stores an attachment ([]byte) into a Binary; the bytes are
// the payload's own, so they are not copied.
func decodeBinary(v any, dst reflect.Value) error {
	switch b := v.(type) {
	case nil:
		dst.SetZero()
		return nil
	case []byte:
		dst.SetBytes(b)
		return nil
	}
	return mismatch(v, dst.Type())
}
