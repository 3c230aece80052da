package docgen_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

// pointer follows a local JSON Pointer ("#/a/b") in doc.
func pointer(doc any, ref string) (any, bool) {
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// refs lists every $ref in v.
func refs(v any) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, ok := e.(string); ok && k == "$ref" {
				out = append(out, s)
			}
			out = append(out, refs(e)...)
		}
	case []any:
		for _, e := range t {
			out = append(out, refs(e)...)
		}
	}
	return out
}

func TestAsyncAPIDocument(t *testing.T) {
	t.Parallel()
	b, err := docgen.AsyncAPI(specOf(echoNamespace(), documentsNamespace()), docgen.Info{Title: "T", Version: "2.1.0"})
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))

	assert.Equal(t, "3.0.0", doc["asyncapi"])
	assert.Equal(t, map[string]any{"title": "T", "version": "2.1.0"}, doc["info"])
	all := refs(doc)
	require.NotEmpty(t, all)
	for _, r := range all {
		require.True(t, strings.HasPrefix(r, "#/"), "local reference %s", r)
		_, ok := pointer(doc, r)
		assert.True(t, ok, "%s resolves", r)
		assert.NotContains(t, r, "$defs", "definitions are components")
	}

	ops := doc["operations"].(map[string]any)
	actions := map[string]string{}
	for id, op := range ops {
		actions[id] = op.(map[string]any)["action"].(string)
	}
	assert.Equal(t, map[string]string{
		"receive.chat.message.send":        "receive",
		"send.chat.message.new":            "send",
		"send.chat.error":                  "send",
		"receive.documents.document.edit":  "receive",
		"receive.documents.ping":           "receive",
		"send.documents.document.comments": "send",
		"send.documents.document.confirm":  "send",
		"send.documents.error":             "send",
		"send.chat.rtkit.resync":           "send",
		"send.chat.rtkit.offset":           "send",
		"send.documents.rtkit.resync":      "send",
		"send.documents.rtkit.offset":      "send",
	}, actions)

	// A handled event's reply is the envelope around the acknowledgement.
	edit := ops["receive.documents.document.edit"].(map[string]any)
	assert.Equal(t, []any{"FORBIDDEN", "INTERNAL", "NOT_FOUND", "RATE_LIMITED", "TIMEOUT", "UNAVAILABLE", "UNKNOWN_EVENT", "VALIDATION_ERROR"},
		edit["x-rtkit-errors"])
	reply := edit["reply"].(map[string]any)
	msg, ok := pointer(doc, reply["messages"].([]any)[0].(map[string]any)["$ref"].(string))
	require.True(t, ok)
	env, ok := pointer(doc, msg.(map[string]any)["$ref"].(string))
	require.True(t, ok)
	payload := env.(map[string]any)["payload"].(map[string]any)["$ref"].(string)
	assert.Equal(t, "#/components/schemas/rtkit.Ack.EditApplied", payload)
	envelope, _ := pointer(doc, payload)
	assert.JSONEq(t, `{"oneOf":[{"type":"object","properties":{"success":{"const":true},
		"data":{"$ref":"#/components/schemas/EditApplied"}},"required":["success","data"]},
		{"$ref":"#/components/schemas/rtkit.AckFailure"}]}`, string(mustJSON(t, envelope)))

	// An emitted event's reply is the acknowledgement itself.
	confirm := ops["send.documents.document.confirm"].(map[string]any)
	msg, _ = pointer(doc, confirm["reply"].(map[string]any)["messages"].([]any)[0].(map[string]any)["$ref"].(string))
	m, _ := pointer(doc, msg.(map[string]any)["$ref"].(string))
	assert.Equal(t, "#/components/schemas/Confirmed", m.(map[string]any)["payload"].(map[string]any)["$ref"])
	assert.Nil(t, ops["send.documents.document.comments"].(map[string]any)["reply"])

	// Shared and self-referring types are components once.
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"Author", "Comment", "Page_Comment", "DocumentEdit", "rtkit.Error", "rtkit.ErrorEvent"} {
		assert.Contains(t, schemas, name)
	}
	assert.NotContains(t, schemas, "Author_2")
	comment := string(mustJSON(t, schemas["Comment"]))
	assert.Contains(t, comment, `"$ref":"#/components/schemas/Comment"`)

	channels := doc["channels"].(map[string]any)
	assert.Equal(t, "/documents", channels["documents"].(map[string]any)["address"])
	assert.Len(t, channels["documents"].(map[string]any)["x-rtkit-rooms"], 2)
}

// TestGeneratorsSeparateSameNamedTypes uses a spec written as plain data:
// two different types named Item (from two Go packages) and a payload type
// named like one of the envelope types.
func TestGeneratorsSeparateSameNamedTypes(t *testing.T) {
	t.Parallel()
	var sp = mustSpec(t, `{"path":"/socket.io/","errorCodes":["INTERNAL"],"namespaces":[{"name":"/","events":[
		{"name":"a","direction":"client-to-server","payloadType":"one.Item",
		 "payload":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"],"additionalProperties":false}},
		{"name":"b","direction":"server-to-client","payloadType":"two.Item",
		 "payload":{"type":"object","properties":{"y":{"type":"integer"}},"required":["y"],"additionalProperties":false}},
		{"name":"c","direction":"server-to-client","payloadType":"three.ErrorEvent",
		 "payload":{"type":"object","properties":{"z":{"type":"boolean"}},"additionalProperties":false}}]}]}`)

	schemas, err := docgen.JSONSchemas(sp)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"Item.json", "Item_2.json", "ErrorEvent.json"}, keys(schemas))
	assert.Contains(t, string(schemas["Item_2.json"]), `"y"`)

	ts, err := docgen.TypeScript(sp)
	require.NoError(t, err)
	mod := string(ts["root.ts"])
	assert.Contains(t, mod, "export interface Item {\n  x: string;\n}")
	assert.Contains(t, mod, "export interface Item_2 {\n  y: number;\n}")
	assert.Contains(t, mod, "export interface ErrorEvent_2 {\n  z?: boolean;\n}")
	assert.Contains(t, mod, "  b: (payload: Item_2) => void;")
	assert.Contains(t, mod, "  c: (payload: ErrorEvent_2) => void;")

	b, err := docgen.AsyncAPI(sp, docgen.Info{})
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	cs := doc["components"].(map[string]any)["schemas"].(map[string]any)
	assert.Contains(t, cs, "Item")
	assert.Contains(t, cs, "Item_2")
	assert.Equal(t, "/", doc["channels"].(map[string]any)["root"].(map[string]any)["address"])
}

func mustSpec(t *testing.T, s string) (sp rtkit.Spec) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(s), &sp))
	return sp
}

func TestAsyncAPIDeclaresRecovery(t *testing.T) {
	t.Parallel()
	b, err := docgen.AsyncAPI(specOf(documentsNamespace()), docgen.Info{})
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, map[string]any{"windowMs": 120000.0}, doc["x-rtkit-recovery"])

	msgs := doc["components"].(map[string]any)["messages"].(map[string]any)
	offset := msgs["documents.document.comments"].(map[string]any)["x-rtkit-offset"].(map[string]any)
	assert.Equal(t, map[string]any{"type": "string"}, offset["schema"])
	assert.NotContains(t, msgs["documents.document.confirm"], "x-rtkit-offset", "acknowledged events are not logged")
	assert.Contains(t, msgs["documents.rtkit.resync"], "x-rtkit-offset")
	assert.Contains(t, msgs, "documents.rtkit.offset")
	ops := doc["operations"].(map[string]any)
	assert.Equal(t, "send", ops["send.documents.rtkit.resync"].(map[string]any)["action"])
}
