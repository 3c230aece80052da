package sioproto

import (
	"encoding/json"
	"strings"
	"testing"

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
// encoding/json has one.
func checkArgs(t *testing.T, in string) {
	got, err := Args([]byte(in))
	var want []any
	werr := json.Unmarshal([]byte(in), &want)
	if werr != nil {
		require.Error(t, err, "%q", in)
		return
	}
	require.NoError(t, err, "%q", in)
	require.Equal(t, want, got, "%q", in)
	if want != nil {
		require.NotNil(t, got, "%q: an empty array is not nil", in)
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
