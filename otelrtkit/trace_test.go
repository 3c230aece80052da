package otelrtkit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/otelrtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// A browser's trace context, as it would send it.
const (
	clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	clientSpan  = "00f067aa0ba902b7"
	traceparent = "00-" + clientTrace + "-" + clientSpan + "-01"
	eventTrace  = "0af7651916cd43dd8448eb211c80319c"
	eventSpan   = "b7ad6b7169203331"
	eventParent = "00-" + eventTrace + "-" + eventSpan + "-01"
)

func startTraced(t *testing.T, opts ...otelrtkit.Option) (*telemetry, *rtkittest.Server) {
	tm := newTelemetry(t, sdktrace.AlwaysSample(), opts...)
	srv := rtkit.NewServer(rtkit.WithObserver(tm.obs), rtkit.WithLogger(discard()))
	srv.Mount(testNamespace(nil, nil))
	return tm, rtkittest.Start(t, srv)
}

func bySocket(id string) func(tracetest.SpanStub) bool {
	return func(s tracetest.SpanStub) bool { return attr(s, otelrtkit.KeySocketID) == id }
}

// The traceparent in the handshake auth continues into the handshake's
// span, and from there into the handlers of that socket; a traceparent
// sent with one event makes that event's span its child instead.
func TestTraceContinuesFromTheClient(t *testing.T) {
	tm, ts := startTraced(t)
	c := ts.Dial(t, "/ot", rtkittest.WithAuth(map[string]any{"traceparent": traceparent, "user": "alice"}))

	hs := tm.span(t, "connect /ot", bySocket(c.ID()))
	assert.Equal(t, clientTrace, hs.SpanContext.TraceID().String())
	assert.Equal(t, clientSpan, hs.Parent.SpanID().String(), "the browser's span is the handshake's parent")
	assert.True(t, hs.Parent.IsRemote())
	assert.Equal(t, trace.SpanKindServer, hs.SpanKind)
	assert.Equal(t, "alice", attr(hs, "user.id"))
	assert.Equal(t, "OK", attr(hs, otelrtkit.KeyResultCode))

	_, e := rtkittest.Call(ctx5(t), c, evEcho, Text{Text: "a"})
	require.Nil(t, e)
	ev := tm.span(t, "process echo", bySocket(c.ID()))
	assert.Equal(t, hs.SpanContext.SpanID(), ev.Parent.SpanID(), "without its own context, an event continues the handshake's trace")
	assert.Equal(t, clientTrace, ev.SpanContext.TraceID().String())
	assert.Equal(t, trace.SpanKindConsumer, ev.SpanKind)
	assert.Equal(t, "socket.io", attr(ev, "messaging.system"))
	assert.Equal(t, "/ot", attr(ev, "messaging.destination.name"))
	assert.Equal(t, "echo", attr(ev, otelrtkit.KeyEvent))
	assert.Equal(t, "alice", attr(ev, "user.id"))
	assert.Equal(t, "OK", attr(ev, otelrtkit.KeyResultCode))

	// The emit the handler made with its context is a child of its span.
	send := tm.span(t, "send note", nil)
	assert.Equal(t, ev.SpanContext.SpanID(), send.Parent.SpanID())
	assert.Equal(t, trace.SpanKindProducer, send.SpanKind)
	assert.Equal(t, "socket", attr(send, otelrtkit.KeyEmitTarget))

	// Per event: the trailing {traceparent} argument.
	env, e := rtkittest.CallRaw(ctx5(t), c, "echo", map[string]any{"text": "b"}, map[string]any{"traceparent": eventParent})
	require.Nil(t, e)
	require.True(t, env.Success, "the trace argument is not part of the payload")
	per := tm.span(t, "process echo", func(s tracetest.SpanStub) bool { return s.SpanContext.TraceID().String() == eventTrace })
	assert.Equal(t, eventSpan, per.Parent.SpanID().String())
	require.Len(t, per.Links, 1)
	assert.Equal(t, hs.SpanContext.SpanID(), per.Links[0].SpanContext.SpanID(), "linked to its connection")
}

// Without a client context each event starts its own trace, linked to
// the handshake: a long-lived socket is not one endless trace.
func TestTraceWithoutClientContext(t *testing.T) {
	tm, ts := startTraced(t)
	c := ts.Dial(t, "/ot")
	hs := tm.span(t, "connect /ot", bySocket(c.ID()))
	assert.False(t, hs.Parent.IsValid())
	assert.Empty(t, attr(hs, "user.id"), "no identity, no user")

	_, e := rtkittest.Call(ctx5(t), c, evBoom, Text{Text: "x"})
	require.Equal(t, rtkit.CodeInternal, e.Code)
	ev := tm.span(t, "process boom", nil)
	assert.False(t, ev.Parent.IsValid(), "a new trace")
	assert.NotEqual(t, hs.SpanContext.TraceID(), ev.SpanContext.TraceID())
	require.Len(t, ev.Links, 1)
	assert.Equal(t, hs.SpanContext.SpanID(), ev.Links[0].SpanContext.SpanID())
	assert.Equal(t, codes.Error, ev.Status.Code, "INTERNAL is the server's fault")
	assert.Equal(t, "INTERNAL", attr(ev, "error.type"))
	require.Len(t, ev.Events, 1)
	assert.Equal(t, "panic", ev.Events[0].Name)

	_, e = rtkittest.Call(ctx5(t), c, evEcho, Text{})
	require.Equal(t, rtkit.CodeValidation, e.Code)
	bad := tm.span(t, "process echo", nil)
	assert.Equal(t, "VALIDATION_ERROR", attr(bad, otelrtkit.KeyResultCode))
	assert.Equal(t, codes.Unset, bad.Status.Code, "a client's mistake is not the server's error")
	_, e = rtkittest.Call(ctx5(t), c, evAsk, Text{Text: "q"}) // nobody answers
	require.Equal(t, rtkit.CodeTimeout, e.Code)
	ask := tm.span(t, "process ask", nil)
	assert.Equal(t, codes.Error, ask.Status.Code)
	wait := tm.span(t, "send question", nil)
	assert.Equal(t, ask.SpanContext.SpanID(), wait.Parent.SpanID(), "the acknowledgement wait belongs to the handler")
	assert.Equal(t, "timeout", attr(wait, otelrtkit.KeyAckResult))
	assert.GreaterOrEqual(t, wait.EndTime.Sub(wait.StartTime).Milliseconds(), int64(300))

	// An unknown event's span name does not carry what the client chose.
	env, e := rtkittest.CallRaw(ctx5(t), c, "whatever:i-like", map[string]any{})
	require.Nil(t, e)
	require.Equal(t, rtkit.CodeUnknownEvent, env.Error.Code)
	unk := tm.span(t, "process "+otelrtkit.OtherEvent, nil)
	assert.Equal(t, "whatever:i-like", attr(unk, otelrtkit.KeyEvent))
}

func spansNamed(tm *telemetry, name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range tm.spans.GetSpans() {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Attacks on the trace context: a malformed traceparent is ignored (the
// event is handled, in a trace of the server's own); a trailing object
// with other keys is not trace context, and fails validation as any
// extra argument does; WithPublicEndpoint never lets a client choose the
// trace, it only links it.
func TestTraceContextFromAnUntrustedClient(t *testing.T) {
	tm, ts := startTraced(t)
	c := ts.Dial(t, "/ot", rtkittest.WithAuth(map[string]any{"traceparent": "00-zz-not-a-trace"}))
	hs := tm.span(t, "connect /ot", bySocket(c.ID()))
	assert.False(t, hs.Parent.IsValid(), "a malformed traceparent is no parent")

	env, e := rtkittest.CallRaw(ctx5(t), c, "echo", map[string]any{"text": "a"}, map[string]any{"traceparent": "garbage"})
	require.Nil(t, e)
	require.True(t, env.Success, "%+v", env.Error)
	env, e = rtkittest.CallRaw(ctx5(t), c, "echo", map[string]any{"text": "a"},
		map[string]any{"traceparent": eventParent, "admin": true})
	require.Nil(t, e)
	require.Equal(t, rtkit.CodeValidation, env.Error.Code, "an object with more than trace context is an argument")
	for _, s := range spansNamed(tm, "process echo") {
		assert.NotEqual(t, eventTrace, s.SpanContext.TraceID().String())
		assert.False(t, s.Parent.IsValid(), "after a malformed handshake context too, a trace of the server's own")
		require.Len(t, s.Links, 1)
		assert.Equal(t, hs.SpanContext.SpanID(), s.Links[0].SpanContext.SpanID(), "linked to its connection")
	}

	tmp, tsp := startTraced(t, otelrtkit.WithPublicEndpoint(), otelrtkit.WithoutUserID())
	p := tsp.Dial(t, "/ot", rtkittest.WithAuth(map[string]any{"traceparent": traceparent, "user": "bob"}))
	phs := tmp.span(t, "connect /ot", bySocket(p.ID()))
	assert.False(t, phs.Parent.IsValid(), "a public endpoint starts its own trace")
	require.Len(t, phs.Links, 1)
	assert.Equal(t, clientTrace, phs.Links[0].SpanContext.TraceID().String())
	assert.Empty(t, attr(phs, "user.id"))
	env, e = rtkittest.CallRaw(ctx5(t), p, "echo", map[string]any{"text": "b"}, map[string]any{"traceparent": eventParent})
	require.Nil(t, e)
	require.True(t, env.Success)
	pev := tmp.span(t, "process echo", nil)
	assert.False(t, pev.Parent.IsValid())
	assert.NotEqual(t, eventTrace, pev.SpanContext.TraceID().String())
	require.Len(t, pev.Links, 2, "the client's context and the handshake")
	assert.Equal(t, eventTrace, pev.Links[0].SpanContext.TraceID().String())
}
