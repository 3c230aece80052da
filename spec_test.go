package rtkit_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/rtkittest"
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

// recoveryNamespace declares a logged event, a transient one and one with
// an acknowledgement.
func recoveryNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/rec")
	rtkit.Emits(ns, rtkit.NewEvent[Note, rtkit.NoAck]("note:new"))
	rtkit.Emits(ns, rtkit.NewEvent[Note, rtkit.NoAck]("note:typing", rtkit.NotReplayable()))
	rtkit.Emits(ns, rtkit.NewEvent[Note, SubscribeOut]("note:ask"))
	return ns
}

func TestSpecDeclaresRecoveryWhenOn(t *testing.T) {
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()), rtkit.WithRecovery(90*time.Second))
	srv.Mount(recoveryNamespace())
	sp := srv.Spec()
	require.NotNil(t, sp.Recovery)
	assert.Equal(t, int64(90_000), sp.Recovery.WindowMs)

	byName := map[string]rtkit.EventSpec{}
	for _, e := range sp.Namespaces[0].Events {
		byName[e.Name] = e
	}
	assert.True(t, byName["note:new"].Offset, "a logged event carries its offset")
	assert.False(t, byName["note:typing"].Offset, "a transient one does not")
	assert.False(t, byName["note:ask"].Offset, "one with an acknowledgement is not logged")

	resync, ok := byName["rtkit:resync"]
	require.True(t, ok, "rtkit:resync is declared by itself")
	assert.Equal(t, rtkit.ServerToClient, resync.Direction)
	assert.True(t, resync.Offset, "it carries the offset the client resumes from")
	assert.JSONEq(t, `["window_exceeded","unknown_session"]`, enumOf(t, resync.Payload, "reason"))

	offset, ok := byName["rtkit:offset"]
	require.True(t, ok, "rtkit:offset is declared by itself")
	assert.Equal(t, rtkit.ServerToClient, offset.Direction)
	assert.False(t, offset.Offset)
	assert.JSONEq(t, `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"string"}`, string(offset.Payload))
}

func TestSpecDeclaresResyncOnce(t *testing.T) {
	ns := recoveryNamespace()
	rtkit.Emits(ns, rtkit.ResyncEvent)
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()))
	srv.Mount(ns)
	n := 0
	for _, e := range srv.Spec().Namespaces[0].Events {
		if e.Name == "rtkit:resync" {
			n++
			assert.True(t, e.Offset)
		}
	}
	assert.Equal(t, 1, n)
}

func TestSpecWithoutRecovery(t *testing.T) {
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()), rtkit.WithRecovery(0))
	srv.Mount(recoveryNamespace())
	sp := srv.Spec()
	assert.Nil(t, sp.Recovery)
	for _, e := range sp.Namespaces[0].Events {
		assert.False(t, e.Offset, e.Name)
		assert.NotContains(t, []string{"rtkit:resync", "rtkit:offset"}, e.Name)
	}
}

func enumOf(t *testing.T, raw json.RawMessage, field string) string {
	t.Helper()
	var s struct {
		Properties map[string]struct {
			Enum json.RawMessage `json:"enum"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(raw, &s))
	return string(s.Properties[field].Enum)
}

// coded adds codes to the events and namespaces it is attached to.
type coded []rtkit.Code

func (c coded) SpecErrorCodes() []rtkit.Code { return c }

type codedKey struct{}

func TestSpecListsTheCodesOfMiddleware(t *testing.T) {
	ns := rtkit.NewNamespace("/codes", rtkit.WithAnnotation(coded{"QUOTA_EXCEEDED"}))
	ev := rtkit.NewEvent[SubscribeIn, SubscribeOut]("sub", rtkit.WithValue(codedKey{}, coded{rtkit.CodeForbidden}),
		rtkit.Errors(rtkit.CodeNotFound))
	rtkit.Handle(ns, ev, func(context.Context, *rtkit.Socket, SubscribeIn) (SubscribeOut, error) {
		return SubscribeOut{}, nil
	})
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()))
	srv.Mount(ns)
	errs := srv.Spec().Namespaces[0].Events[0].Errors
	for _, c := range []rtkit.Code{"QUOTA_EXCEEDED", rtkit.CodeForbidden, rtkit.CodeNotFound, rtkit.CodeValidation, rtkit.CodeInternal} {
		assert.Contains(t, errs, c)
	}
}

func TestUndeclaredCodeIsLoggedOnce(t *testing.T) {
	logs := &proctest.Buffer{}
	ns := rtkit.NewNamespace("/codes")
	ev := rtkit.NewEvent[SubscribeIn, SubscribeOut]("sub", rtkit.Errors(rtkit.CodeNotFound))
	rtkit.Handle(ns, ev, func(_ context.Context, _ *rtkit.Socket, in SubscribeIn) (SubscribeOut, error) {
		if in.Channel == "gone" {
			return SubscribeOut{}, rtkit.NewError(rtkit.CodeNotFound, "no such channel")
		}
		return SubscribeOut{}, rtkit.NewError("CHANNEL_FULL", "the channel is full")
	})
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	srv.Mount(ns)
	c := rtkittest.Start(t, srv).Dial(t, "/codes")
	for _, ch := range []string{"a", "b", "gone"} {
		_, err := rtkittest.Call(ctx5(t), c, ev, SubscribeIn{Channel: ch})
		require.NotNil(t, err)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "does not declare"), logs.String())
	assert.Contains(t, logs.String(), "code=CHANNEL_FULL")
	assert.NotContains(t, logs.String(), "code=NOT_FOUND")
}
