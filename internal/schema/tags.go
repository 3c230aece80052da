package schema

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
)

// foreignTags are struct tag keys that other libraries read as validation
// rules (go-playground/validator, gin, govalidator, huma). rtkit reads none
// of them, so a field carrying one would look validated and be not:
// registration refuses it.
var foreignTags = []string{
	"validate", "binding", "valid", "validator",
	"minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"multipleOf", "pattern", "format", "enum", "minItems", "maxItems", "uniqueItems",
	"required", "nullable", "default", "example", "doc",
}

// jsonOptions are the options of a json tag that encoding/json reads.
var jsonOptions = []string{"omitempty", "omitzero", "string"}

// Keys of a jsonschema tag, by the JSON type of the field they apply to.
// invopop/jsonschema ignores a key in the wrong place without a word.
var (
	anyKeys    = []string{"title", "description", "type", "anchor", "oneof_required", "anyof_required", "oneof_ref", "oneof_type", "anyof_ref", "anyof_type"}
	stringKeys = []string{"minLength", "maxLength", "pattern", "format", "readOnly", "writeOnly", "default", "example", "enum"}
	numberKeys = []string{"multipleOf", "minimum", "maximum", "exclusiveMaximum", "exclusiveMinimum", "default", "example", "enum"}
	boolKeys   = []string{"default"}
	arrayKeys  = []string{"minItems", "maxItems", "uniqueItems", "default", "format", "pattern"}
)

// checkTags refuses the tags of field f that rtkit would silently ignore:
// validation tags of other libraries, unknown json options, and jsonschema
// keys that are misspelled, do not apply to the field's JSON type, or
// carry a value of the wrong kind. prop is the field's reflected schema
// (nil when the field is left out of the schema).
func checkTags(f reflect.StructField, prop *jsonschema.Schema, binary reflect.Type) error {
	for key, val := range tagPairs(f.Tag) {
		if slices.Contains(foreignTags, key) {
			return fmt.Errorf(`tag %s:%q is not read by rtkit: write constraints in the jsonschema tag (jsonschema:"minLength=1,maximum=10"); a field is required unless its json tag says omitempty or omitzero`, key, val)
		}
	}
	jsonTag := f.Tag.Get("json")
	if _, opts, ok := strings.Cut(jsonTag, ","); ok {
		for o := range strings.SplitSeq(opts, ",") {
			if o != "" && !slices.Contains(jsonOptions, o) {
				return fmt.Errorf("json tag option %q is not one encoding/json knows (omitempty, omitzero, string)", o)
			}
		}
	}
	tag, ok := f.Tag.Lookup("jsonschema")
	if !ok {
		return nil
	}
	items := splitTag(tag)
	if items[0] == "-" {
		// encoding/json still sends the field, which the schema would
		// then refuse as an unknown property.
		return fmt.Errorf(`jsonschema:"-" leaves out of the schema a field encoding/json sends; use json:"-" to keep it off the wire`)
	}
	if prop == nil {
		return nil
	}
	if isBinaryField(f.Type, binary) {
		for _, item := range items {
			if key, _, _ := strings.Cut(item, "="); item != "" && key != "nullable" && !slices.Contains(anyKeys, key) {
				return fmt.Errorf("jsonschema tag %q: a Binary field takes no constraint but its size, set for the whole payload with rtkit.MaxBinarySize", item)
			}
		}
		return nil
	}
	typ, elem := schemaType(prop), ""
	if typ == "array" && prop.Items != nil {
		elem = schemaType(prop.Items)
	}
	for _, item := range items {
		if err := checkSchemaItem(item, typ, elem); err != nil {
			return fmt.Errorf("jsonschema tag %q: %w", item, err)
		}
	}
	return nil
}

// checkSchemaItem checks one item of a jsonschema tag for a field of JSON
// type typ (elem: the type of an array's elements).
func checkSchemaItem(item, typ, elem string) error {
	key, val, hasVal := strings.Cut(item, "=")
	switch {
	case item == "":
		return nil
	case !hasVal && key == "nullable":
		return nil
	case !hasVal && key == "required":
		return fmt.Errorf("a field is required exactly when its json tag has neither omitempty nor omitzero (Go then always sends it); remove omitempty instead")
	case !hasVal:
		return fmt.Errorf("unknown flag (rtkit reads nullable, or key=value pairs)")
	case slices.Contains(anyKeys, key):
		return nil
	}
	keys := map[string][]string{"string": stringKeys, "integer": numberKeys, "number": numberKeys, "boolean": boolKeys, "array": arrayKeys}[typ]
	if typ == "array" && !slices.Contains(arrayKeys, key) {
		// invopop hands the remaining keys to the elements' type.
		typ, keys = elem, map[string][]string{"string": stringKeys, "integer": numberKeys, "number": numberKeys, "boolean": boolKeys}[elem]
	}
	if !slices.Contains(keys, key) {
		if known(key) {
			return fmt.Errorf("%s does not apply to a field of JSON type %s", key, orAny(typ))
		}
		return fmt.Errorf("unknown key %s", key)
	}
	return checkValue(key, val, typ)
}

func known(key string) bool {
	for _, ks := range [][]string{stringKeys, numberKeys, boolKeys, arrayKeys} {
		if slices.Contains(ks, key) {
			return true
		}
	}
	return false
}

func orAny(typ string) string {
	if typ == "" {
		return "object or reference"
	}
	return typ
}

// checkValue checks the value of a key the field's type reads.
func checkValue(key, val, typ string) error {
	switch key {
	case "minLength", "maxLength", "minItems", "maxItems":
		if _, err := strconv.ParseUint(val, 10, 64); err != nil {
			return fmt.Errorf("%s needs a non-negative integer, not %q", key, val)
		}
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf":
		if _, err := strconv.ParseFloat(val, 64); err != nil {
			return fmt.Errorf("%s needs a number, not %q", key, val)
		}
	case "enum", "default", "example":
		switch typ {
		case "integer", "number":
			if _, err := strconv.ParseFloat(val, 64); err != nil {
				return fmt.Errorf("%s of a numeric field needs a number, not %q", key, val)
			}
		case "boolean":
			if val != "true" && val != "false" {
				return fmt.Errorf("%s of a boolean field needs true or false, not %q", key, val)
			}
		}
	case "pattern":
		if _, err := regexp.Compile(val); err != nil {
			return fmt.Errorf("pattern does not compile: %v", err)
		}
	case "readOnly", "writeOnly", "uniqueItems":
		if _, err := strconv.ParseBool(val); err != nil {
			return fmt.Errorf("%s needs true or false, not %q", key, val)
		}
	}
	return nil
}

// schemaType is the JSON type a reflected property schema describes, seen
// through a nullable wrapper; "" for references and combinations.
func schemaType(s *jsonschema.Schema) string {
	if s.Type == "" && len(s.OneOf) == 2 && s.OneOf[1].Type == "null" {
		return s.OneOf[0].Type
	}
	return s.Type
}

// splitTag splits a jsonschema tag at its commas; "\," is a comma inside a
// value, as invopop reads it.
func splitTag(tag string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(tag); i++ {
		switch {
		case tag[i] == '\\' && i+1 < len(tag) && tag[i+1] == ',':
			cur.WriteByte(',')
			i++
		case tag[i] == ',':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(tag[i])
		}
	}
	return append(out, cur.String())
}

// tagPairs yields the key:"value" pairs of a struct tag, in the
// conventional format reflect.StructTag.Get reads.
func tagPairs(tag reflect.StructTag) func(yield func(string, string) bool) {
	return func(yield func(string, string) bool) {
		s := string(tag)
		for s != "" {
			s = strings.TrimLeft(s, " ")
			i := strings.IndexByte(s, ':')
			if i <= 0 || i+1 >= len(s) || s[i+1] != '"' {
				return
			}
			key := s[:i]
			j := i + 2
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return
			}
			val, err := strconv.Unquote(s[i+1 : j+1])
			if err != nil {
				return
			}
			if !yield(key, val) {
				return
			}
			s = s[j+1:]
		}
	}
}
