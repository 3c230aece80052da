package ratelimit_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/ratelimit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

type ping struct {
	N int `json:"n"`
}

type pong struct {
	N int `json:"n"`
}

var (
	evPing      = rtkit.NewEvent[ping, pong]("ping")
	evSubscribe = rtkit.NewEvent[ping, pong]("expensive:subscribe", ratelimit.Cost(5))
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// userFromAuth stands in for an authenticated principal: the handshake's
// auth.user.
func userFromAuth(_ context.Context, s *rtkit.Socket) string {
	u, _ := s.Handshake().Auth["user"].(string)
	return u
}

func newNamespace(opts ...rtkit.NamespaceOption) *rtkit.Namespace {
	ns := rtkit.NewNamespace("/rl", opts...)
	echo := func(_ context.Context, _ *rtkit.Socket, in ping) (pong, error) { return pong(in), nil }
	rtkit.Handle(ns, evPing, echo)
	rtkit.Handle(ns, evSubscribe, echo)
	return ns
}

func start(t *testing.T, ns *rtkit.Namespace, opts ...rtkit.ServerOption) *rtkittest.Server {
	t.Helper()
	srv := rtkit.NewServer(append([]rtkit.ServerOption{rtkit.WithLogger(quiet())}, opts...)...)
	srv.Mount(ns)
	return rtkittest.Start(t, srv)
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// call sends ping and returns the error code ("" on success) and the
// retry delay.
func call(t *testing.T, c *rtkittest.Client, ev rtkit.Event[ping, pong], n int) (rtkit.Code, time.Duration) {
	t.Helper()
	env, err := rtkittest.CallRaw(ctx5(t), c, ev.Name(), ping{N: n})
	if err != nil {
		t.Fatalf("call %d: %v", n, err)
	}
	if env.Success {
		return "", 0
	}
	return env.Error.Code, time.Duration(env.Error.RetryAfterMs) * time.Millisecond
}

// storeServer serves two namespaces limited through store: "/rl", which
// refuses events while the store fails (the default), and "/open", which
// lets them through (FailOpen). It returns a client of each, after a
// first event on "/rl" passed.
func storeServer(t *testing.T, store ratelimit.Store) (closed, open *rtkittest.Client) {
	t.Helper()
	closedNS := newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(100), Store: store, Logger: quiet()}))
	openNS := rtkit.NewNamespace("/open", ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(100), Store: store, FailOpen: true, Logger: quiet()}))
	rtkit.Handle(openNS, evPing, func(_ context.Context, _ *rtkit.Socket, in ping) (pong, error) { return pong(in), nil })
	srv := rtkit.NewServer(rtkit.WithLogger(quiet()))
	srv.Mount(closedNS, openNS)
	ts := rtkittest.Start(t, srv)
	closed, open = ts.Dial(t, "/rl"), ts.Dial(t, "/open")
	code, _ := call(t, closed, evPing, 0)
	require.Equal(t, rtkit.Code(""), code)
	return closed, open
}
