package schema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/testtypes"
)

type (
	pitfalls = testtypes.Pitfalls
	// binary stands for rtkit.Binary, which this package cannot import.
	binary []byte
)

const validPitfalls = testtypes.ValidPitfalls

var binaryType = reflect.TypeFor[binary]()

// build builds the Type of t as rtkit does, binary values bounded to 1 MiB.
func build(t testing.TB, typ reflect.Type) *Type {
	t.Helper()
	ts, err := Build(typ, binaryType, 1<<20)
	require.NoError(t, err)
	return ts
}

func mustSchema(t *testing.T, v any) *Type {
	t.Helper()
	return build(t, reflect.TypeOf(v))
}

// decodePayload decodes v into a T as rtkit's codec does.
func decodePayload[T any](ts *Type, v any) (T, *Invalid) {
	var in T
	return in, ts.Decode(v, reflect.ValueOf(&in).Elem())
}

func generic(t *testing.T, js string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(js), &v))
	return v
}

func TestSchemaPitfalls(t *testing.T) {
	ts := mustSchema(t, pitfalls{})
	require.Nil(t, ts.validate(generic(t, validPitfalls)), "a valid payload passes")

	in, verr := decodePayload[pitfalls](ts, generic(t, validPitfalls))
	require.Nil(t, verr)
	assert.Equal(t, uint(3), in.Count)
	assert.Equal(t, "x", in.Wrapped.Item.Name)

	bad := map[string]string{
		"uuid as string only":       `"id":[1,2]`,
		"uint has a minimum":        `"count":-5`,
		"uint8 has a maximum":       `"small":256`,
		"date-time is strict":       `"at":"2026-11-27t10:00:00z"`,
		"no leap second":            `"at":"2026-12-31T23:59:60Z"`,
		"a.Author keeps its schema": `"a":{"id":1}`,
		"b.Author keeps its schema": `"b":{"name":"n"}`,
	}
	for name, field := range bad {
		t.Run(name, func(t *testing.T) {
			key := field[:strings.Index(field, ":")]
			js := validPitfalls
			start := strings.Index(js, key+":")
			end := start + len(key) + 1
			depth := 0
			for ; end < len(js); end++ {
				c := js[end]
				if c == '{' || c == '[' {
					depth++
				} else if c == '}' || c == ']' {
					if depth == 0 {
						break
					}
					depth--
				} else if c == ',' && depth == 0 {
					break
				}
			}
			js = js[:start] + field + js[end:]
			assert.NotNil(t, ts.validate(generic(t, js)), "payload: %s", js)
		})
	}
}

func TestSchemaDefsAreValidPointers(t *testing.T) {
	ts := mustSchema(t, pitfalls{})
	var doc struct {
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(ts.raw, &doc))
	var names []string
	for k := range doc.Defs {
		assert.NotContains(t, k, "/", "a / would split the JSON pointer")
		assert.NotContains(t, k, "[")
		names = append(names, k)
	}
	assert.Contains(t, names, "Envelope_a.Author")
	assert.Contains(t, names, "Author")
	assert.Contains(t, names, "github.com_rtkit-go_rtkit_internal_testtypes_b.Author")
}

func TestSchemaRefusesUnrepresentableTypes(t *testing.T) {
	_, err := Build(reflect.TypeFor[struct {
		C chan int `json:"c"`
	}](), binaryType, 1<<20)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reflect")
}

func FuzzDecodePayload(f *testing.F) {
	ts := build(f, reflect.TypeFor[pitfalls]())
	for _, s := range []string{validPitfalls, `null`, `[]`, `{"count":-1}`, `"x"`, `{"at":"2026-01-01T00:00:00Z"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		// Whatever arrives, the answer is a value or an *Invalid (a
		// VALIDATION_ERROR), never a panic.
		_, _ = decodePayload[pitfalls](ts, v)
	})
}
