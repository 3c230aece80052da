package otelrtkit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/otelrtkit"
	"github.com/rtkit-go/rtkit/ratelimit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

var nsOT = otelrtkit.KeyNamespace.String("/ot")

func result(c rtkit.Code) attribute.KeyValue {
	if c == "" {
		return otelrtkit.KeyResultCode.String(otelrtkit.ResultOK)
	}
	return otelrtkit.KeyResultCode.String(string(c))
}

func event(name string) attribute.KeyValue { return otelrtkit.KeyEvent.String(name) }

const consumed = "messaging.client.consumed.messages"

// Real traffic over 127.0.0.1 with the Go client: each outcome is counted
// once, under its namespace, event and result code.
func TestMetricsCountEveryOutcome(t *testing.T) {
	tm := newTelemetry(t, sdktrace.NeverSample())
	rl := rtkit.NewNamespace("/rl", ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(1)}))
	rtkit.Handle(rl, evEcho, func(_ context.Context, _ *rtkit.Socket, in Text) (Text, error) { return in, nil })
	srv := rtkit.NewServer(rtkit.WithObserver(tm.obs), rtkit.WithLogger(discard()))
	srv.Mount(testNamespace(nil, nil), rl)
	ts := rtkittest.Start(t, srv)

	c := ts.Dial(t, "/ot")
	answered := rtkittest.Answer(c, evQuestion, func(in Text) Text { return in })
	silent := ts.Dial(t, "/ot") // never answers questions
	_, err := ts.TryDial(t, "/ot", rtkittest.WithAuth(map[string]any{"deny": true}))
	require.Error(t, err)

	// ok
	out, e := rtkittest.Call(ctx5(t), c, evEcho, Text{Text: "hi"})
	require.Nil(t, e)
	assert.Equal(t, "hi", out.Text)
	// validation error
	_, e = rtkittest.Call(ctx5(t), c, evEcho, Text{})
	require.Equal(t, rtkit.CodeValidation, e.Code)
	// panic
	_, e = rtkittest.Call(ctx5(t), c, evBoom, Text{Text: "x"})
	require.Equal(t, rtkit.CodeInternal, e.Code)
	// an acknowledgement awaited and given, then one that times out
	_, e = rtkittest.Call(ctx5(t), c, evAsk, Text{Text: "q"})
	require.Nil(t, e)
	_, err = answered.Next(ctx5(t))
	require.NoError(t, err)
	_, e = rtkittest.Call(ctx5(t), silent, evAsk, Text{Text: "q"})
	require.Equal(t, rtkit.CodeTimeout, e.Code)
	// rate limited
	r := ts.Dial(t, "/rl")
	_, e = rtkittest.Call(ctx5(t), r, evEcho, Text{Text: "1"})
	require.Nil(t, e)
	_, e = rtkittest.Call(ctx5(t), r, evEcho, Text{Text: "2"})
	require.Equal(t, rtkit.CodeRateLimited, e.Code)
	// unknown events: a client names them, so they share one series
	for i := range 3 {
		env, e := rtkittest.CallRaw(ctx5(t), c, "attacker:"+strings.Repeat("x", i), map[string]any{})
		require.Nil(t, e)
		require.Equal(t, rtkit.CodeUnknownEvent, env.Error.Code)
	}

	tm.eventually(t, 2, consumed, nsOT, event("echo"))
	tm.eventually(t, 1, consumed, nsOT, event("echo"), result(""))
	tm.eventually(t, 1, consumed, nsOT, event("echo"), result(rtkit.CodeValidation),
		attribute.String("error.type", "VALIDATION_ERROR"))
	tm.eventually(t, 1, consumed, nsOT, event("boom"), result(rtkit.CodeInternal))
	tm.eventually(t, 1, consumed, nsOT, event("ask"), result(""))
	tm.eventually(t, 1, consumed, nsOT, event("ask"), result(rtkit.CodeTimeout))
	tm.eventually(t, 3, consumed, nsOT, event(otelrtkit.OtherEvent), result(rtkit.CodeUnknownEvent))
	tm.eventually(t, 1, consumed, otelrtkit.KeyNamespace.String("/rl"), result(rtkit.CodeRateLimited))
	tm.eventually(t, 1, "rtkit.ratelimit.refusals", otelrtkit.KeyNamespace.String("/rl"),
		otelrtkit.KeyRefusal.String("policy"))
	assert.Equal(t, int64(1), tm.sum(t, "rtkit.acks.awaited", nsOT, otelrtkit.KeyAckResult.String("ok")))
	assert.Equal(t, int64(1), tm.sum(t, "rtkit.acks.awaited", nsOT, otelrtkit.KeyAckResult.String("timeout")))
	assert.Equal(t, int64(2+1+2+3), tm.sum(t, "rtkit.acks.sent", nsOT), "every event of /ot was acknowledged")
	assert.Equal(t, int64(1), tm.sum(t, "messaging.client.sent.messages", nsOT, event("note"),
		otelrtkit.KeyEmitTarget.String("socket")), "one emit, from the handler that succeeded")

	n, sum := tm.histogram(t, "rtkit.event.duration", nsOT, event("ask"), result(rtkit.CodeTimeout))
	assert.Equal(t, uint64(1), n)
	assert.GreaterOrEqual(t, sum, 0.3, "the timed-out ask waited its 300 ms deadline")

	// Handshakes: three admitted on /ot, one refused by code, one on /rl.
	assert.Equal(t, int64(2), tm.sum(t, "rtkit.connections", nsOT, result("")))
	assert.Equal(t, int64(1), tm.sum(t, "rtkit.connections", nsOT, result(rtkit.CodeUnauthorized)))
	assert.Equal(t, int64(2), tm.sum(t, "rtkit.sockets.connected", nsOT))
	assert.Equal(t, int64(1), tm.sum(t, "rtkit.sockets.connected", otelrtkit.KeyNamespace.String("/rl")))
	assert.Equal(t, int64(1), tm.sum(t, "rtkit.adapter.healthy", otelrtkit.KeyAdapterName.String("memory")))

	// Bytes and deliveries: every answer and emit was queued for a client.
	assert.Positive(t, tm.sum(t, "rtkit.bytes.received"))
	assert.Positive(t, tm.sum(t, "rtkit.bytes.sent", nsOT))
	assert.GreaterOrEqual(t, tm.sum(t, "rtkit.messages.delivered", nsOT), int64(8+1+2),
		"acks, the note and the two questions")
	// Recovery is on by default: emits go through the delivery log.
	n, _ = tm.histogram(t, "rtkit.adapter.publish.duration", nsOT, otelrtkit.KeyAdapterOperation.String("log_append"))
	assert.Equal(t, uint64(1), n, "the note was appended to the log")

	silent.Close()
	// The Go client's Close sends DISCONNECT and closes its transport: the
	// server may see either first.
	tm.eventually(t, 1, "rtkit.disconnections", nsOT)
	require.Eventually(t, func() bool { return tm.sum(t, "rtkit.sockets.connected", nsOT) == 1 }, 5*time.Second, 5*time.Millisecond)
}

// A socket whose queue is full is refused on arrival: RATE_LIMITED,
// counted with the cause queue_full.
func TestMetricsQueueFull(t *testing.T) {
	tm := newTelemetry(t, sdktrace.NeverSample())
	release, started := make(chan struct{}), make(chan struct{}, 1)
	srv := rtkit.NewServer(rtkit.WithObserver(tm.obs), rtkit.WithMaxPending(1), rtkit.WithLogger(discard()))
	srv.Mount(testNamespace(release, started))
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/ot")

	held := make(chan *rtkit.Error, 1)
	go func() {
		_, e := rtkittest.Call(ctx5(t), c, evHold, Text{Text: "1"})
		held <- e
	}()
	<-started
	_, e := rtkittest.Call(ctx5(t), c, evEcho, Text{Text: "2"})
	require.NotNil(t, e)
	require.Equal(t, rtkit.CodeRateLimited, e.Code)
	close(release)
	require.Nil(t, <-held)

	tm.eventually(t, 1, "rtkit.ratelimit.refusals", nsOT, event("echo"), otelrtkit.KeyRefusal.String(rtkit.RefusedQueueFull))
	tm.eventually(t, 1, consumed, nsOT, event("hold"), result(""))
	n, sum := tm.histogram(t, "rtkit.socket.queue.depth", nsOT)
	assert.Equal(t, uint64(1), n, "the held event found an empty queue: not recorded")
	assert.Equal(t, float64(2), sum, "the refused one found the held one ahead of it")
}

// An application may drop the per-event histograms with a View (they are
// what metrics cost most per event): nothing is recorded for them, and
// the counters go on.
func TestDroppedHistograms(t *testing.T) {
	drop := func(name string) sdkmetric.View {
		return sdkmetric.NewView(sdkmetric.Instrument{Name: name}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})
	}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader),
		sdkmetric.WithView(drop("rtkit.event.duration"), drop("rtkit.socket.queue.depth")))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	obs, err := otelrtkit.New(otelrtkit.WithMeterProvider(mp), otelrtkit.WithTracerProvider(noop.NewTracerProvider()))
	require.NoError(t, err)
	tm := &telemetry{reader: reader, obs: obs}
	release, started := make(chan struct{}), make(chan struct{}, 1)
	srv := rtkit.NewServer(rtkit.WithObserver(obs), rtkit.WithLogger(discard()))
	srv.Mount(testNamespace(release, started))
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/ot")

	// An event held by its handler, and one queued behind it (depth 2).
	held := make(chan *rtkit.Error, 1)
	go func() {
		_, e := rtkittest.Call(ctx5(t), c, evHold, Text{Text: "h"})
		held <- e
	}()
	<-started
	before := tm.sum(t, "rtkit.bytes.received")
	queued := make(chan *rtkit.Error, 1)
	go func() {
		_, e := rtkittest.Call(ctx5(t), c, evEcho, Text{Text: "e"})
		queued <- e
	}()
	require.Eventually(t, func() bool { return tm.sum(t, "rtkit.bytes.received") > before }, 5*time.Second,
		5*time.Millisecond, "the second event arrives behind the first")
	close(release)
	require.Nil(t, <-held)
	require.Nil(t, <-queued)

	tm.eventually(t, 1, consumed, nsOT, event("hold"), result(""))
	tm.eventually(t, 1, consumed, nsOT, event("echo"), result(""))
	rm := tm.collect(t)
	for _, name := range []string{"rtkit.event.duration", "rtkit.socket.queue.depth"} {
		_, found := find(rm, name)
		assert.False(t, found, "%s is dropped", name)
	}
}
