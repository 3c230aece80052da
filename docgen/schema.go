package docgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// schema is the subset of a JSON Schema (2020-12) that the generators read.
// Keywords it does not name are kept out of tables and examples but stay in
// the schema files and the AsyncAPI document, which copy the raw schema.
type schema struct {
	// Bool is set for the boolean schemas true and false.
	Bool *bool

	Ref         string             `json:"$ref"`
	Defs        map[string]*schema `json:"$defs"`
	Types       typeList           `json:"type"`
	Title       string             `json:"title"`
	Description string             `json:"description"`
	Format      string             `json:"format"`
	Pattern     string             `json:"pattern"`
	Enum        []json.RawMessage  `json:"enum"`
	Const       json.RawMessage    `json:"const"`
	Default     json.RawMessage    `json:"default"`
	Examples    []json.RawMessage  `json:"examples"`
	// Binary marks an rtkit.Binary value: a Socket.IO binary attachment
	// on the wire, a base64 string in JSON.
	Binary bool `json:"x-rtkit-binary"`

	MinLength        *int         `json:"minLength"`
	MaxLength        *int         `json:"maxLength"`
	Minimum          *json.Number `json:"minimum"`
	Maximum          *json.Number `json:"maximum"`
	ExclusiveMinimum *json.Number `json:"exclusiveMinimum"`
	ExclusiveMaximum *json.Number `json:"exclusiveMaximum"`
	MultipleOf       *json.Number `json:"multipleOf"`
	MinItems         *int         `json:"minItems"`
	MaxItems         *int         `json:"maxItems"`
	UniqueItems      bool         `json:"uniqueItems"`

	Properties           props     `json:"properties"`
	Required             []string  `json:"required"`
	AdditionalProperties *schema   `json:"additionalProperties"`
	Items                *schema   `json:"items"`
	OneOf                []*schema `json:"oneOf"`
	AnyOf                []*schema `json:"anyOf"`
	AllOf                []*schema `json:"allOf"`
}

// UnmarshalJSON accepts boolean schemas as well as objects.
func (s *schema) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && (b[0] == 't' || b[0] == 'f') {
		var v bool
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = schema{Bool: &v}
		return nil
	}
	type plain schema
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode((*plain)(s))
}

// typeList is the "type" keyword: one name or a list of names.
type typeList []string

func (t *typeList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*t = typeList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	*t = many
	return nil
}

// prop is one property of an object schema.
type prop struct {
	Name   string
	Schema *schema
}

// props keeps properties in the order the schema lists them, which is the
// order of the Go struct's fields.
type props []prop

func (p *props) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if _, err := d.Token(); err != nil { // {
		return err
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		var s schema
		if err := d.Decode(&s); err != nil {
			return err
		}
		*p = append(*p, prop{Name: tok.(string), Schema: &s})
	}
	return nil
}

// parseSchema reads a schema document.
func parseSchema(raw []byte) (*schema, error) {
	var s schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("docgen: invalid JSON Schema: %w", err)
	}
	return &s, nil
}

// has reports whether the schema allows the JSON type name.
func (s *schema) has(name string) bool { return slices.Contains(s.Types, name) }

// isRequired reports whether the object schema requires property name.
func (s *schema) isRequired(name string) bool { return slices.Contains(s.Required, name) }

// unwrapNull returns X of a schema that allows X or null written as
// {"anyOf"|"oneOf": [X, {"type": "null"}]} (rtkit's nullable pointer to a
// named type), and true; otherwise s and false.
func unwrapNull(s *schema) (*schema, bool) {
	if s == nil || len(s.Types) > 0 || s.Ref != "" {
		return s, false
	}
	for _, alts := range [][]*schema{s.AnyOf, s.OneOf} {
		if len(alts) == 2 && len(alts[1].Types) == 1 && alts[1].Types[0] == "null" {
			return alts[0], true
		}
	}
	return s, false
}

// refName returns the $defs entry a local reference points at, or "".
func refName(ref string) string {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return ""
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(name)
}

// resolver follows local references of one schema document.
type resolver struct {
	defs map[string]*schema
}

func newResolver(root *schema) *resolver { return &resolver{defs: root.Defs} }

// resolve follows s's $ref, if any, and returns the target and the name of
// the definition ("" when s is not a reference or the target is unknown).
func (r *resolver) resolve(s *schema) (*schema, string) {
	for range 16 { // a chain of references, never a loop
		if s == nil || s.Ref == "" {
			return s, ""
		}
		name := refName(s.Ref)
		t, ok := r.defs[name]
		if !ok {
			return s, ""
		}
		if t.Ref == "" {
			return t, name
		}
		s = t
	}
	return s, ""
}
