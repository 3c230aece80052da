package otelrtkit_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/otelrtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// tenantKey is a value connection middleware puts in the socket's context.
type tenantKey struct{}

// handlerSeen is what a handler found in its context.
type handlerSeen struct {
	Tenant  string `json:"tenant"`
	TraceID string `json:"traceId"`
	SpanID  string `json:"spanId"`
}

var evSeen = rtkit.NewEvent[Text, handlerSeen]("seen")

// seenNamespace answers "seen" with what its handler's context holds: the
// tenant its connection middleware added and the current span context.
func seenNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/seen", rtkit.WithConnectFunc(func(ctx context.Context, _ *rtkit.Socket) (context.Context, error) {
		return context.WithValue(ctx, tenantKey{}, "acme"), nil
	}))
	rtkit.Handle(ns, evSeen, func(ctx context.Context, _ *rtkit.Socket, _ Text) (handlerSeen, error) {
		tenant, _ := ctx.Value(tenantKey{}).(string)
		sc := trace.SpanContextFromContext(ctx)
		out := handlerSeen{Tenant: tenant}
		if sc.IsValid() {
			out.TraceID, out.SpanID = sc.TraceID().String(), sc.SpanID().String()
		}
		return out, nil
	})
	return ns
}

// An event without trace context starts a new trace from the socket's
// context without the handshake's span: the handler still sees what
// connection middleware put in the socket's context, and its own span is
// the current one.
func TestHandlerContextOfANewTrace(t *testing.T) {
	tm := newTelemetry(t, sdktrace.AlwaysSample())
	srv := rtkit.NewServer(rtkit.WithObserver(tm.obs), rtkit.WithLogger(discard()))
	srv.Mount(seenNamespace())
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/seen")

	got, e := rtkittest.Call(ctx5(t), c, evSeen, Text{Text: "a"})
	require.Nil(t, e)
	assert.Equal(t, "acme", got.Tenant, "the socket's context values reach the handler")
	ev := tm.span(t, "process seen", nil)
	assert.False(t, ev.Parent.IsValid(), "a new trace")
	assert.Equal(t, ev.SpanContext.TraceID().String(), got.TraceID)
	assert.Equal(t, ev.SpanContext.SpanID().String(), got.SpanID, "the event's span is the handler's")
	hs := tm.span(t, "connect /seen", nil)
	require.Len(t, ev.Links, 1)
	assert.Equal(t, hs.SpanContext.SpanID(), ev.Links[0].SpanContext.SpanID())
}

// With the API's no-op TracerProvider no span is started, metrics are
// counted as usual, and the trace context a client sends still reaches
// the handler (for the calls it makes), while an event without one
// leaves the handler's context without a span.
func TestNoopTracerProvider(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	obs, err := otelrtkit.New(otelrtkit.WithMeterProvider(mp), otelrtkit.WithTracerProvider(noop.NewTracerProvider()))
	require.NoError(t, err)
	tm := &telemetry{reader: reader, obs: obs}
	srv := rtkit.NewServer(rtkit.WithObserver(obs), rtkit.WithLogger(discard()))
	srv.Mount(seenNamespace())
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/seen")

	got, e := rtkittest.Call(ctx5(t), c, evSeen, Text{Text: "a"})
	require.Nil(t, e)
	assert.Equal(t, handlerSeen{Tenant: "acme"}, got)

	env, e := rtkittest.CallRaw(ctx5(t), c, "seen", map[string]any{"text": "b"}, map[string]any{"traceparent": eventParent})
	require.Nil(t, e)
	require.True(t, env.Success)
	var seen handlerSeen
	require.NoError(t, json.Unmarshal(env.Data, &seen))
	assert.Equal(t, handlerSeen{Tenant: "acme", TraceID: eventTrace, SpanID: eventSpan}, seen,
		"the client's trace context, carried on")

	traced := ts.Dial(t, "/seen", rtkittest.WithAuth(map[string]any{"traceparent": traceparent}))
	got, e = rtkittest.Call(ctx5(t), traced, evSeen, Text{Text: "c"})
	require.Nil(t, e)
	assert.Equal(t, clientTrace, got.TraceID, "the handshake's trace context, carried on")

	ns := otelrtkit.KeyNamespace.String("/seen")
	tm.eventually(t, 3, consumed, ns, event("seen"), result(""))
	tm.eventually(t, 2, "rtkit.connections", ns, result(""))
}
