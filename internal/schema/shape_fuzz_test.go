package schema

import (
	"bytes"
	"encoding/json"
	"testing"
)

// depthOf returns how deeply v nests (a scalar is 0, [] or {} is 1) and
// whether it holds only JSON values; it is written independently of
// shapeProblem, to check it.
func depthOf(v any) (int, bool) {
	deepest, ok := 0, true
	switch x := v.(type) {
	case nil, string, float64, bool, json.Number:
		return 0, true
	case map[string]any:
		for _, e := range x {
			d, eok := depthOf(e)
			deepest, ok = max(deepest, d), ok && eok
		}
	case []any:
		for _, e := range x {
			d, eok := depthOf(e)
			deepest, ok = max(deepest, d), ok && eok
		}
	default:
		return 0, false
	}
	return deepest + 1, ok
}

// FuzzCheckShape feeds arbitrary JSON to the shape check that runs before
// any schema: it accepts exactly the values that nest at most
// maxPayloadDepth levels, and every refusal is an *Invalid with one
// detail whose path is a JSON pointer.
func FuzzCheckShape(f *testing.F) {
	for _, s := range []string{`null`, `1`, `"x"`, `[]`, `{}`, `{"a":[{"b":[1,2,{"c":null}]}]}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"a/b":{"~":[{"":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}]}}`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, numbers bool) {
		var v any
		if numbers {
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			if d.Decode(&v) != nil {
				return
			}
		} else if json.Unmarshal(raw, &v) != nil {
			return
		}
		depth, ok := depthOf(v)
		e := checkShape(v)
		want := ok && depth <= maxPayloadDepth
		if (e == nil) != want {
			t.Fatalf("depth %d: checkShape = %v for %s", depth, e, raw)
		}
		if e == nil {
			return
		}
		if len(e.Details) != 1 {
			t.Fatalf("refusal %#v", e)
		}
		if p := e.Details[0].Path; p != "" && p[0] != '/' {
			t.Fatalf("path %q is not a JSON pointer", p)
		}
	})
}
