package rtkit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// heldAdapter is the in-memory adapter whose Broadcast to the other
// servers blocks until release is closed (Redis slow or unreachable), or
// panics with panicWith.
type heldAdapter struct {
	rtkit.Adapter
	called    chan struct{}
	release   chan struct{}
	panicWith any
}

func (h *heldAdapter) Open(ctx context.Context, ns string, local rtkit.LocalNamespace) (rtkit.NamespaceAdapter, error) {
	inner, err := h.Adapter.Open(ctx, ns, local)
	if err != nil {
		return nil, err
	}
	return &heldNamespace{NamespaceAdapter: inner, h: h}, nil
}

type heldNamespace struct {
	rtkit.NamespaceAdapter
	h *heldAdapter
}

func (n *heldNamespace) Broadcast(ctx context.Context, p rtkit.Packet, sel rtkit.Selection) error {
	n.h.called <- struct{}{}
	if n.h.panicWith != nil {
		panic(n.h.panicWith)
	}
	<-n.h.release
	return n.NamespaceAdapter.Broadcast(ctx, p, sel)
}

// This server's sockets get a broadcast while its publication to the
// other servers is still held up, and the emit returns only once the
// publication is done.
func TestBroadcastDoesNotWaitForOtherServers(t *testing.T) {
	h := &heldAdapter{Adapter: rtkit.NewMemoryAdapter(), called: make(chan struct{}, 1), release: make(chan struct{})}
	ns := newTestNamespace()
	ts := startWithNamespace(t, ns, rtkit.WithAdapter(h))
	c := ts.Dial(t, "/test")
	box := rtkittest.Listen(c, evNote)

	emitted := make(chan error, 1)
	go func() { emitted <- rtkit.Emit(ns, evNote, Note{Seq: 1, Text: "now"}) }()
	<-h.called
	got, err := box.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, 1, got.Seq)
	select {
	case err := <-emitted:
		t.Fatalf("the emit returned (%v) before its publication was done", err)
	default:
	}
	close(h.release)
	require.NoError(t, <-emitted)
}

// A panic in the adapter's Broadcast reaches the emit that caused it, as
// when the publication ran on the emitting goroutine, and leaves the
// server serving.
func TestBroadcastAdapterPanicReachesTheEmit(t *testing.T) {
	h := &heldAdapter{Adapter: rtkit.NewMemoryAdapter(), called: make(chan struct{}, 1), panicWith: "adapter bug"}
	ns := newTestNamespace()
	ts := startWithNamespace(t, ns, rtkit.WithAdapter(h))
	c := ts.Dial(t, "/test")
	box := rtkittest.Listen(c, evNote)

	require.PanicsWithValue(t, "adapter bug", func() { _ = rtkit.Emit(ns, evNote, Note{Seq: 1}) })
	got, err := box.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, 1, got.Seq, "this server's sockets were served")
}
