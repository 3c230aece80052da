package otelrtkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/otelrtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

var evStuck = rtkit.NewEvent[Text, Text]("stuck", rtkit.HandlerTimeout(100*time.Millisecond))

// A handler past its deadline is counted as TIMEOUT when the client gets
// TIMEOUT, while it still runs, and once only; its span ends then, with
// the status Error. The socket's next event is observed as usual.
func TestHandlerTimeoutIsObservedAtTheDeadline(t *testing.T) {
	tm := newTelemetry(t, sdktrace.AlwaysSample())
	release := make(chan struct{})
	returned := make(chan struct{})
	ns := testNamespace(nil, nil)
	rtkit.Handle(ns, evStuck, func(context.Context, *rtkit.Socket, Text) (Text, error) {
		defer close(returned)
		<-release // ignores its context
		return Text{Text: "late"}, nil
	})
	srv := rtkit.NewServer(rtkit.WithObserver(tm.obs), rtkit.WithLogger(discard()))
	srv.Mount(ns)
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/ot")
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
		<-returned
	})

	_, e := rtkittest.Call(ctx5(t), c, evStuck, Text{Text: "x"})
	require.NotNil(t, e)
	require.Equal(t, rtkit.CodeTimeout, e.Code)
	tm.eventually(t, 1, consumed, nsOT, event("stuck"), result(rtkit.CodeTimeout))
	span := tm.span(t, "process stuck", nil)
	assert.Equal(t, codes.Error, span.Status.Code)
	assert.Equal(t, "TIMEOUT", attr(span, otelrtkit.KeyResultCode))

	// The socket goes on; its next event is observed as usual.
	_, e = rtkittest.Call(ctx5(t), c, evEcho, Text{Text: "next"})
	require.Nil(t, e)
	tm.eventually(t, 1, consumed, nsOT, event("echo"), result(""))

	require.Equal(t, 1, srv.Health(context.Background()).Handlers.Overdue)
	close(release)
	// Once the server is done with the late handler, its result is
	// dropped, not counted.
	require.Eventually(t, func() bool { return srv.Health(context.Background()).Handlers.Overdue == 0 },
		5*time.Second, 5*time.Millisecond)
	assert.Equal(t, int64(1), tm.sum(t, consumed, nsOT, event("stuck")))
	assert.Len(t, spansNamed(tm, "process stuck"), 1)
}
