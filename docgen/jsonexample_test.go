package docgen_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/docgen"
)

// TestExamplesOfContractsValidate builds an example for every payload and
// acknowledgement of both test contracts and validates it.
func TestExamplesOfContractsValidate(t *testing.T) {
	t.Parallel()
	sp := specOf(echoNamespace(), documentsNamespace())
	n := 0
	for _, ns := range sp.Namespaces {
		for _, ev := range ns.Events {
			for part, raw := range map[string]json.RawMessage{"payload": ev.Payload, "ack": ev.Ack} {
				if raw == nil {
					continue
				}
				t.Run(ns.Name+"/"+ev.Name+"/"+part, func(t *testing.T) {
					ex, err := docgen.Example(raw)
					require.NoError(t, err)
					requireValid(t, raw, ex)
				})
				n++
			}
		}
	}
	assert.Equal(t, 13, n) // with the recovery events of both namespaces
}

// TestExampleSatisfiesKeywords covers the keywords examples honour, one
// schema at a time.
func TestExampleSatisfiesKeywords(t *testing.T) {
	t.Parallel()
	schemas := []string{
		`{"type":"string"}`,
		`{"type":"string","minLength":12}`,
		`{"type":"string","maxLength":0}`,
		`{"type":"string","pattern":"^[A-Z]{3}-[0-9]{4}$"}`,
		`{"type":"string","pattern":"^(foo|bar)\\d+x?$","minLength":6}`,
		`{"type":"string","pattern":"^[a-z0-9-]+$","minLength":3,"maxLength":5}`,
		`{"type":"string","pattern":"\\w+@\\w+\\.com"}`,
		`{"type":"string","pattern":"^[^a-z]{2,}$"}`,
		`{"type":"string","format":"uuid"}`,
		`{"type":"string","format":"email"}`,
		`{"type":"string","format":"date-time"}`,
		`{"type":"string","format":"ipv6"}`,
		`{"type":"string","enum":["b","c"]}`,
		`{"const":"fixed"}`,
		`{"type":"integer","minimum":10,"multipleOf":7}`,
		`{"type":"integer","exclusiveMaximum":0}`,
		`{"type":"number","exclusiveMinimum":2.5}`,
		`{"type":"number","maximum":0.25}`,
		`{"type":["string","null"]}`,
		`{"type":"boolean"}`,
		`{"type":"null"}`,
		`{"type":"array","items":{"type":"integer"},"minItems":3,"uniqueItems":false}`,
		`{"type":"array","maxItems":0}`,
		`{"type":"object","additionalProperties":{"type":"string","format":"uuid"}}`,
		`{"type":"object","properties":{},"additionalProperties":false}`,
		`{"oneOf":[{"type":"string","minLength":2},{"type":"integer"}]}`,
		`{"type":"object","properties":{"a":{"type":"string","default":"zz"}},"required":["a"],"additionalProperties":false}`,
		`{"type":"object","properties":{"n":{"type":"integer","examples":[42]}},"required":["n"]}`,
		`{"$ref":"#/$defs/Node","$defs":{"Node":{"type":"object","properties":{` +
			`"name":{"type":"string"},"next":{"$ref":"#/$defs/Node"},"kids":{"type":"array","items":{"$ref":"#/$defs/Node"}}},` +
			`"required":["name","kids"],"additionalProperties":false}}}`,
		`true`,
		`{}`,
	}
	for i, s := range schemas {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			ex, err := docgen.Example(json.RawMessage(s))
			require.NoError(t, err)
			requireValid(t, []byte(s), ex)
		})
	}
}

func TestExampleKeepsFieldOrderAndPicksFixedValues(t *testing.T) {
	t.Parallel()
	ex, err := docgen.Example(json.RawMessage(`{"type":"object","properties":{` +
		`"z":{"type":"string","enum":["on","off"]},"a":{"const":3},"m":{"type":"boolean","default":false}}}`))
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"z\": \"on\",\n  \"a\": 3,\n  \"m\": false\n}", string(ex))

	_, err = docgen.Example(json.RawMessage(`{"type":`))
	assert.Error(t, err)
}
