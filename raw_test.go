package rtkit_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/rtkit-go/rtkit"
)

// bytesOf returns the bytes of a binary value as the Go client decodes it.
func bytesOf(v any) []byte {
	if b, ok := v.(types.BufferInterface); ok {
		return b.Bytes()
	}
	b, _ := v.([]byte)
	return b
}

// TestRawEvents: the untyped escape hatch carries several arguments and
// binary attachments both ways, and acknowledgements with any arguments.
func TestRawEvents(t *testing.T) {
	ns := rtkit.NewNamespace("/raw")
	got := make(chan []any, 1)
	rtkit.HandleRaw(ns, "many", func(_ context.Context, s *rtkit.Socket, args []any) ([]any, error) {
		got <- args
		return []any{"ok", len(args), []byte{9, 8}}, nil
	})
	rtkit.HandleRaw(ns, "fail", func(context.Context, *rtkit.Socket, []any) ([]any, error) {
		return nil, rtkit.NewError(rtkit.CodeForbidden, "no")
	})
	ts := startWithNamespace(t, ns)
	c := ts.Dial(t, "/raw")

	answer := make(chan []any, 1)
	require.NoError(t, c.Raw().Emit("many", 1, "two", []byte{3}, map[string]any{"four": true},
		socket.Ack(func(a []any, _ error) { answer <- a })))
	args := <-got
	require.Len(t, args, 4)
	assert.Equal(t, float64(1), args[0])
	assert.Equal(t, "two", args[1])
	assert.Equal(t, []byte{3}, args[2], "a binary attachment arrives as []byte")
	assert.Equal(t, map[string]any{"four": true}, args[3])
	a := <-answer
	require.Len(t, a, 3)
	assert.Equal(t, "ok", a[0])
	assert.Equal(t, float64(4), a[1])
	assert.Equal(t, []byte{9, 8}, bytesOf(a[2]))

	// An error is the failure envelope, as for typed events.
	env, err := callRawEnvelope(t, c.Raw(), "fail")
	require.Nil(t, err)
	assert.Contains(t, env, "FORBIDDEN")

	// Server → client: several arguments with binary, then an
	// acknowledgement with any arguments.
	var sock *rtkit.Socket
	for s := range ns.Sockets() {
		sock = s
	}
	require.NotNil(t, sock)
	pushed := make(chan []any, 1)
	_ = c.Raw().On("push", func(a ...any) { pushed <- a })
	_ = c.Raw().On("ask", func(a ...any) {
		a[len(a)-1].(socket.Ack)([]any{"answer", a[0]}, nil)
	})
	require.NoError(t, rtkit.EmitRaw(sock, "push", "x", []byte{1, 2}))
	p := <-pushed
	require.Len(t, p, 2)
	assert.Equal(t, "x", p[0])
	assert.Equal(t, []byte{1, 2}, bytesOf(p[1]))
	require.NoError(t, rtkit.EmitRaw(ns.To(), "push", "to all"))
	assert.Equal(t, []any{"to all"}, <-pushed)
	reply, aerr := rtkit.EmitRawWithAck(ctx5(t), sock, "ask", 42)
	require.NoError(t, aerr)
	assert.Equal(t, []any{"answer", float64(42)}, reply)

	assert.Error(t, rtkit.EmitRaw(sock, "connect"), "reserved names are refused")
	assert.Panics(t, func() { rtkit.HandleRaw(rtkit.NewNamespace("/p"), "disconnect", nil) })
}

// callRawEnvelope emits event with an acknowledgement and returns the
// acknowledgement's first argument as JSON text.
func callRawEnvelope(t *testing.T, c interface {
	Emit(string, ...any) error
}, event string) (string, error) {
	t.Helper()
	answer := make(chan []any, 1)
	if err := c.Emit(event, socket.Ack(func(a []any, _ error) { answer <- a })); err != nil {
		return "", err
	}
	select {
	case a := <-answer:
		require.NotEmpty(t, a)
		return toJSON(t, a[0]), nil
	case <-ctx5(t).Done():
		t.Fatal("no acknowledgement")
	}
	return "", nil
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
