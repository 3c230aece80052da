package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContract checks the generated contract (what -print-spec writes)
// against the issue: both namespaces, every event in its direction, and
// exact schemas (uuid and date-time formats, the type enum, lengths).
func TestContract(t *testing.T) {
	var out bytes.Buffer
	require.Equal(t, 0, writeSpec(&out))
	var spec struct {
		Path       string `json:"path"`
		Namespaces []struct {
			Name   string `json:"name"`
			Events []struct {
				Name      string          `json:"name"`
				Direction string          `json:"direction"`
				Payload   json.RawMessage `json:"payload"`
				Ack       json.RawMessage `json:"ack"`
			} `json:"events"`
			Rooms []struct {
				Pattern string `json:"pattern"`
			} `json:"rooms"`
		} `json:"namespaces"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &spec))
	assert.Equal(t, "/socket.io/", spec.Path)

	type schema struct {
		Type                 string            `json:"type"`
		Required             []string          `json:"required"`
		AdditionalProperties *bool             `json:"additionalProperties"`
		Properties           map[string]schema `json:"properties"`
		Format               string            `json:"format"`
		Enum                 []string          `json:"enum"`
		MinLength            *int              `json:"minLength"`
		MaxLength            *int              `json:"maxLength"`
	}
	events := map[string]map[string][2]schema{} // namespace → "name direction" → payload, ack
	rooms := map[string][]string{}
	for _, ns := range spec.Namespaces {
		events[ns.Name] = map[string][2]schema{}
		for _, ev := range ns.Events {
			var p, a schema
			require.NoError(t, json.Unmarshal(ev.Payload, &p), ev.Name)
			if len(ev.Ack) > 0 {
				require.NoError(t, json.Unmarshal(ev.Ack, &a), ev.Name)
			}
			events[ns.Name][ev.Name+" "+ev.Direction] = [2]schema{p, a}
		}
		for _, r := range ns.Rooms {
			rooms[ns.Name] = append(rooms[ns.Name], r.Pattern)
		}
	}
	c2s, s2c := " client-to-server", " server-to-client"
	notes, docs := events["/notifications"], events["/documents"]
	require.NotNil(t, notes)
	require.NotNil(t, docs)
	for _, name := range []string{"subscribe:channel" + c2s, "unsubscribe:channel" + c2s, "mark:read" + c2s,
		"notification:new" + s2c, "notification:updated" + s2c} {
		assert.Contains(t, notes, name)
	}
	for _, name := range []string{"document:subscribe" + c2s, "document:unsubscribe" + c2s,
		"document:updated" + s2c, "document:deleted" + s2c} {
		assert.Contains(t, docs, name)
	}
	assert.ElementsMatch(t, []string{"user:{userId}", "user:{userId}:*", "broadcast"}, rooms["/notifications"])
	assert.ElementsMatch(t, []string{"user:{userId}", "document:{documentId}"}, rooms["/documents"])

	ch := notes["subscribe:channel"+c2s][0].Properties["channel"]
	assert.Equal(t, 1, *ch.MinLength)
	assert.Equal(t, 100, *ch.MaxLength)
	assert.Equal(t, "uuid", notes["mark:read"+c2s][0].Properties["notificationId"].Format)
	n := notes["notification:new"+s2c][0]
	assert.ElementsMatch(t, []string{"id", "type", "title", "message", "createdAt", "read"}, n.Required)
	require.NotNil(t, n.AdditionalProperties)
	assert.False(t, *n.AdditionalProperties)
	assert.Equal(t, "uuid", n.Properties["id"].Format)
	assert.Equal(t, []string{"info", "success", "warning", "error"}, n.Properties["type"].Enum)
	assert.Equal(t, "date-time", n.Properties["createdAt"].Format)
	assert.Equal(t, "boolean", n.Properties["read"].Type)
	assert.Equal(t, n, notes["mark:read"+c2s][1], "mark:read acknowledges with the notification")

	assert.Equal(t, "uuid", docs["document:subscribe"+c2s][0].Properties["documentId"].Format)
	sum := docs["document:subscribe"+c2s][1]
	assert.ElementsMatch(t, []string{"id", "title", "updatedAt"}, sum.Required)
	assert.Equal(t, sum, docs["document:updated"+s2c][0])
	assert.Equal(t, "date-time", sum.Properties["updatedAt"].Format)
	assert.Equal(t, "uuid", docs["document:deleted"+s2c][0].Properties["id"].Format)
	assert.Equal(t, "uuid", docs["document:unsubscribe"+c2s][1].Properties["documentId"].Format)
}
