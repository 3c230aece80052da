package client_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The contract of the test server's "/t" namespace.
type (
	echoIn struct {
		Text string `json:"text" jsonschema:"minLength=1,maxLength=20"`
	}
	echoOut struct {
		Text string `json:"text"`
		N    int    `json:"n"`
	}
	failIn struct {
		Code    string `json:"code"`
		Details bool   `json:"details,omitempty"`
	}
	tick struct {
		Seq int `json:"seq"`
	}
	askIn struct {
		Q int `json:"q"`
	}
	askOut struct {
		A int `json:"a"`
	}
)

var (
	evEcho  = rtkit.NewEvent[echoIn, echoOut]("echo")
	evFail  = rtkit.NewEvent[failIn, rtkit.NoAck]("fail")
	evTick  = rtkit.NewEvent[tick, rtkit.NoAck]("tick")
	evAsk   = rtkit.NewEvent[askIn, askOut]("ask")
	evStart = rtkit.NewEvent[askIn, askOut]("start") // the server asks back
	// The server's "broken" answers a tick where the client's evBroken
	// expects an echoOut, and its "spoof" carries a number where the
	// client's evSpoof expects a string: a server of another version.
	evBrokenServer = rtkit.NewEvent[echoIn, tick]("broken")
	evBroken       = rtkit.NewEvent[echoIn, echoOut]("broken")
	evSpoofServer  = rtkit.NewEvent[tick, rtkit.NoAck]("spoof")
	evSpoof        = rtkit.NewEvent[spoofed, rtkit.NoAck]("spoof")
)

type spoofed struct {
	Seq string `json:"seq"`
}

// testServer is an rtkit server with namespace "/t" whose connections
// need a token in tokens.
type testServer struct {
	*rtkittest.Server
	ns *rtkit.Namespace

	mu     sync.Mutex
	tokens map[string]bool
	seen   []string // tokens presented, in order
}

// startServer serves "/t" on 127.0.0.1; the delivery log keeps maxLog
// entries (0: the default).
func startServer(t *testing.T, maxLog int) *testServer {
	t.Helper()
	ts := &testServer{tokens: map[string]bool{"good": true}}
	ns := rtkit.NewNamespace("/t", rtkit.WithConnectFunc(func(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
		tok, _ := s.Handshake().Auth["token"].(string)
		ts.mu.Lock()
		defer ts.mu.Unlock()
		ts.seen = append(ts.seen, tok)
		if !ts.tokens[tok] {
			return ctx, rtkit.NewError(rtkit.CodeUnauthorized, "bad token")
		}
		return ctx, nil
	}), rtkit.WithRoom("all", rtkit.Anyone), rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"all"} }))
	var n int
	var nmu sync.Mutex
	rtkit.Handle(ns, evEcho, func(_ context.Context, _ *rtkit.Socket, in echoIn) (echoOut, error) {
		nmu.Lock()
		defer nmu.Unlock()
		n++
		return echoOut{Text: in.Text, N: n}, nil
	})
	rtkit.Handle(ns, evFail, func(_ context.Context, _ *rtkit.Socket, in failIn) (rtkit.NoAck, error) {
		e := rtkit.NewError(rtkit.Code(in.Code), "failed with "+in.Code)
		if in.Details {
			e.Details = []rtkit.ErrorDetail{{Path: "/x", Message: "bad x"}}
		}
		if e.Code == rtkit.CodeRateLimited {
			e.RetryAfter = 1500 * time.Millisecond
		}
		return rtkit.NoAck{}, e
	})
	rtkit.Handle(ns, evBrokenServer, func(context.Context, *rtkit.Socket, echoIn) (tick, error) {
		return tick{Seq: 1}, nil
	})
	rtkit.Handle(ns, evStart, func(ctx context.Context, s *rtkit.Socket, in askIn) (askOut, error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return rtkit.EmitWithAck(ctx, s, evAsk, in)
	})
	rtkit.Emits(ns, evTick)
	rtkit.Emits(ns, evAsk)
	rtkit.Emits(ns, evSpoofServer)
	rtkit.Emits(ns, rtkit.ResyncEvent)
	opts := []rtkit.ServerOption{}
	if maxLog > 0 {
		opts = append(opts, rtkit.WithDeliveryLog(rtkit.NewMemoryLog(rtkit.MemoryLogOptions{MaxEntries: maxLog})))
	}
	srv := rtkit.NewServer(opts...)
	srv.Mount(ns)
	ts.Server = rtkittest.Start(t, srv)
	ts.ns = ns
	return ts
}

func (ts *testServer) url() string { return ts.URL + "/t" }

// allow sets which tokens are accepted from now on.
func (ts *testServer) allow(tokens ...string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.tokens = map[string]bool{}
	for _, t := range tokens {
		ts.tokens[t] = true
	}
}

func (ts *testServer) presented() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.seen...)
}

// emitTicks sends ticks from..to-1 to every socket of "/t".
func (ts *testServer) emitTicks(t *testing.T, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		require.NoError(t, rtkit.Emit(ts.ns, evTick, tick{Seq: i}))
	}
}

// dial connects with the token "good", fast reconnection, and closes the
// client when the test ends.
func dial(t *testing.T, ts *testServer, o client.Options) *client.Client {
	t.Helper()
	if o.Credentials.Token == "" && o.Credentials.Header == nil {
		o.Credentials.Token = "good"
	}
	if o.Reconnect.Initial == 0 {
		o.Reconnect = client.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	}
	c, err := client.Dial(ctx(t), ts.url(), o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ctx is a generous deadline for one step of a test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return c
}
