package sioproto

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/require"
)

var argsSeeds = []string{
	`["echo",{"channel":"news"}]`,
	` [ "a" , 1 , -2.5e3 , 0 , -0 , true , false , null , [] , {} , [1,[2,[3]]] ] `,
	`["dup",{"a":1,"a":2}]`,
	`["é",{"ü":"日本"}]`,
	`["esc\"aped"]`, `["\u00e9"]`, `["bad\ud800"]`, "[\"\xff\"]", "[\"a\x01\"]",
	`[1e999]`, `[01]`, `[1.]`, `[.5]`, `[1e]`, `[-]`, `[+1]`, `[1,]`, `[,1]`, `[1 2]`,
	`[]`, `[`, `]`, `null`, `{}`, `"x"`, `[tru]`, `[nul]`, `[truex]`, `[1]x`, `{"a":1}`,
	`[{"a" 1}]`, `[{1:2}]`, `[{"a":1,}]`, `[{"a":1`,
	strings.Repeat("[", 40) + strings.Repeat("]", 40),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
}

// Args gives encoding/json's result: the same values, and an error where
// encoding/json has one or where an object repeats a name.
func checkArgs(t *testing.T, in string) {
	got, err := Args([]byte(in))
	var want []any
	werr := json.Unmarshal([]byte(in), &want)
	if werr != nil {
		require.Error(t, err, "%q", in)
		return
	}
	if hasDuplicateNames(in) {
		require.Error(t, err, "%q: a repeated name is refused", in)
		return
	}
	require.NoError(t, err, "%q", in)
	require.Equal(t, want, got, "%q", in)
	if want != nil {
		require.NotNil(t, got, "%q: an empty array is not nil", in)
	}
}

// hasDuplicateNames reports whether in, valid for encoding/json, repeats a
// name within one object.
func hasDuplicateNames(in string) bool {
	v := jsontext.Value(in)
	return v.IsValid(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)) &&
		!v.IsValid(jsontext.AllowInvalidUTF8(true))
}

func TestArgsRefusesDuplicateNames(t *testing.T) {
	for _, in := range []string{`["dup",{"a":1,"a":2}]`, `["x",{"b":{"role":"user","role":"admin"}}]`} {
		_, err := Args([]byte(in))
		require.ErrorIs(t, err, ErrInvalid, "%q", in)
	}
}

func TestArgsAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range argsSeeds {
		checkArgs(t, in)
	}
}

func FuzzArgs(f *testing.F) {
	for _, in := range argsSeeds {
		f.Add(in)
	}
	f.Fuzz(checkArgs)
}

func BenchmarkArgs(b *testing.B) {
	in := []byte(`["echo",{"channel":"news","n":12,"tags":["a","b"],"ok":true}]`)
	b.Run("impl=sioproto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Args(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v []any
			if err := json.Unmarshal(in, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
