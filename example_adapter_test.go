package rtkit_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/rtkit-go/rtkit"
)

// countingAdapter wraps an adapter and counts the broadcasts it carries to
// the other servers: the shape of any adapter decorator (metrics, tracing).
type countingAdapter struct {
	rtkit.Adapter
	broadcasts atomic.Int64
}

func (c *countingAdapter) Open(ctx context.Context, ns string, local rtkit.LocalNamespace) (rtkit.NamespaceAdapter, error) {
	inner, err := c.Adapter.Open(ctx, ns, local)
	if err != nil {
		return nil, err
	}
	return &countingNamespace{NamespaceAdapter: inner, n: &c.broadcasts}, nil
}

type countingNamespace struct {
	rtkit.NamespaceAdapter
	n *atomic.Int64
}

func (c *countingNamespace) Broadcast(ctx context.Context, p rtkit.Packet, sel rtkit.Selection) error {
	c.n.Add(1)
	return c.NamespaceAdapter.Broadcast(ctx, p, sel)
}

// An adapter sees what leaves this server for the others: rtkit has
// already delivered to its own sockets.
func ExampleAdapter() {
	a := &countingAdapter{Adapter: rtkit.NewMemoryAdapter()}
	srv := rtkit.NewServer(rtkit.WithAdapter(a), rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	ns := rtkit.NewNamespace("/news")
	news := rtkit.NewEvent[string, rtkit.NoAck]("news")
	rtkit.Emits(ns, news)
	srv.Mount(ns)
	defer srv.Shutdown(context.Background())

	_ = rtkit.Emit(ns.To("sports"), news, "kick-off")
	_ = rtkit.Emit(ns, news, "hello")
	fmt.Println("broadcasts to other servers:", a.broadcasts.Load())
	// Output: broadcasts to other servers: 2
}

// The in-memory adapter is the default: one server, alone.
func ExampleNewMemoryAdapter() {
	srv := rtkit.NewServer(rtkit.WithAdapter(rtkit.NewMemoryAdapter()))
	defer srv.Shutdown(context.Background())
	fmt.Println(srv.Health(context.Background()).Adapter.Name)
	// Output: memory
}
