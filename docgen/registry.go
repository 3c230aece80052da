package docgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// registry gathers the named schemas of many schema documents into one
// table, as AsyncAPI's components and a TypeScript module need: each
// document's $defs and its root become entries, references are rewritten to
// point at the table, and a name already taken by a different schema gets a
// numbered suffix. Entries keep the key order of the reflected schemas
// (struct field order).
type registry struct {
	prefix  string                     // what references point at: "#/components/schemas/"
	entries map[string]json.RawMessage // name → rewritten schema
	origin  map[string]string          // name → schema before rewriting, for identity
	order   []string                   // names in the order claimed
}

func newRegistry(prefix string) *registry {
	return &registry{prefix: prefix, entries: map[string]json.RawMessage{}, origin: map[string]string{}}
}

// member is one key and value of a JSON object, in document order.
type member struct {
	Key string
	Val json.RawMessage
}

// add registers the schema document raw, whose root is the type named
// name, and returns the name its root got in the table.
func (g *registry) add(name string, raw json.RawMessage) (string, error) {
	doc, err := members(raw)
	if err != nil {
		return "", fmt.Errorf("docgen: schema of %s: %w", name, err)
	}
	var defs, root []member
	for _, m := range doc {
		switch m.Key {
		case "$defs":
			if defs, err = members(m.Val); err != nil {
				return "", fmt.Errorf("docgen: schema of %s: $defs: %w", name, err)
			}
		case "$schema", "$id":
		default:
			root = append(root, m)
		}
	}

	// Names first (identity is judged on the schema as reflected), then
	// the rewritten entries.
	renamed := map[string]string{}
	for _, d := range defs {
		renamed[d.Key] = g.claim(ident(d.Key), compactJSON(d.Val))
	}
	for _, d := range defs {
		g.store(renamed[d.Key], g.rewrite(d.Val, renamed))
	}
	if len(root) == 1 && root[0].Key == "$ref" {
		var ref string
		if json.Unmarshal(root[0].Val, &ref) == nil {
			if target, ok := renamed[refName(ref)]; ok {
				return target, nil // the root is one of the definitions
			}
		}
	}
	rootRaw := object(root)
	n := g.claim(ident(name), compactJSON(rootRaw))
	g.store(n, g.rewrite(rootRaw, renamed))
	return n, nil
}

// claim returns the name under which a schema with the canonical form
// canon is (or will be) stored, preferring want.
func (g *registry) claim(want, canon string) string {
	name := want
	for i := 2; ; i++ {
		prev, taken := g.origin[name]
		if !taken {
			g.origin[name] = canon
			g.order = append(g.order, name)
			return name
		}
		if prev == canon {
			return name
		}
		name = fmt.Sprintf("%s_%d", want, i)
	}
}

func (g *registry) store(name string, raw json.RawMessage) {
	if _, done := g.entries[name]; !done {
		g.entries[name] = raw
	}
}

// rewrite replaces the references "#/$defs/X" of raw by the table's names.
// References are JSON strings of their own, so replacing the exact string
// token is enough.
func (g *registry) rewrite(raw json.RawMessage, renamed map[string]string) json.RawMessage {
	out := []byte(compactJSON(raw))
	for _, def := range sortedKeys(renamed) {
		from, _ := json.Marshal("#/$defs/" + jsonPointerEscape(def))
		to, _ := json.Marshal(g.prefix + jsonPointerEscape(renamed[def]))
		out = bytes.ReplaceAll(out, from, to)
	}
	return out
}

// members splits a JSON object into its members, in order.
func members(raw json.RawMessage) ([]member, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []member
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{Key: tok.(string), Val: v})
	}
	return out, nil
}

// object joins members into a JSON object.
func object(ms []member) json.RawMessage {
	b := []byte{'{'}
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(m.Key) // strings always encode
		b = append(append(append(b, k...), ':'), m.Val...)
	}
	return append(b, '}')
}

func jsonPointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
