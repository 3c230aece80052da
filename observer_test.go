package rtkit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

const testTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// The trace context a client sends after an event's payload is taken off
// the arguments whether or not the server observes anything; an object
// holding more than trace context is an argument like any other.
func TestTraceArgumentWithoutObserver(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	env, err := rtkittest.CallRaw(ctx5(t), c, "subscribe", map[string]any{"channel": "open"},
		map[string]any{"traceparent": testTraceparent, "tracestate": "k=v"})
	require.Nil(t, err)
	assert.True(t, env.Success, "%+v", env.Error)

	for _, extra := range []any{
		map[string]any{"traceparent": testTraceparent, "user": "root"},
		map[string]any{"traceparent": 42},
		map[string]any{"tracestate": "k=v"},
		"00-trace",
	} {
		env, err = rtkittest.CallRaw(ctx5(t), c, "subscribe", map[string]any{"channel": "open"}, extra)
		require.Nil(t, err)
		require.NotNil(t, env.Error, "%v", extra)
		assert.Equal(t, rtkit.CodeValidation, env.Error.Code, "%v is an argument, not trace context", extra)
	}
}

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu     sync.Mutex
	events []rtkit.EventObservation
	ends   []string
}

func (r *recorder) Attach(*rtkit.Server) {}
func (r *recorder) HandshakeStart(ctx context.Context, _ *rtkit.Socket) context.Context {
	return ctx
}
func (r *recorder) HandshakeEnd(_ context.Context, s *rtkit.Socket, err *rtkit.Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	code := "OK"
	if err != nil {
		code = string(err.Code)
	}
	r.ends = append(r.ends, "handshake "+s.Namespace()+" "+code)
}
func (r *recorder) Disconnected(*rtkit.Socket, string) {}
func (r *recorder) EventStart(ctx context.Context, _ *rtkit.Socket, _ rtkit.EventObservation) context.Context {
	return context.WithValue(ctx, recorderKey{}, "started")
}
func (r *recorder) EventEnd(ctx context.Context, _ *rtkit.Socket, e rtkit.EventObservation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ctx.Value(recorderKey{}) != "started" {
		panic("EventEnd without EventStart's context")
	}
	r.events = append(r.events, e)
}
func (r *recorder) Emitted(context.Context, rtkit.EmitObservation) {}
func (r *recorder) AckAwaited(context.Context, *rtkit.Socket, string, time.Duration, error) {
}
func (r *recorder) Sent(string, int, int)                                           {}
func (r *recorder) Received(int)                                                    {}
func (r *recorder) Replayed(*rtkit.Socket, int)                                     {}
func (r *recorder) Resynced(*rtkit.Socket, rtkit.ResyncReason)                      {}
func (r *recorder) Published(context.Context, string, string, time.Duration, error) {}

type recorderKey struct{}

func (r *recorder) observed() []rtkit.EventObservation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rtkit.EventObservation(nil), r.events...)
}

// The observer sees each event once, in the handler's context, with the
// code the client got and the trace context it sent.
func TestObserverSeesEachEvent(t *testing.T) {
	rec := &recorder{}
	ts, _ := startTest(t, rtkit.WithObserver(rec))
	c := ts.Dial(t, "/test")
	_, err := rtkittest.CallRaw(ctx5(t), c, "subscribe", map[string]any{"channel": "open"},
		map[string]any{"traceparent": testTraceparent})
	require.Nil(t, err)
	_, e := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "secret"})
	require.Equal(t, rtkit.CodeForbidden, e.Code)
	_, e = rtkittest.Call(ctx5(t), c, evPanic, Empty{})
	require.Equal(t, rtkit.CodeInternal, e.Code)

	require.Eventually(t, func() bool { return len(rec.observed()) == 3 }, 5*time.Second, 5*time.Millisecond)
	got := rec.observed()
	assert.Equal(t, "subscribe", got[0].Event)
	assert.True(t, got[0].Declared)
	assert.Equal(t, testTraceparent, got[0].Traceparent)
	assert.Equal(t, rtkit.Code(""), got[0].Code)
	assert.True(t, got[0].Acked)
	assert.Equal(t, 1, got[0].QueueDepth)
	assert.Equal(t, rtkit.CodeForbidden, got[1].Code)
	assert.Empty(t, got[1].Traceparent)
	assert.Equal(t, rtkit.CodeInternal, got[2].Code)
	assert.True(t, got[2].Panicked)
	assert.False(t, got[1].Panicked)
	rec.mu.Lock()
	assert.Equal(t, []string{"handshake /test OK"}, rec.ends)
	rec.mu.Unlock()
}
