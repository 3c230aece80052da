package rtkit_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
)

func TestSpecDescribesTheContract(t *testing.T) {
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()))
	srv.Mount(newTestNamespace(rtkit.NamespaceDescription("Test events")))
	sp := srv.Spec()

	assert.Equal(t, "/socket.io/", sp.Path)
	assert.Contains(t, sp.ErrorCodes, rtkit.CodeValidation)
	require.Len(t, sp.Namespaces, 1)
	ns := sp.Namespaces[0]
	assert.Equal(t, "/test", ns.Name)
	assert.Equal(t, "Test events", ns.Description)
	require.Len(t, ns.Rooms, 1)
	assert.Equal(t, rtkit.RoomSpec{Pattern: "channel:{name}", Params: []string{"name"}}, ns.Rooms[0])

	byName := map[string]rtkit.EventSpec{}
	for _, e := range ns.Events {
		byName[e.Name+"/"+string(e.Direction)] = e
	}
	sub := byName["subscribe/client-to-server"]
	assert.Equal(t, "Join a channel", sub.Summary)
	assert.Contains(t, sub.Errors, rtkit.CodeValidation)
	assert.Contains(t, sub.Errors, rtkit.CodeUnknownEvent)
	var schema struct {
		Type       string                     `json:"type"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(sub.Payload, &schema))
	assert.Equal(t, "object", schema.Type)
	assert.Equal(t, []string{"channel"}, schema.Required)
	assert.JSONEq(t, `{"type":"string","minLength":1,"maxLength":64}`, string(schema.Properties["channel"]))
	assert.NotEmpty(t, sub.Ack)

	note := byName["note/server-to-client"]
	assert.Nil(t, note.Ack, "NoAck has no acknowledgement schema")
	assert.Empty(t, note.Errors)
	ask := byName["ask/server-to-client"]
	assert.Equal(t, []rtkit.Code{rtkit.CodeTimeout}, ask.Errors)

	b, err := json.Marshal(sp)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"direction":"server-to-client"`)
}
