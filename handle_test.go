package rtkit_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startTest serves the test namespace, logging into the returned buffer,
// to check what the operator sees.
func startTest(t *testing.T, opts ...rtkit.ServerOption) (*rtkittest.Server, *proctest.Buffer) {
	t.Helper()
	logs := &proctest.Buffer{}
	srv := rtkit.NewServer(append([]rtkit.ServerOption{rtkit.WithLogger(slog.New(slog.NewTextHandler(logs, nil)))}, opts...)...)
	srv.Mount(newTestNamespace())
	return rtkittest.Start(t, srv), logs
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestValidCallGetsTypedAck(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	out, err := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "news"})
	require.Nil(t, err)
	assert.Equal(t, SubscribeOut{Channel: "news", Joined: true}, out)

	id := uuid.New()
	up, err := rtkittest.Call(ctx5(t), c, evUpdate, UpdateIn{DocID: id, Title: "t", Revision: 4, UpdatedAt: time.Now().UTC()})
	require.Nil(t, err)
	assert.Equal(t, UpdateOut{DocID: id, Revision: 5}, up)
}

func TestAckEnvelopeOnTheWire(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	env, err := rtkittest.CallRaw(ctx5(t), c, "subscribe", map[string]any{"channel": "a"})
	require.Nil(t, err)
	assert.True(t, env.Success)
	assert.JSONEq(t, `{"channel":"a","joined":true}`, string(env.Data))
	assert.Nil(t, env.Error)
}

// failure sends a raw event and returns the error of the failure envelope
// it must be answered with.
func failure(t *testing.T, c *rtkittest.Client, event string, args ...any) *rtkittest.WireError {
	t.Helper()
	env, err := rtkittest.CallRaw(ctx5(t), c, event, args...)
	require.Nil(t, err)
	require.False(t, env.Success, "expected a failure envelope")
	require.NotNil(t, env.Error)
	return env.Error
}
