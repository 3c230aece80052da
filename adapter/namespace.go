package adapter

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	rds "github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter/internal/wire"
)

// nsAdapter is one namespace's link to the other servers.
type nsAdapter struct {
	a     *RedisAdapter
	name  string
	local rtkit.LocalNamespace
	uid   string // this server's id in the namespace, as Node's adapters have one
	ctx   context.Context
	stop  context.CancelFunc
	reqs  requests

	// Sharded channels: the namespace's, and this server's responses.
	channel, responses string
	// Classic channels: requests, responses to every server and to this
	// one.
	requestCh, responsesAll, responsesOwn string

	// joined counts this server's subscriptions to the channel where the
	// others publish their requests (sharded: channel; classic:
	// requestCh), answered is closed once this server's responses reach
	// it.
	joined   atomic.Bool
	answered chan struct{}
	// pending counts the subscriptions not in place yet; subscribed is
	// closed when it reaches 0.
	pending    atomic.Int32
	subscribed chan struct{}

	out outbox // Options.Pipeline
}

var _ rtkit.NamespaceAdapter = (*nsAdapter)(nil)

// Open implements rtkit.Adapter: it joins namespace to the cluster. Its
// subscriptions are made in the background (go-redis retries them while
// Redis is unreachable); Open waits for them up to Options.Timeout, so that
// a server takes part in the cluster once Mount has returned, and not at
// all while Redis is known to be unreachable (then the namespace joins
// when Redis is back).
//
// Sharded, each namespace holds two Pub/Sub connections (its channel
// PREFIX#NSP# and this server's response channel PREFIX#NSP#UID#, which
// Redis Cluster may place on different nodes) plus one classic
// subscription for emitters (PREFIX#NSP#* and PREFIX-request#NSP#), which
// publish with PUBLISH. Classic, one connection holds them all. None of
// this grows with rooms.
func (a *RedisAdapter) Open(_ context.Context, namespace string, local rtkit.LocalNamespace) (rtkit.NamespaceAdapter, error) {
	if local == nil {
		return nil, fmt.Errorf("adapter: Open %s: nil LocalNamespace", namespace)
	}
	if a.closed.Load() {
		return nil, fmt.Errorf("adapter: Open %s: adapter closed", namespace)
	}
	n := &nsAdapter{a: a, name: namespace, local: local, uid: newID(), answered: make(chan struct{}),
		subscribed: make(chan struct{})}
	n.ctx, n.stop = context.WithCancel(a.ctx)
	p := a.opts.Prefix
	n.channel, n.responses = wire.Channel(p, namespace), wire.ResponseChannel(p, namespace, n.uid)
	n.requestCh = wire.RequestChannel(p, namespace)
	n.responsesAll, n.responsesOwn = wire.ClassicResponseChannel(p, namespace, ""), wire.ClassicResponseChannel(p, namespace, n.uid)

	pattern := globEscape(wire.Channel(p, namespace)) + "*"
	classic := func(ctx context.Context) *rds.PubSub {
		ps := a.client.PSubscribe(ctx, pattern)
		_ = ps.Subscribe(ctx, n.requestCh, n.responsesAll, n.responsesOwn) // retried by go-redis
		return ps
	}
	if a.opts.Classic {
		n.pending.Store(1)
		a.spawn(func() { n.receive(classic, 4, n.onClassic, n.ready) })
	} else {
		n.pending.Store(3)
		a.spawn(func() {
			n.receive(func(ctx context.Context) *rds.PubSub { return a.client.SSubscribe(ctx, n.channel) }, 1,
				n.onSharded, func() { n.joined.Store(true) })
		})
		a.spawn(func() {
			n.receive(func(ctx context.Context) *rds.PubSub { return a.client.SSubscribe(ctx, n.responses) }, 1,
				n.onSharded, func() { close(n.answered) })
		})
		a.spawn(func() { n.receive(classic, 4, n.onClassic, func() {}) })
	}
	if a.unavailable() == nil {
		t := time.NewTimer(a.opts.Timeout)
		defer t.Stop()
		select {
		case <-n.subscribed:
		case <-t.C:
			// Redis is slow or gone: later namespaces do not wait.
			a.report(fmt.Errorf("adapter: %s: not subscribed within %v", namespace, a.opts.Timeout))
		}
	}
	return n, nil
}

// ready marks the classic subscriptions in place.
func (n *nsAdapter) ready() {
	n.joined.Store(true)
	close(n.answered)
}

// globEscape escapes the characters PSUBSCRIBE patterns give a meaning.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// receiveBuffer bounds the messages go-redis buffers for a receive loop.
const receiveBuffer = 4096

// receive runs one subscription until the namespace closes: subscribe
// makes it (go-redis restores it after an outage, waiting between
// attempts), handle gets each message in order, and onReady runs once
// when the subscriptions number want.
func (n *nsAdapter) receive(subscribe func(context.Context) *rds.PubSub, want int, handle func(*rds.Message), onReady func()) {
	ps := subscribe(n.ctx)
	defer func() { _ = ps.Close() }()
	ch := ps.ChannelWithSubscriptions(rds.WithChannelSize(receiveBuffer))
	for {
		select {
		case <-n.ctx.Done():
			return
		case msg := <-ch:
			switch m := msg.(type) {
			case *rds.Subscription:
				if onReady != nil && m.Count >= want {
					onReady()
					onReady = nil
					if n.pending.Add(-1) == 0 {
						close(n.subscribed)
					}
				}
			case *rds.Message:
				handle(m)
			}
		}
	}
}

// Close leaves the cluster: the namespace's subscriptions end and nothing
// reaches local afterwards.
func (n *nsAdapter) Close() error {
	n.stop()
	return nil
}

// publish publishes one message of this namespace: on the sharded
// channel, or on a classic one.
func (n *nsAdapter) publish(ctx context.Context, classic bool, channel string, b []byte, err error) (int64, error) {
	if err != nil {
		return 0, fmt.Errorf("adapter: encode: %w", err)
	}
	if n.a.opts.Pipeline {
		return n.postAndWait(ctx, classic, channel, b)
	}
	if n.ctx.Err() != nil {
		return 0, fmt.Errorf("%w: namespace closed", ErrUnavailable)
	}
	return n.a.publish(ctx, classic, channel, b)
}

// send publishes a message without answers: a cluster message sharded, a
// request classic.
func (n *nsAdapter) send(ctx context.Context, m *wire.Message, r *wire.Request) (int64, error) {
	if n.a.opts.Classic {
		b, err := wire.EncodeRequest(r)
		return n.publish(ctx, true, n.requestCh, b, err)
	}
	m.UID, m.Nsp = n.uid, n.name
	b, err := wire.EncodeMessage(m)
	return n.publish(ctx, false, n.channel, b, err)
}

// Broadcast implements rtkit.NamespaceAdapter.
func (n *nsAdapter) Broadcast(ctx context.Context, p rtkit.Packet, sel rtkit.Selection) error {
	ws, f := selection(sel)
	pkt := wire.Packet{Type: wire.PacketEvent, Nsp: n.name, Args: p.Args}
	if n.a.opts.Classic {
		b, err := wire.EncodeClassicBroadcast(n.uid, pkt, ws, f)
		if n.a.opts.Pipeline && err == nil {
			return n.post(true, wire.BroadcastChannel(n.a.opts.Prefix, n.name, ws), b, nil)
		}
		_, err = n.publish(ctx, true, wire.BroadcastChannel(n.a.opts.Prefix, n.name, ws), b, err)
		return err
	}
	m := &wire.Message{Type: wire.Broadcast, Packet: pkt, Sel: ws, Flags: f}
	if n.a.opts.Pipeline {
		m.UID, m.Nsp = n.uid, n.name
		b, err := wire.EncodeMessage(m)
		if err != nil {
			return fmt.Errorf("adapter: encode: %w", err)
		}
		return n.post(false, n.channel, b, nil)
	}
	_, err := n.send(ctx, m, nil)
	return err
}

// SocketsJoin implements rtkit.NamespaceAdapter.
func (n *nsAdapter) SocketsJoin(ctx context.Context, sel rtkit.Selection, rooms []string) error {
	ws, f := selection(sel)
	_, err := n.send(ctx, &wire.Message{Type: wire.SocketsJoin, Sel: ws, Flags: f, Rooms: rooms},
		&wire.Request{Type: wire.ReqRemoteJoin, UID: n.uid, Sel: ws, Flags: f, Rooms: rooms})
	return err
}

// SocketsLeave implements rtkit.NamespaceAdapter.
func (n *nsAdapter) SocketsLeave(ctx context.Context, sel rtkit.Selection, rooms []string) error {
	ws, f := selection(sel)
	_, err := n.send(ctx, &wire.Message{Type: wire.SocketsLeave, Sel: ws, Flags: f, Rooms: rooms},
		&wire.Request{Type: wire.ReqRemoteLeave, UID: n.uid, Sel: ws, Flags: f, Rooms: rooms})
	return err
}

// DisconnectSockets implements rtkit.NamespaceAdapter.
func (n *nsAdapter) DisconnectSockets(ctx context.Context, sel rtkit.Selection, closeConn bool) error {
	ws, f := selection(sel)
	_, err := n.send(ctx, &wire.Message{Type: wire.DisconnectSockets, Sel: ws, Flags: f, Close: closeConn},
		&wire.Request{Type: wire.ReqRemoteDisconnect, UID: n.uid, Sel: ws, Flags: f, Close: closeConn})
	return err
}

// ServerCount implements rtkit.NamespaceAdapter: the subscribers of the
// namespace's channel (sharded) or request channel (classic), as Node
// counts them, at least 1.
func (n *nsAdapter) ServerCount(ctx context.Context) (int, error) {
	total, err := command(n.a, ctx, func(ctx context.Context) (int64, error) {
		var total int64
		count := func(ctx context.Context, c rds.UniversalClient) error {
			var res map[string]int64
			var err error
			if n.a.opts.Classic {
				res, err = c.PubSubNumSub(ctx, n.requestCh).Result()
				total += res[n.requestCh]
			} else {
				res, err = c.PubSubShardNumSub(ctx, n.channel).Result()
				total += res[n.channel]
			}
			return err
		}
		if cc, ok := n.a.client.(*rds.ClusterClient); ok {
			// Each primary knows its own subscribers: add them up, as
			// Node's adapters do.
			err := forEachMaster(ctx, cc, count)
			return total, err
		}
		err := count(ctx, n.a.client)
		return total, err
	})
	if err != nil {
		return 1, err
	}
	return int(max(total, 1)), nil
}

func forEachMaster(ctx context.Context, cc *rds.ClusterClient, fn func(context.Context, rds.UniversalClient) error) error {
	var mu sync.Mutex // ForEachMaster calls its function concurrently
	var clients []*rds.Client
	err := cc.ForEachMaster(ctx, func(_ context.Context, c *rds.Client) error {
		mu.Lock()
		clients = append(clients, c)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range clients { // one at a time: fn adds to a shared total
		if err := fn(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// waitAnswerable waits (within ctx) until this server's responses reach
// it, so that no answer is missed; during an outage it fails at once.
func (n *nsAdapter) waitAnswerable(ctx context.Context) error {
	select {
	case <-n.answered:
		return nil
	default:
	}
	if err := n.a.unavailable(); err != nil {
		return err
	}
	select {
	case <-n.answered:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: not subscribed yet: %w", ErrUnavailable, ctx.Err())
	case <-n.ctx.Done():
		return fmt.Errorf("%w: namespace closed", ErrUnavailable)
	}
}

// others turns the receivers of a request into the number of other
// servers: this server's own subscription counts when it is in place.
func (n *nsAdapter) others(receivers int64) int {
	if n.joined.Load() {
		receivers--
	}
	return int(max(receivers, 0))
}

// request publishes a request that waits for answers and returns the
// number of other servers asked. Classic, over Redis Cluster, PUBLISH
// counts the receivers of one node only: the count comes from
// ServerCount first, as Node's classic adapter does.
func (n *nsAdapter) request(ctx context.Context, m *wire.Message, r *wire.Request) (int, error) {
	if err := n.waitAnswerable(ctx); err != nil {
		return 0, err
	}
	if _, ok := n.a.client.(*rds.ClusterClient); ok && n.a.opts.Classic {
		total, err := n.ServerCount(ctx)
		if err != nil {
			return 0, err
		}
		if _, err := n.send(ctx, m, r); err != nil {
			return 0, err
		}
		return total - 1, nil
	}
	receivers, err := n.send(ctx, m, r)
	if err != nil {
		return 0, err
	}
	return n.others(receivers), nil
}

// ackTimeout is the timeout flag of a broadcast with acknowledgements:
// what is left of ctx, or Node's default.
func ackTimeout(ctx context.Context) int64 {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d).Milliseconds(), 1)
	}
	return requestTimeout.Milliseconds()
}
