package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/leakcheck"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// Every socket owns goroutines: none may be left behind after the tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// TestBenchContract checks the /bench contract the load harness relies on,
// against the server the command runs: echo is validated and acknowledged,
// fanout reaches every socket with the same seq and a ~200-byte payload.
func TestBenchContract(t *testing.T) {
	ts := rtkittest.Start(t, newBenchServer(slog.New(slog.NewTextHandler(io.Discard, nil))))
	a, b := ts.Dial(t, "/bench"), ts.Dial(t, "/bench")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	_, err := rtkittest.Call(ctx, a, evEcho, EchoIn{Channel: "c"})
	require.Nil(t, err)
	_, err = rtkittest.Call(ctx, a, evEcho, EchoIn{Channel: ""})
	require.NotNil(t, err, "an empty channel is refused")
	assert.Equal(t, rtkit.CodeValidation, err.Code)

	boxA, boxB := rtkittest.Listen(a, evNotification), rtkittest.Listen(b, evNotification)
	require.NoError(t, rtkittest.Send(a, evFanout, FanoutIn{Seq: 42}))
	for _, box := range []*rtkittest.Inbox[Notification]{boxA, boxB} {
		n, err := box.Next(ctx)
		require.NoError(t, err)
		assert.Equal(t, 42, n.Seq)
		assert.Equal(t, "notification", n.Type)
		assert.Len(t, n.Body, 120)
	}
}
