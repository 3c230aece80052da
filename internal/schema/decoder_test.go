package schema

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

type decodeInner struct {
	Level int               `json:"level"`
	Tags  map[string]string `json:"tags,omitempty"`
}

type decodeBase struct {
	Kind string `json:"kind"`
}

type decodeEmbedded struct {
	decodeBase
	N int `json:"n"`
}

type decodeRich struct {
	ID       uuid.UUID            `json:"id"`
	At       time.Time            `json:"at"`
	Title    string               `json:"title"`
	Score    float64              `json:"score"`
	Count    uint16               `json:"count"`
	Neg      int8                 `json:"neg"`
	On       bool                 `json:"on"`
	Blocks   []decodeInner        `json:"blocks"`
	Meta     map[string]any       `json:"meta,omitempty"`
	Opt      *decodeInner         `json:"opt,omitempty"`
	Raw      any                  `json:"raw,omitempty"`
	Bytes    []byte               `json:"bytes,omitempty"`
	Embedded decodeEmbedded       `json:"embedded"`
	ByName   map[string][]float64 `json:"byName,omitempty"`
	RawMsg   json.RawMessage      `json:"rawMsg,omitempty"`
	Next     *decodeRich          `json:"next,omitempty"`
}

const richPayload = `{"id":"7f1c2a4e-3b5d-4c6e-8f90-1a2b3c4d5e6f","at":"2026-11-27T10:00:00.123+02:00",
 "title":"t","score":1.5,"count":65535,"neg":-128,"on":true,
 "blocks":[{"level":1,"tags":{"a":"b"}},{"level":2}],"meta":{"x":[1,"y",null,{"z":true}]},
 "opt":{"level":3},"raw":{"k":1},"bytes":"AQID","embedded":{"kind":"k","n":2},
 "byName":{"a":[1,2.5]},"rawMsg":{"keep":[1,2]},"next":{"id":"7f1c2a4e-3b5d-4c6e-8f90-1a2b3c4d5e6f",
 "at":"2026-01-01T00:00:00Z","title":"","score":0,"count":0,"neg":0,"on":false,"blocks":null,"embedded":{"kind":"","n":0}}}`

// decodeBoth decodes v with the compiled plan and with encoding/json.
func decodeBoth(t testing.TB, dec decoder, v any) (plan, viaJSON decodeRich, planErr, jsonErr error) {
	planErr = dec(v, reflect.ValueOf(&plan).Elem())
	b, err := json.Marshal(v)
	require.NoError(t, err)
	jsonErr = json.Unmarshal(b, &viaJSON)
	return
}

func TestDecoderMatchesEncodingJSON(t *testing.T) {
	dec := compileDecoder(reflect.TypeFor[decodeRich](), binaryType, map[reflect.Type]*decoder{})
	var v any
	require.NoError(t, json.Unmarshal([]byte(richPayload), &v))
	plan, viaJSON, perr, jerr := decodeBoth(t, dec, v)
	require.NoError(t, perr)
	require.NoError(t, jerr)
	require.Equal(t, viaJSON, plan)
	require.Equal(t, "k", plan.Embedded.Kind)
	require.Equal(t, []byte{1, 2, 3}, plan.Bytes)
}

// FuzzDecoderMatchesEncodingJSON checks, on every payload the schema
// admits, that the compiled decoder gives what encoding/json gives. (Keys are
// matched exactly: the schema refuses the case variants encoding/json would
// also accept.)
func FuzzDecoderMatchesEncodingJSON(f *testing.F) {
	ts := build(f, reflect.TypeFor[decodeRich]())
	dec := ts.decode
	f.Add([]byte(richPayload))
	f.Add([]byte(`{"count":70000}`))
	f.Add([]byte(`{"neg":1.5,"blocks":[{"level":null}]}`))
	f.Add([]byte(`{"title":null,"opt":null,"meta":null}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v any
		if json.Unmarshal(raw, &v) != nil || ts.validate(v) != nil {
			return
		}
		plan, viaJSON, perr, jerr := decodeBoth(t, dec, v)
		if (perr == nil) != (jerr == nil) {
			// The plan may refuse what json accepts only where the schema
			// already refused it; it must never accept what json refuses.
			if perr == nil {
				t.Fatalf("plan accepted what encoding/json refused (%v): %s", jerr, raw)
			}
			return
		}
		if perr == nil && !reflect.DeepEqual(plan, viaJSON) {
			t.Fatalf("plan and encoding/json disagree on %s:\n%+v\n%+v", raw, plan, viaJSON)
		}
	})
}
