package schema

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type zeroInner struct {
	Tags []string   `json:"tags"`
	Self *zeroInner `json:"self,omitempty"`
}

// zeroPayload holds every combination of pointer, omitempty/omitzero,
// slice and map that the rules of rtkit's package doc distinguish.
type zeroPayload struct {
	Str          string          `json:"str"`
	StrOpt       string          `json:"strOpt,omitempty"`
	Num          int             `json:"num"`
	Flag         bool            `json:"flag"`
	Ptr          *int            `json:"ptr"`
	PtrOpt       *int            `json:"ptrOpt,omitempty"`
	PtrStruct    *zeroInner      `json:"ptrStruct"`
	PtrStructOpt *zeroInner      `json:"ptrStructOpt,omitzero"`
	PtrEnum      *string         `json:"ptrEnum" jsonschema:"enum=a,enum=b"`
	List         []string        `json:"list"`
	ListOpt      []string        `json:"listOpt,omitempty"`
	Dict         map[string]int  `json:"dict"`
	DictOpt      map[string]int  `json:"dictOpt,omitempty"`
	Bytes        []byte          `json:"bytes"`
	PtrList      []*int          `json:"ptrList"`
	PtrDict      map[string]*int `json:"ptrDict"`
	Nested       zeroInner       `json:"nested"`
	Lists        [][]string      `json:"lists"`
	Nullable     string          `json:"nullable" jsonschema:"nullable"`
}

func TestRequiredFieldsFollowOmitempty(t *testing.T) {
	ts := mustSchema(t, zeroPayload{})
	var doc struct {
		Required []string `json:"required"`
	}
	require.NoError(t, json.Unmarshal(ts.raw, &doc))
	want := []string{"str", "num", "flag", "ptr", "ptrStruct", "ptrEnum", "list", "dict", "bytes",
		"ptrList", "ptrDict", "nested", "lists", "nullable"}
	assert.ElementsMatch(t, want, doc.Required, "required: every field without omitempty/omitzero, pointers and bools included")
}

// zeroValid is a payload with every field present and non-null.
func zeroValid() map[string]any {
	return map[string]any{
		"str": "s", "strOpt": "o", "num": 1.0, "flag": true, "ptr": 2.0, "ptrOpt": 3.0,
		"ptrStruct": map[string]any{"tags": []any{}}, "ptrStructOpt": map[string]any{"tags": []any{"x"}},
		"ptrEnum": "a", "list": []any{"l"}, "listOpt": []any{}, "dict": map[string]any{"k": 1.0},
		"dictOpt": map[string]any{}, "bytes": "AQI=", "ptrList": []any{1.0}, "ptrDict": map[string]any{"k": 1.0},
		"nested": map[string]any{"tags": []any{"t"}}, "lists": []any{[]any{"a"}}, "nullable": "n",
	}
}

func TestZeroValueRulesInbound(t *testing.T) {
	ts := mustSchema(t, zeroPayload{})
	cases := []struct {
		name    string
		edit    func(m map[string]any)
		refused string // the detail path, "" when accepted
	}{
		{"all present", func(map[string]any) {}, ""},
		{"optional string left out", func(m map[string]any) { delete(m, "strOpt") }, ""},
		{"required string left out", func(m map[string]any) { delete(m, "str") }, "/str"},
		{"required bool left out", func(m map[string]any) { delete(m, "flag") }, "/flag"},
		{"required number left out", func(m map[string]any) { delete(m, "num") }, "/num"},
		{"string null refused", func(m map[string]any) { m["str"] = nil }, "/str"},
		{"pointer null accepted", func(m map[string]any) { m["ptr"] = nil }, ""},
		{"pointer left out refused", func(m map[string]any) { delete(m, "ptr") }, "/ptr"},
		{"omitempty pointer left out", func(m map[string]any) { delete(m, "ptrOpt") }, ""},
		{"omitempty pointer null refused", func(m map[string]any) { m["ptrOpt"] = nil }, "/ptrOpt"},
		{"pointer to struct null accepted", func(m map[string]any) { m["ptrStruct"] = nil }, ""},
		{"pointer to struct checked inside", func(m map[string]any) { m["ptrStruct"] = map[string]any{} }, "/ptrStruct/tags"},
		{"omitzero pointer to struct left out", func(m map[string]any) { delete(m, "ptrStructOpt") }, ""},
		{"omitzero pointer to struct null refused", func(m map[string]any) { m["ptrStructOpt"] = nil }, "/ptrStructOpt"},
		{"pointer enum null accepted", func(m map[string]any) { m["ptrEnum"] = nil }, ""},
		{"pointer enum still an enum", func(m map[string]any) { m["ptrEnum"] = "c" }, "/ptrEnum"},
		{"slice null refused", func(m map[string]any) { m["list"] = nil }, "/list"},
		{"slice empty accepted", func(m map[string]any) { m["list"] = []any{} }, ""},
		{"slice left out refused", func(m map[string]any) { delete(m, "list") }, "/list"},
		{"omitempty slice left out", func(m map[string]any) { delete(m, "listOpt") }, ""},
		{"omitempty slice null refused", func(m map[string]any) { m["listOpt"] = nil }, "/listOpt"},
		{"map null refused", func(m map[string]any) { m["dict"] = nil }, "/dict"},
		{"map empty accepted", func(m map[string]any) { m["dict"] = map[string]any{} }, ""},
		{"omitempty map left out", func(m map[string]any) { delete(m, "dictOpt") }, ""},
		{"omitempty map null refused", func(m map[string]any) { m["dictOpt"] = nil }, "/dictOpt"},
		{"bytes null refused", func(m map[string]any) { m["bytes"] = nil }, "/bytes"},
		{"pointer list element null accepted", func(m map[string]any) { m["ptrList"] = []any{nil, 1.0} }, ""},
		{"pointer map value null accepted", func(m map[string]any) { m["ptrDict"] = map[string]any{"k": nil} }, ""},
		{"nested slice null refused", func(m map[string]any) { m["nested"] = map[string]any{"tags": nil} }, "/nested/tags"},
		{"inner list null refused", func(m map[string]any) { m["lists"] = []any{nil} }, "/lists/0"},
		{"nullable tag accepts null", func(m map[string]any) { m["nullable"] = nil }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := zeroValid()
			c.edit(m)
			in, verr := decodePayload[zeroPayload](ts, m)
			if c.refused == "" {
				require.Nil(t, verr)
				return
			}
			require.NotNil(t, verr, "must be refused")
			paths := slices.Collect(func(yield func(string) bool) {
				for _, d := range verr.Details {
					if !yield(d.Path) {
						return
					}
				}
			})
			assert.Contains(t, paths, c.refused)
			assert.Equal(t, zeroPayload{}, in)
		})
	}

	in, verr := decodePayload[zeroPayload](ts, func() map[string]any {
		m := zeroValid()
		m["ptr"], m["ptrStruct"], m["ptrList"] = nil, nil, []any{nil}
		return m
	}())
	require.Nil(t, verr)
	assert.Nil(t, in.Ptr, "null decodes to a nil pointer")
	assert.Nil(t, in.PtrStruct)
	assert.Equal(t, []*int{nil}, in.PtrList)
}

func TestZeroValueRulesOutbound(t *testing.T) {
	ts := mustSchema(t, zeroPayload{})
	b, err := ts.Encode(zeroPayload{}, true)
	require.NoError(t, err, "Go's zero value matches its own schema")
	assert.JSONEq(t, `{"str":"","num":0,"flag":false,"ptr":null,"ptrStruct":null,"ptrEnum":null,
		"list":[],"dict":{},"bytes":"","ptrList":[],"ptrDict":{},"nested":{"tags":[]},"lists":[],"nullable":""}`, string(b))

	one := 1
	v := zeroPayload{
		PtrStruct: &zeroInner{Self: &zeroInner{}}, PtrStructOpt: &zeroInner{},
		PtrList: []*int{nil, &one}, PtrDict: map[string]*int{"n": nil}, Lists: [][]string{nil, {"a"}},
		Num: 1 << 60, // beyond float64's exact integers: must survive the rewrite
	}
	b, err = ts.Encode(v, true)
	require.NoError(t, err)
	var got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &got))
	assert.JSONEq(t, `{"tags":[],"self":{"tags":[]}}`, string(got["ptrStruct"]))
	assert.JSONEq(t, `{"tags":[]}`, string(got["ptrStructOpt"]))
	assert.JSONEq(t, `[null,1]`, string(got["ptrList"]))
	assert.JSONEq(t, `{"n":null}`, string(got["ptrDict"]))
	assert.JSONEq(t, `[[],["a"]]`, string(got["lists"]))
	assert.Equal(t, "1152921504606846976", string(got["num"]))

	// Without validation the rewrite still happens.
	b, err = ts.Encode(zeroPayload{}, false)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"list":[]`)

	// What the server sends, the server accepts back.
	var generic any
	require.NoError(t, json.Unmarshal(b, &generic))
	_, verr := decodePayload[zeroPayload](ts, generic)
	require.Nil(t, verr)
}

func TestFillerOnlyWhereNeeded(t *testing.T) {
	type flat struct {
		A string `json:"a"`
		B *int   `json:"b"`
	}
	assert.Nil(t, compileFiller(reflect.TypeFor[flat]()), "no slice or map: no rewrite")
	assert.NotNil(t, compileFiller(reflect.TypeFor[zeroInner]()), "self-referential type with a slice")
}

// BenchmarkEncodeNilCollections measures what sending Go's zero values
// costs: a payload whose slices and maps are set takes the plain path; one
// with a nil slice is decoded, rewritten and encoded again.
func BenchmarkEncodeNilCollections(b *testing.B) {
	ts := build(b, reflect.TypeFor[zeroPayload]())
	one := 1
	set := zeroPayload{Str: "s", Ptr: &one, PtrStruct: &zeroInner{Tags: []string{"a"}}, List: []string{"a"},
		Dict: map[string]int{"a": 1}, Bytes: []byte{1}, PtrList: []*int{&one}, PtrDict: map[string]*int{"a": &one},
		Nested: zeroInner{Tags: []string{"t"}}, Lists: [][]string{{"a"}}}
	for _, c := range []struct {
		name string
		v    zeroPayload
	}{{"set", set}, {"nil", zeroPayload{}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ts.Encode(c.v, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
