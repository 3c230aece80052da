package rtkit_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/hub"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// peerCall is what reached a peer of the cluster that is not rtkit.
type peerCall struct {
	op   string
	args []any
	sel  rtkit.Selection
}

// foreignPeer is the namespace of a cluster member that is not an rtkit
// server (a Node.js socket.io server, say): it keeps no delivery log and
// records what the adapter hands it.
type foreignPeer struct{ calls chan peerCall }

func (p *foreignPeer) Deliver(pk rtkit.Packet, sel rtkit.Selection) {
	p.calls <- peerCall{op: "deliver", args: pk.Args, sel: sel}
}
func (p *foreignPeer) Join(sel rtkit.Selection, _ []string) {
	p.calls <- peerCall{op: "join", sel: sel}
}
func (p *foreignPeer) Leave(sel rtkit.Selection, _ []string) {
	p.calls <- peerCall{op: "leave", sel: sel}
}
func (p *foreignPeer) Disconnect(sel rtkit.Selection, _ bool) {
	p.calls <- peerCall{op: "disconnect", sel: sel}
}
func (p *foreignPeer) Sockets(rtkit.Selection) []rtkit.RemoteSocket    { return nil }
func (p *foreignPeer) ServerEvent(context.Context, []any, func([]any)) {}
func (p *foreignPeer) BroadcastWithAck(_ context.Context, _ rtkit.Packet, _ rtkit.Selection, onCount func(int), _ func(rtkit.AckAnswer)) {
	onCount(0)
}

func (p *foreignPeer) next(t *testing.T) peerCall {
	t.Helper()
	select {
	case c := <-p.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("nothing reached the foreign peer")
		return peerCall{}
	}
}

// joinForeign opens /test on h for a foreign peer.
func joinForeign(t *testing.T, h *hub.Hub) (*foreignPeer, rtkit.NamespaceAdapter) {
	t.Helper()
	p := &foreignPeer{calls: make(chan peerCall, 64)}
	a := h.Adapter(false)
	ns, err := a.Open(context.Background(), "/test", p)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return p, ns
}

// TestClusterLoggedEmits: with recovery on and a shared delivery log, an
// emit reaches the clients of every rtkit server once, from the log (with
// its offset), and reaches a peer that reads no log through the adapter,
// marked Logged, without offset; a revocation (Rooms.Disconnect) reaches
// both the same way. What the foreign peer broadcasts reaches rtkit's
// clients as transient events, except what it marks Logged.
func TestClusterLoggedEmits(t *testing.T) {
	h, log := hub.New(), newSharedLog()
	nsA, nsB := newTestNamespace(), newTestNamespace()
	startWithNamespace(t, nsA, rtkit.WithAdapter(h.Adapter(false)), rtkit.WithDeliveryLog(log))
	tsB := startWithNamespace(t, nsB, rtkit.WithAdapter(h.Adapter(false)), rtkit.WithDeliveryLog(log))
	peer, peerNS := joinForeign(t, h)

	rc := sioraw.Dial(t, tsB.URL, nil)
	connect := rc.Connect("/test", nil)
	require.Contains(t, connect, `"pid":`, "recovery is on: %s", connect)
	ctx := ctx5(t)
	// Emits from both servers: each opens its log on first use.
	require.NoError(t, rtkit.Emit(nsB, evNote, Note{Seq: 1}))
	assert.Regexp(t, `^42/test,\["note",\{.*"seq":1.*\},"[^"]+"\]$`, rc.Read())
	require.NoError(t, rtkit.Emit(nsA, evNote, Note{Seq: 2}))
	assert.Regexp(t, `^42/test,\["note",\{.*"seq":2.*\},"[^"]+"\]$`, rc.Read(), "from the log, with its offset")
	for range 2 {
		c := peer.next(t)
		assert.Equal(t, "deliver", c.op)
		assert.True(t, c.sel.Logged, "marked for the servers that read the log")
		require.Len(t, c.args, 2, "no offset for a peer without the log: %v", c.args)
		assert.Equal(t, "note", c.args[0])
	}

	// The foreign peer's broadcasts: transient, and a trailing string is
	// not taken for an offset.
	// (The adapter hands a server its peers' messages in order: had the
	// adapter's copy of seq 2 been delivered, it would come first.)
	require.NoError(t, peerNS.Broadcast(ctx, rtkit.Packet{Args: []any{"note", "hi"}}, rtkit.Selection{}))
	assert.Equal(t, `42/test,["note","hi",null]`, rc.Read(), "one copy of seq 2, then the peer's")
	require.NoError(t, peerNS.Broadcast(ctx, rtkit.Packet{Args: []any{"note", "logged"}}, rtkit.Selection{Logged: true}))
	require.NoError(t, peerNS.Broadcast(ctx, rtkit.Packet{Args: []any{"note", map[string]any{"seq": 3}}}, rtkit.Selection{}))
	assert.Equal(t, `42/test,["note",{"seq":3}]`, rc.Read(), "what the peer marks Logged is left to the log")

	// A revocation goes through the log to rtkit servers, through the
	// adapter to the foreign peer.
	nsA.To().Disconnect()
	assert.Equal(t, "41/test,", rc.Read())
	for {
		c := peer.next(t)
		if c.op == "disconnect" {
			assert.True(t, c.sel.Logged)
			break
		}
	}
}

// TestClusterWithoutSharedLog: a foreign peer's Logged broadcast is
// delivered by an rtkit server that reads no shared log; and recovery,
// which a cluster adapter without a shared log cannot make lossless, is
// off with a log line saying so: an error when it was asked for, a
// warning when it was on by default.
func TestClusterWithoutSharedLog(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []rtkit.ServerOption
		level slog.Level
	}{
		{"default", nil, slog.LevelWarn},
		{"asked", []rtkit.ServerOption{rtkit.WithRecovery(time.Minute)}, slog.LevelError},
		{"memory log", []rtkit.ServerOption{rtkit.WithDeliveryLog(rtkit.NewMemoryLog(rtkit.MemoryLogOptions{}))}, slog.LevelError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := hub.New()
			var buf syncBuffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
			ns := newTestNamespace()
			opts := append([]rtkit.ServerOption{rtkit.WithAdapter(h.Adapter(false))}, tc.opts...)
			ts := startWithNamespace(t, ns, append(opts, rtkit.WithLogger(logger))...)
			out := buf.String()
			assert.Contains(t, out, "connection state recovery is OFF")
			assert.Contains(t, out, "level="+tc.level.String())

			rc := sioraw.Dial(t, ts.URL, nil)
			connect := rc.Connect("/test", nil)
			assert.NotContains(t, connect, `"pid"`, "no recovery session offered")
			_, peerNS := joinForeign(t, h)
			require.NoError(t, peerNS.Broadcast(ctx5(t), rtkit.Packet{Args: []any{"note", map[string]any{"seq": 1}}}, rtkit.Selection{Logged: true}))
			assert.Equal(t, `42/test,["note",{"seq":1}]`, rc.Read(), "no shared log here: the adapter's copy is delivered")
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
