package docgen_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

// Version 1 and version 2 of a contract, as two releases of an application
// would declare them.

type sendV1 struct {
	Room string  `json:"room"`
	Text string  `json:"text"`
	Tag  string  `json:"tag,omitempty"`
	Meta *metaV1 `json:"meta,omitempty"`
}

type metaV1 struct {
	Lang string `json:"lang"`
}

type sentV1 struct {
	ID int64 `json:"id"`
}

type newV1 struct {
	ID   int64  `json:"id"`
	From string `json:"from"`
	Body struct {
		Text  string   `json:"text"`
		Links []string `json:"links,omitempty"`
	} `json:"body"`
}

type answerV1 struct {
	OK bool `json:"ok"`
}

type sendV2 struct {
	Room     int     `json:"room"` // retyped
	Tag      string  `json:"tag"`  // now required
	Meta     *metaV2 `json:"meta,omitempty"`
	Priority string  `json:"priority" jsonschema:"enum=low,enum=high"` // new and required
	Extra    *struct {
		Note string `json:"note"` // required, inside a new optional object
	} `json:"extra,omitempty"`
	// Text removed.
}

type metaV2 struct {
	Lang   string `json:"lang"`
	Region string `json:"region"` // new and required, in an object that existed
}

type sentV2 struct {
	ID     string `json:"id"`     // retyped
	Server string `json:"server"` // new: clients read it, not breaking
}

type newV2 struct {
	ID     int64 `json:"id"`
	Edited bool  `json:"edited"` // new and required: clients read it, not breaking
	Body   struct {
		Text  string `json:"text"`
		Links []int  `json:"links,omitempty"` // element type changed
	} `json:"body"`
	// From removed.
}

type answerV2 struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason"` // clients write acknowledgements of emitted events
}

type fetchIn struct {
	ID string `json:"id"`
}

func specPair() (v1, v2 rtkit.Spec) {
	send1 := rtkit.NewEvent[sendV1, sentV1]("message:send")
	new1 := rtkit.NewEvent[newV1, rtkit.NoAck]("message:new")
	typing := rtkit.NewEvent[metaV1, rtkit.NoAck]("typing")
	ask1 := rtkit.NewEvent[fetchIn, answerV1]("ask")
	fetch1 := rtkit.NewEvent[fetchIn, sentV1]("fetch")
	kick := rtkit.NewEvent[fetchIn, rtkit.NoAck]("kick")
	leave1 := rtkit.NewEvent[metaV1, rtkit.NoAck]("leave")

	chat1 := rtkit.NewNamespace("/chat")
	handle(chat1, send1)
	handle(chat1, typing)
	handle(chat1, fetch1)
	handle(chat1, leave1)
	rtkit.Emits(chat1, new1)
	rtkit.Emits(chat1, ask1)
	admin := rtkit.NewNamespace("/admin")
	handle(admin, kick)

	send2 := rtkit.NewEvent[sendV2, sentV2]("message:send")
	new2 := rtkit.NewEvent[newV2, rtkit.NoAck]("message:new")
	ask2 := rtkit.NewEvent[fetchIn, answerV2]("ask")
	fetch2 := rtkit.NewEvent[fetchIn, rtkit.NoAck]("fetch")
	mention := rtkit.NewEvent[fetchIn, rtkit.NoAck]("mention")
	leave2 := rtkit.NewEvent[metaV1, rtkit.NoAck]("room:leave")

	chat2 := rtkit.NewNamespace("/chat")
	handle(chat2, send2)
	handle(chat2, fetch2)
	handle(chat2, leave2) // renamed
	rtkit.Emits(chat2, new2)
	rtkit.Emits(chat2, ask2)
	rtkit.Emits(chat2, mention) // added: not breaking
	rtkit.Emits(chat2, typing)  // now server → client only

	return specOf(chat1, admin), specOf(chat2)
}

func handle[In, Out any](ns *rtkit.Namespace, ev rtkit.Event[In, Out]) {
	rtkit.Handle(ns, ev, func(context.Context, *rtkit.Socket, In) (Out, error) {
		var out Out
		return out, nil
	})
}

func TestDiffReportsBreakingChanges(t *testing.T) {
	t.Parallel()
	v1, v2 := specPair()
	c2s, s2c := rtkit.ClientToServer, rtkit.ServerToClient
	want := []docgen.Change{
		{Kind: docgen.FieldRetyped, Namespace: "/chat", Event: "message:send", Direction: c2s, Part: "payload", Path: "room", Old: "string", New: "integer"},
		{Kind: docgen.FieldRemoved, Namespace: "/chat", Event: "message:send", Direction: c2s, Part: "payload", Path: "text"},
		{Kind: docgen.FieldRequired, Namespace: "/chat", Event: "message:send", Direction: c2s, Part: "payload", Path: "tag"},
		{Kind: docgen.FieldRequired, Namespace: "/chat", Event: "message:send", Direction: c2s, Part: "payload", Path: "meta.region"},
		{Kind: docgen.FieldRequired, Namespace: "/chat", Event: "message:send", Direction: c2s, Part: "payload", Path: "priority"},
		{Kind: docgen.FieldRetyped, Namespace: "/chat", Event: "message:send", Direction: c2s, Part: "ack", Path: "id", Old: "integer", New: "string"},
		{Kind: docgen.EventDirectionChanged, Namespace: "/chat", Event: "typing", Direction: c2s, Old: "client-to-server", New: "server-to-client"},
		{Kind: docgen.AckRemoved, Namespace: "/chat", Event: "fetch", Direction: c2s},
		{Kind: docgen.EventRenamed, Namespace: "/chat", Event: "leave", Direction: c2s, Old: "leave", New: "room:leave"},
		{Kind: docgen.FieldRemoved, Namespace: "/chat", Event: "message:new", Direction: s2c, Part: "payload", Path: "from"},
		{Kind: docgen.FieldRetyped, Namespace: "/chat", Event: "message:new", Direction: s2c, Part: "payload", Path: "body.links", Old: "array<string>", New: "array<integer>"},
		{Kind: docgen.FieldRequired, Namespace: "/chat", Event: "ask", Direction: s2c, Part: "ack", Path: "reason"},
		{Kind: docgen.NamespaceRemoved, Namespace: "/admin"},
	}
	for i := range want {
		want[i].Severity = docgen.Breaking
	}
	assert.Equal(t, want, docgen.Diff(v1, v2))

	// The same through JSON, as rtkit-docs reads specs.
	assert.Equal(t, want, docgen.Diff(roundTrip(t, v1), roundTrip(t, v2)))

	assert.Equal(t, `/chat message:send (client-to-server): payload field room changed type from string to integer`, want[0].String())
	assert.Equal(t, `/chat fetch (client-to-server): acknowledgement data removed`, want[7].String())
	assert.Equal(t, `/chat typing (client-to-server): direction changed from client-to-server to server-to-client`, want[6].String())
	assert.Equal(t, `/chat leave (client-to-server): event removed; room:leave, added with the same payload and acknowledgement, may be its new name`, want[8].String())
	assert.Equal(t, `/admin: namespace removed`, want[12].String())
}

func TestDiffAdditionsAreNotBreaking(t *testing.T) {
	t.Parallel()
	v1, v2 := specPair()
	assert.Empty(t, docgen.Diff(v1, v1))
	assert.Empty(t, docgen.Diff(echoSpec(), echoSpec()))

	// Going back from v2 to v1 breaks clients of v2 in other ways.
	back := docgen.Diff(v2, v1)
	require.NotEmpty(t, back)
	c2s, s2c := rtkit.ClientToServer, rtkit.ServerToClient
	assert.Contains(t, back, docgen.Change{Severity: docgen.Breaking, Kind: docgen.EventRemoved, Namespace: "/chat", Event: "mention", Direction: s2c})
	assert.Contains(t, back, docgen.Change{Severity: docgen.Breaking, Kind: docgen.FieldRequired, Namespace: "/chat", Event: "message:send",
		Direction: c2s, Part: "payload", Path: "text"})
	// v2's acknowledgement of ask had a required reason; v1's has none:
	// clients that send it are refused, since unknown fields are.
	assert.Contains(t, back, docgen.Change{Severity: docgen.Breaking, Kind: docgen.FieldRemoved, Namespace: "/chat", Event: "ask",
		Direction: s2c, Part: "ack", Path: "reason"})
	// A field v2 clients read disappears.
	assert.Contains(t, back, docgen.Change{Severity: docgen.Breaking, Kind: docgen.FieldRemoved, Namespace: "/chat", Event: "message:new",
		Direction: s2c, Part: "payload", Path: "edited"})
}

func TestDiffSelfReferringAndMissingSchemas(t *testing.T) {
	t.Parallel()
	old := specOf(documentsNamespace())
	assert.Empty(t, docgen.Diff(old, old))

	// Whole-payload retype, from a plain-data spec.
	changed := roundTrip(t, old)
	changed.Namespaces[0].Events[0].Payload = json.RawMessage(`{"type":"string"}`)
	assert.Equal(t, []docgen.Change{{Severity: docgen.Breaking, Kind: docgen.FieldRetyped, Namespace: "/documents", Event: "document:edit",
		Direction: rtkit.ClientToServer, Part: "payload", Old: "object", New: "string"}}, docgen.Diff(old, changed))
}

func roundTrip(t *testing.T, sp rtkit.Spec) rtkit.Spec {
	t.Helper()
	var out rtkit.Spec
	require.NoError(t, json.Unmarshal(mustJSON(t, sp), &out))
	return out
}
