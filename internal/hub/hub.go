// Package hub is an rtkit.Adapter that joins the servers of one process:
// every message goes from one server's namespace adapter to the others'
// through in-memory queues, one per namespace and server, in order, as a
// network adapter's would. It serves the tests of rtkit's cluster side
// without Redis, and the self-test of package adaptertest.
package hub

import (
	"context"
	"slices"
	"sync"

	"github.com/rtkit-go/rtkit"
)

// Hub is a cluster of servers of one process. The zero value is not
// usable: call New.
type Hub struct {
	mu      sync.Mutex
	members []*namespace
}

// New returns an empty hub.
func New() *Hub { return &Hub{} }

// Adapter returns the adapter of one more server. A deaf one receives
// every message and carries out broadcasts and room operations, but
// never answers a request (a server that does not answer in time).
func (h *Hub) Adapter(deaf bool) rtkit.Adapter { return &adapter{h: h, deaf: deaf} }

type adapter struct {
	h    *Hub
	deaf bool

	mu     sync.Mutex
	opened []*namespace
	closed bool
}

func (a *adapter) Open(_ context.Context, name string, local rtkit.LocalNamespace) (rtkit.NamespaceAdapter, error) {
	n := &namespace{a: a, name: name, local: local, queue: make(chan func(), 1024), done: make(chan struct{})}
	go n.run()
	a.mu.Lock()
	a.opened = append(a.opened, n)
	a.mu.Unlock()
	a.h.mu.Lock()
	a.h.members = append(a.h.members, n)
	a.h.mu.Unlock()
	return n, nil
}

func (a *adapter) State(context.Context) rtkit.AdapterState {
	return rtkit.AdapterState{Name: "hub", Healthy: true}
}

func (a *adapter) Close(context.Context) error {
	a.mu.Lock()
	opened := a.opened
	a.opened, a.closed = nil, true
	a.mu.Unlock()
	for _, n := range opened {
		_ = n.Close()
	}
	return nil
}

// namespace is one server's namespace in the hub. Messages of other
// servers are queued and carried out one at a time, in order.
type namespace struct {
	a     *adapter
	name  string
	local rtkit.LocalNamespace
	queue chan func()

	closeOnce sync.Once
	done      chan struct{}
}

func (n *namespace) run() {
	for {
		select {
		case fn := <-n.queue:
			fn()
		case <-n.done:
			return
		}
	}
}

// peers returns the other servers' namespaces of the same name.
func (n *namespace) peers() []*namespace {
	n.a.h.mu.Lock()
	defer n.a.h.mu.Unlock()
	var out []*namespace
	for _, m := range n.a.h.members {
		if m != n && m.name == n.name {
			out = append(out, m)
		}
	}
	return out
}

// post queues fn on every peer; it returns the peers reached.
func (n *namespace) post(ctx context.Context, fn func(m *namespace)) (int, error) {
	peers := n.peers()
	for _, m := range peers {
		select {
		case m.queue <- func() { fn(m) }:
		case <-m.done:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return len(peers), nil
}

func (n *namespace) Broadcast(ctx context.Context, p rtkit.Packet, sel rtkit.Selection) error {
	p, sel = clonePacket(p), cloneSel(sel)
	_, err := n.post(ctx, func(m *namespace) { m.local.Deliver(p, sel) })
	return err
}

func (n *namespace) SocketsJoin(ctx context.Context, sel rtkit.Selection, rooms []string) error {
	sel, rooms = cloneSel(sel), slices.Clone(rooms)
	_, err := n.post(ctx, func(m *namespace) { m.local.Join(sel, rooms) })
	return err
}

func (n *namespace) SocketsLeave(ctx context.Context, sel rtkit.Selection, rooms []string) error {
	sel, rooms = cloneSel(sel), slices.Clone(rooms)
	_, err := n.post(ctx, func(m *namespace) { m.local.Leave(sel, rooms) })
	return err
}

func (n *namespace) DisconnectSockets(ctx context.Context, sel rtkit.Selection, closeConn bool) error {
	sel = cloneSel(sel)
	_, err := n.post(ctx, func(m *namespace) { m.local.Disconnect(sel, closeConn) })
	return err
}

// gather runs a request on every peer: ask posts it to one peer with the
// function its answers go to; each answer is passed to take in the
// caller's goroutine until done reports completion or ctx ends.
func gather[T any](ctx context.Context, n *namespace, ask func(m *namespace, answer func(T)), take func(T), done func(servers int) bool) (int, error) {
	answers := make(chan T, 64)
	quit := make(chan struct{})
	defer close(quit)
	servers, err := n.post(ctx, func(m *namespace) {
		if m.a.deaf {
			return
		}
		ask(m, func(v T) {
			select {
			case answers <- v:
			case <-quit:
			}
		})
	})
	if err != nil {
		return 0, err
	}
	for !done(servers) {
		select {
		case v := <-answers:
			take(v)
		case <-ctx.Done():
			return servers, nil
		}
	}
	return servers, nil
}

func (n *namespace) FetchSockets(ctx context.Context, sel rtkit.Selection, onAnswer func([]rtkit.RemoteSocket)) (int, error) {
	sel = cloneSel(sel)
	answered := 0
	return gather(ctx, n,
		func(m *namespace, answer func([]rtkit.RemoteSocket)) { answer(m.local.Sockets(sel)) },
		func(ss []rtkit.RemoteSocket) { answered++; onAnswer(ss) },
		func(servers int) bool { return answered >= servers })
}

func (n *namespace) ServerSideEmit(ctx context.Context, args []any, onAnswer func([]any)) (int, error) {
	args = slices.Clone(args)
	if onAnswer == nil {
		return n.post(ctx, func(m *namespace) { m.local.ServerEvent(detached(ctx), args, nil) })
	}
	answered := 0
	return gather(ctx, n,
		func(m *namespace, answer func([]any)) {
			var once sync.Once
			m.local.ServerEvent(detached(ctx), args, func(a []any) { once.Do(func() { answer(a) }) })
		},
		func(a []any) { answered++; onAnswer(a) },
		func(servers int) bool { return answered >= servers })
}

// ackMsg is a count (count set) or an answer of a broadcast with
// acknowledgement.
type ackMsg struct {
	count  int
	isCnt  bool
	answer rtkit.AckAnswer
}

func (n *namespace) BroadcastWithAck(ctx context.Context, p rtkit.Packet, sel rtkit.Selection, onCount func(int), onAnswer func(rtkit.AckAnswer)) (int, error) {
	p, sel = clonePacket(p), cloneSel(sel)
	counted, expected, got := 0, 0, 0
	return gather(ctx, n,
		func(m *namespace, answer func(ackMsg)) {
			m.local.BroadcastWithAck(detached(ctx), p, sel,
				func(c int) { answer(ackMsg{count: c, isCnt: true}) },
				func(a rtkit.AckAnswer) { answer(ackMsg{answer: a}) })
		},
		func(v ackMsg) {
			if v.isCnt {
				counted++
				expected += v.count
				onCount(v.count)
				return
			}
			got++
			onAnswer(v.answer)
		},
		func(servers int) bool { return counted >= servers && got >= expected })
}

func (n *namespace) ServerCount(context.Context) (int, error) { return len(n.peers()) + 1, nil }

func (n *namespace) Close() error {
	n.closeOnce.Do(func() {
		n.a.h.mu.Lock()
		n.a.h.members = slices.DeleteFunc(n.a.h.members, func(m *namespace) bool { return m == n })
		n.a.h.mu.Unlock()
		close(n.done)
	})
	return nil
}

// detached is ctx's deadline without its cancellation, as a request
// crossing a network carries it.
func detached(ctx context.Context) context.Context {
	if d, ok := ctx.Deadline(); ok {
		c, cancel := context.WithDeadline(context.Background(), d)
		context.AfterFunc(c, cancel)
		return c
	}
	return context.Background()
}

func clonePacket(p rtkit.Packet) rtkit.Packet { return rtkit.Packet{Args: slices.Clone(p.Args)} }

func cloneSel(s rtkit.Selection) rtkit.Selection {
	return rtkit.Selection{Rooms: slices.Clone(s.Rooms), Except: slices.Clone(s.Except), Logged: s.Logged}
}
