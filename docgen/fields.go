package docgen

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
)

// fieldRow is one field of a payload, flattened: nested objects' fields get
// dotted paths ("author.name"), fields of list elements "[]" ("items[].id"),
// fields of map values "{}" ("byUser{}.name"). A list of scalars with
// constraints on its elements also gets an Element row ("tags[]").
type fieldRow struct {
	Path     string
	Schema   *schema // resolved
	Def      string  // definition name when the field's type is a named type
	Required bool
	// Nullable is set for a field that is a named type or null; its
	// Schema and Def are the named type's, Doc the field's description.
	Nullable bool
	Doc      string
	// Element is set on the row of a list's scalar elements ("tags[]"),
	// which only carries their constraints.
	Element bool
}

// flatten lists the fields of a schema document, depth first in schema
// order. A named type that refers to itself is listed once, and its
// recursive uses only by name. The root itself is not a row.
func flatten(root *schema) []fieldRow {
	r := newResolver(root)
	var rows []fieldRow
	active := map[string]bool{}
	var walk func(s *schema, path string)
	walk = func(s *schema, path string) {
		s, _ = unwrapNull(s)
		s, def := r.resolve(s)
		if s == nil {
			return
		}
		if def != "" {
			if active[def] {
				return
			}
			active[def] = true
			defer delete(active, def)
		}
		for _, p := range s.Properties {
			inner, nullable := unwrapNull(p.Schema)
			t, d := r.resolve(inner)
			child := joinPath(path, p.Name)
			row := fieldRow{Path: child, Schema: t, Def: d, Required: s.isRequired(p.Name), Nullable: nullable}
			if nullable {
				row.Doc = cmp.Or(p.Schema.Description, p.Schema.Title)
			}
			rows = append(rows, row)
			walk(p.Schema, child)
		}
		if s.Items != nil {
			if t, d := r.resolve(s.Items); d == "" && constraints(t) != "" {
				// Constraints on the elements of a list of scalars.
				rows = append(rows, fieldRow{Path: path + "[]", Schema: t, Required: true, Element: true})
			}
			walk(s.Items, path+"[]")
		}
		if len(s.Properties) == 0 && s.AdditionalProperties != nil && s.AdditionalProperties.Bool == nil {
			walk(s.AdditionalProperties, path+"{}")
		}
	}
	walk(root, "")
	return rows
}

func joinPath(base, name string) string {
	if base == "" {
		return name
	}
	return base + "." + name
}

// typeLabel names the type of a resolved schema for people: "string",
// "integer", "Author", "array of string", "map of integer",
// "string | null".
func typeLabel(r *resolver, s *schema, def string) string {
	if def != "" {
		return def
	}
	if s == nil || s.Bool != nil {
		return "any"
	}
	if len(s.Const) > 0 {
		return "const " + string(s.Const)
	}
	if s.Binary {
		if s.has("null") {
			return "binary | null"
		}
		return "binary"
	}
	var alts []*schema
	switch {
	case len(s.OneOf) > 0:
		alts = s.OneOf
	case len(s.AnyOf) > 0:
		alts = s.AnyOf
	}
	if alts != nil {
		labels := make([]string, len(alts))
		for i, a := range alts {
			t, d := r.resolve(a)
			labels[i] = typeLabel(r, t, d)
		}
		return strings.Join(labels, " | ")
	}
	if len(s.Types) == 0 {
		if len(s.Properties) > 0 {
			return "object"
		}
		return "any"
	}
	labels := make([]string, len(s.Types))
	for i, t := range s.Types {
		switch t {
		case "array":
			item, d := r.resolve(s.Items)
			labels[i] = "array of " + typeLabel(r, item, d)
			if s.Items == nil {
				labels[i] = "array"
			}
		case "object":
			labels[i] = "object"
			if len(s.Properties) == 0 && s.AdditionalProperties != nil && s.AdditionalProperties.Bool == nil {
				v, d := r.resolve(s.AdditionalProperties)
				labels[i] = "map of " + typeLabel(r, v, d)
			}
		default:
			labels[i] = t
		}
	}
	return strings.Join(labels, " | ")
}

// constraints describes a schema's validation keywords in a few words.
func constraints(s *schema) string {
	if s == nil {
		return ""
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	switch {
	case s.Binary:
		add("a Socket.IO binary attachment (base64 in JSON)")
	case s.Format != "":
		add("format `%s`", s.Format)
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = "`" + compactJSON(v) + "`"
		}
		add("one of %s", strings.Join(vals, ", "))
	}
	switch {
	case s.MinLength != nil && s.MaxLength != nil:
		add("%d to %d characters", *s.MinLength, *s.MaxLength)
	case s.MinLength != nil:
		add("at least %s", plural(*s.MinLength, "character"))
	case s.MaxLength != nil:
		add("at most %s", plural(*s.MaxLength, "character"))
	}
	if s.Pattern != "" {
		add("pattern `%s`", s.Pattern)
	}
	for _, b := range []struct {
		n  *json.Number
		op string
	}{{s.Minimum, "≥"}, {s.ExclusiveMinimum, ">"}, {s.Maximum, "≤"}, {s.ExclusiveMaximum, "<"}} {
		if b.n != nil {
			add("%s %s", b.op, b.n.String())
		}
	}
	if s.MultipleOf != nil {
		add("multiple of %s", s.MultipleOf.String())
	}
	switch {
	case s.MinItems != nil && s.MaxItems != nil:
		add("%d to %d items", *s.MinItems, *s.MaxItems)
	case s.MinItems != nil:
		add("at least %s", plural(*s.MinItems, "item"))
	case s.MaxItems != nil:
		add("at most %s", plural(*s.MaxItems, "item"))
	}
	if s.UniqueItems {
		add("unique items")
	}
	if len(s.Default) > 0 {
		add("default `%s`", compactJSON(s.Default))
	}
	return strings.Join(out, "; ")
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// binaryNote explains the binary values of an event for people.
func binaryNote(limit int) string {
	return fmt.Sprintf("Values of type binary (x-rtkit-binary) travel as Socket.IO binary attachments: "+
		"send an ArrayBuffer or a typed array (a Buffer in Node); the client receives a Buffer in Node "+
		"and an ArrayBuffer in browsers. At most %d bytes of attachments in one payload.", limit)
}
