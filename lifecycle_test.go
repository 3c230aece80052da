package rtkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

type token struct{}

func TestConnectFuncRefusesWithCode(t *testing.T) {
	ns := rtkit.NewNamespace("/private", rtkit.WithConnectFunc(func(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
		switch tok, _ := s.Handshake().Auth["token"].(string); tok {
		case "":
			return nil, rtkit.NewError(rtkit.CodeUnauthorized, "Authentication required")
		case "good":
			return context.WithValue(ctx, token{}, tok), nil
		case "broken":
			return nil, errors.New("session store: connection refused to 10.0.0.7")
		default:
			return nil, rtkit.NewError(rtkit.CodeUnauthorized, "Invalid session")
		}
	}))
	seen := make(chan any, 1)
	rtkit.Handle(ns, evSubscribe, func(ctx context.Context, _ *rtkit.Socket, in SubscribeIn) (SubscribeOut, error) {
		seen <- ctx.Value(token{})
		return SubscribeOut{Channel: in.Channel}, nil
	})
	ts := startWithNamespace(t, ns)

	_, err := ts.TryDial(t, "/private")
	var ce *rtkittest.ConnectError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "UNAUTHORIZED", ce.Code)
	assert.Equal(t, "Authentication required", ce.Message)

	_, err = ts.TryDial(t, "/private", rtkittest.WithAuth(map[string]any{"token": "forged"}))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Invalid session", ce.Message)

	_, err = ts.TryDial(t, "/private", rtkittest.WithAuth(map[string]any{"token": "broken"}))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "INTERNAL", ce.Code)
	assert.NotContains(t, ce.Message, "10.0.0.7")

	c := ts.Dial(t, "/private", rtkittest.WithAuth(map[string]any{"token": "good"}))
	_, cerr := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "x"})
	require.Nil(t, cerr)
	assert.Equal(t, "good", <-seen, "connection middleware's context reaches the handler")
}

func TestEventMiddlewareOrderAndShortCircuit(t *testing.T) {
	// The middleware runs on the server's goroutines; the client's reading
	// of an acknowledgement orders it before the test's reads, but the
	// race detector cannot see through the network: a lock shows it.
	var mu sync.Mutex
	var order []string
	record := func(name string) rtkit.Middleware {
		return func(next rtkit.HandlerFunc) rtkit.HandlerFunc {
			return func(ctx context.Context, s *rtkit.Socket, req *rtkit.Request) (json.RawMessage, error) {
				mu.Lock()
				order = append(order, name+":"+req.Event.Name)
				mu.Unlock()
				return next(ctx, s, req)
			}
		}
	}
	block := func(next rtkit.HandlerFunc) rtkit.HandlerFunc {
		return func(ctx context.Context, s *rtkit.Socket, req *rtkit.Request) (json.RawMessage, error) {
			if req.Event.Name == "doc:update" {
				return nil, &rtkit.Error{Code: rtkit.CodeRateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond}
			}
			return next(ctx, s, req)
		}
	}
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()),
		rtkit.WithNamespaceOptions(rtkit.WithMiddleware(record("server1"))),
		rtkit.WithMiddleware(record("server2")))
	srv.Mount(newTestNamespace(rtkit.WithMiddleware(record("ns"), block)))
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/test")

	_, err := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "a"})
	require.Nil(t, err)
	env, err := rtkittest.CallRaw(ctx5(t), c, "doc:update", validUpdate())
	require.Nil(t, err)
	require.NotNil(t, env.Error)
	assert.Equal(t, rtkit.CodeRateLimited, env.Error.Code)
	assert.Equal(t, int64(1500), env.Error.RetryAfterMs)
	_, err = rtkittest.CallRaw(ctx5(t), c, "unknown:thing")
	require.Nil(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{
		"server1:subscribe", "server2:subscribe", "ns:subscribe",
		"server1:doc:update", "server2:doc:update", "ns:doc:update",
		"server1:unknown:thing", "server2:unknown:thing", "ns:unknown:thing",
	}, order)
}

func TestHandlersOfOneSocketRunInOrder(t *testing.T) {
	var running, maxRunning atomic.Int32
	var mu sync.Mutex
	var seen []int
	ev := rtkit.NewEvent[Note, Note]("seq")
	ns := rtkit.NewNamespace("/order")
	rtkit.Handle(ns, ev, func(_ context.Context, _ *rtkit.Socket, in Note) (Note, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
		}
		mu.Lock()
		seen = append(seen, in.Seq)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		return in, nil
	})
	ts := startWithNamespace(t, ns)
	// Frames written back to back on one connection: their order on the
	// wire is the order they must be handled in.
	rc := sioraw.Dial(t, ts.URL, nil)
	require.True(t, strings.HasPrefix(rc.Connect("/order", nil), "40/order,"))
	want := make([]int, 20)
	for i := range want {
		want[i] = i
		rc.Send(fmt.Sprintf(`42/order,%d["seq",{"seq":%d,"text":""}]`, i+1, i))
	}
	for i := range want {
		assert.Contains(t, rc.Ack("/order", i+1), fmt.Sprintf(`"seq":%d`, i))
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, want, seen, "handled in arrival order")
	assert.Equal(t, int32(1), maxRunning.Load(), "one handler at a time per socket")
}

func TestHandlerContextCancelledOnDisconnect(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	ns := rtkit.NewNamespace("/ctx")
	rtkit.Handle(ns, evSlow, func(ctx context.Context, _ *rtkit.Socket, _ Empty) (Empty, error) {
		close(started)
		select {
		case <-ctx.Done():
			cancelled <- context.Cause(ctx)
		case <-time.After(5 * time.Second):
			cancelled <- nil
		}
		return Empty{}, nil
	})
	ts := startWithNamespace(t, ns)
	c := ts.Dial(t, "/ctx")
	require.NoError(t, c.Raw().Emit("slow", map[string]any{}))
	<-started
	c.Close()
	assert.ErrorIs(t, <-cancelled, rtkit.ErrDisconnected)
}

func TestShutdownWaitsForInFlightHandler(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	disconnected := make(chan string, 4)
	ns := rtkit.NewNamespace("/shutdown", rtkit.OnDisconnect(func(_ *rtkit.Socket, reason string) { disconnected <- reason }))
	rtkit.Handle(ns, evSlow, func(context.Context, *rtkit.Socket, Empty) (Empty, error) {
		close(started)
		<-release
		return Empty{}, nil
	})
	rtkit.Handle(ns, evSubscribe, func(_ context.Context, _ *rtkit.Socket, in SubscribeIn) (SubscribeOut, error) {
		return SubscribeOut{Channel: in.Channel}, nil
	})
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()))
	srv.Mount(ns)
	ts := rtkittest.Start(t, srv)
	// The in-flight call goes through a raw websocket, to check on the
	// wire that its acknowledgement is written before the connection
	// closes.
	raw := sioraw.Dial(t, ts.URL, nil)
	require.True(t, strings.HasPrefix(raw.Connect("/shutdown", nil), "40/shutdown,"))
	other := ts.Dial(t, "/shutdown")
	raw.Send(`42/shutdown,1["slow",{}]`)
	<-started

	shutdownDone := make(chan error, 1)
	go func() { shutdownDone <- srv.Shutdown(ctx5(t)) }()
	require.Eventually(t, func() bool { return srv.Health(context.Background()).Status == "shutting_down" },
		2*time.Second, 5*time.Millisecond)

	// New work is refused while the in-flight handler finishes.
	_, err := rtkittest.Call(ctx5(t), other, evSubscribe, SubscribeIn{Channel: "late"})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeUnavailable, err.Code)
	// No new connections either: the Engine.IO handshake is refused.
	resp, herr := http.Get(ts.URL + "/socket.io/?EIO=4&transport=polling")
	require.NoError(t, herr)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	select {
	case <-shutdownDone:
		t.Fatal("Shutdown returned before the in-flight handler finished")
	case <-time.After(100 * time.Millisecond):
	}

	close(release)
	assert.JSONEq(t, `[{"success":true,"data":{}}]`, raw.Ack("/shutdown", 1), "the in-flight handler's ack is delivered")
	assert.True(t, raw.Closed(5*time.Second), "then the connection is closed")
	require.NoError(t, <-shutdownDone)
	assert.Equal(t, "server shutting down", <-disconnected)
}

func TestShutdownDeadline(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	ns := rtkit.NewNamespace("/stuck")
	rtkit.Handle(ns, evSlow, func(context.Context, *rtkit.Socket, Empty) (Empty, error) {
		close(started)
		<-release
		return Empty{}, nil
	})
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()))
	srv.Mount(ns)
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/stuck")
	require.NoError(t, c.Raw().Emit("slow", map[string]any{}))
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, srv.Shutdown(ctx), context.DeadlineExceeded)
	close(release)
}

func TestHealth(t *testing.T) {
	ts, _ := startTest(t)
	ts.Dial(t, "/test")
	ts.Dial(t, "/test")
	var h rtkit.Health
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if h = ts.RT.Health(context.Background()); h.Sockets["/test"] == 2 {
			break
		}
	}
	require.Equal(t, 2, h.Sockets["/test"], "sockets: %v", h.Sockets)
	assert.Equal(t, "ok", h.Status)
	assert.Equal(t, rtkit.AdapterState{Name: "memory", Healthy: true}, h.Adapter)
}
