package rtkit

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/testtypes/a"
	"github.com/rtkit-go/rtkit/internal/testtypes/b"
)

type envelope[T any] struct {
	Item T `json:"item"`
}

type pitfalls struct {
	ID      uuid.UUID          `json:"id"`
	Addr    netip.Addr         `json:"addr"`
	Count   uint               `json:"count"`
	Small   uint8              `json:"small"`
	At      time.Time          `json:"at"`
	Wrapped envelope[a.Author] `json:"wrapped"`
	A       a.Author           `json:"a"`
	B       b.Author           `json:"b"`
	Opt     *int               `json:"opt,omitempty"`
}

func mustSchema(t *testing.T, v any) *typeSchema {
	t.Helper()
	ts, err := buildSchema(reflect.TypeOf(v))
	require.NoError(t, err)
	return ts
}

func generic(t *testing.T, js string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(js), &v))
	return v
}

const validPitfalls = `{"id":"7f1c2a4e-3b5d-4c6e-8f90-1a2b3c4d5e6f","addr":"127.0.0.1","count":3,"small":7,
	"at":"2026-11-27T10:00:00.5Z","wrapped":{"item":{"name":"x"}},"a":{"name":"n"},"b":{"id":1}}`

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
	assert.Contains(t, names, "envelope_a.Author")
	assert.Contains(t, names, "Author")
	assert.Contains(t, names, "github.com_rtkit-go_rtkit_internal_testtypes_b.Author")
}

func TestSchemaRefusesUnrepresentableTypes(t *testing.T) {
	_, err := buildSchema(reflect.TypeFor[struct {
		C chan int `json:"c"`
	}]())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reflect")
}

func TestRegistrationPanicsNameNamespaceAndEvent(t *testing.T) {
	ns := NewNamespace("/docs")
	ev := NewEvent[struct {
		F func() `json:"f"`
	}, NoAck]("doc:bad")
	assert.PanicsWithValue(t, "rtkit: namespace /docs: event doc:bad: payload: cannot reflect a JSON Schema from struct { F func() \"json:\\\"f\\\"\" }: unsupported type func()", func() {
		Emits(ns, ev)
	})

	good := NewEvent[struct{}, NoAck]("doc:ok")
	Emits(ns, good)
	assert.PanicsWithValue(t, "rtkit: namespace /docs: event doc:ok declared twice with Emits", func() { Emits(ns, good) })
	assert.Panics(t, func() { NewEvent[struct{}, NoAck]("disconnect") })
	assert.Panics(t, func() { NewEvent[struct{}, NoAck]("") })
	for _, bad := range []string{"a b", "tab\there", "new\nline", "quote\"", "é", "a<b>", "a,b"} {
		assert.Panics(t, func() { NewEvent[struct{}, NoAck](bad) }, "event name %q", bad)
	}
	assert.NotPanics(t, func() { NewEvent[struct{}, NoAck]("ns.v2/doc:updated_at-1") })
	assert.Panics(t, func() { NewNamespace("docs") })
}

func TestRoomPatterns(t *testing.T) {
	cases := []struct {
		pattern, room string
		ok            bool
		params        RoomParams
	}{
		{"broadcast", "broadcast", true, RoomParams{}},
		{"broadcast", "broadcast:x", false, nil},
		{"user:{userId}", "user:42", true, RoomParams{"userId": "42"}},
		{"user:{userId}", "user:", false, nil},
		{"user:{userId}", "user:42:inbox", false, nil},
		{"user:{userId}:*", "user:42:inbox", true, RoomParams{"userId": "42"}},
		{"user:{userId}:*", "user:42:a:b", true, RoomParams{"userId": "42"}},
		{"user:{userId}:*", "user:42", false, nil},
		{"user:{userId}:*", "user:42:", false, nil},
		{"document:{documentId}", "doc:1", false, nil},
		{"org:{org}:team:{team}", "org:a:team:b", true, RoomParams{"org": "a", "team": "b"}},
	}
	for _, tc := range cases {
		p, err := parseRoomPattern(tc.pattern)
		require.NoError(t, err, tc.pattern)
		params, ok := p.match(tc.room)
		assert.Equal(t, tc.ok, ok, "%s ~ %s", tc.pattern, tc.room)
		if tc.ok {
			assert.Equal(t, tc.params, params)
		}
	}
	for _, bad := range []string{"", "a::b", "*:a", "{}", "{a}:{a}", "a{b}", "a:{b"} {
		_, err := parseRoomPattern(bad)
		assert.Error(t, err, "pattern %q", bad)
	}
}

func FuzzRoomPattern(f *testing.F) {
	for _, s := range []string{"user:{userId}:*", "document:{documentId}", "broadcast", "a::b", "{x}"} {
		f.Add(s, "user:1:x")
	}
	f.Fuzz(func(t *testing.T, pattern, room string) {
		p, err := parseRoomPattern(pattern)
		if err != nil {
			return
		}
		params, ok := p.match(room)
		if !ok {
			return
		}
		for _, name := range p.params {
			v := params[name]
			if v == "" || strings.Contains(v, ":") {
				t.Fatalf("pattern %q room %q: parameter %s = %q", pattern, room, name, v)
			}
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	ts, err := buildSchema(reflect.TypeFor[pitfalls]())
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{validPitfalls, `null`, `[]`, `{"count":-1}`, `"x"`, `{"at":"2026-01-01T00:00:00Z"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		// Whatever arrives, the answer is a value or a VALIDATION_ERROR,
		// never a panic.
		_, e := decodePayload[pitfalls](ts, v)
		if e != nil && e.Code != CodeValidation {
			t.Fatalf("code %s for %s", e.Code, raw)
		}
	})
}
