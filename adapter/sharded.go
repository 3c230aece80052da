package adapter

import (
	"context"
	"fmt"
	"time"

	sioadapter "github.com/zishang520/socket.io/adapters/adapter/v3"
	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	redisadapter "github.com/zishang520/socket.io/adapters/redis/v3/adapter"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// builder makes the adapter of each namespace.
type builder struct{ a *Sharded }

// New wraps the upstream sharded adapter (static subscriptions) of one
// namespace. The wrapper becomes the upstream adapter's prototype, so the
// upstream code calls its DoPublish and DoPublishResponse: those bound
// every Redis command in time and fail fast during an outage.
// Subscriptions and decoding stay upstream's. (ServerCount is not reached
// through the prototype: the Socket.IO broadcast operator calls the
// wrapper's, but the upstream cluster adapter's FetchSockets and
// ServerSideEmit call their base method, which says 1. rtkit gathers
// answers over its own channels instead: link.go.)
func (b builder) New(nsp socket.Namespace) socket.Adapter {
	ctx, cancel := context.WithCancel(b.a.ctx)
	rc := sioredis.NewRedisClient(ctx, b.a.client)
	opts := redisadapter.DefaultShardedRedisAdapterOptions()
	opts.SetChannelPrefix(b.a.opts.Prefix)
	opts.SetSubscriptionMode(sioredis.StaticSubscriptionMode)

	inner := redisadapter.MakeShardedRedisAdapter()
	inner.SetRedis(rc)
	inner.SetOpts(opts)
	n := &nsAdapter{
		ShardedRedisAdapter: inner,
		parent:              b.a,
		ctx:                 ctx,
		cancel:              cancel,
		channel:             channelOf(b.a.opts.Prefix, nsp.Name()),
	}
	_ = rc.On("error", n.onError)
	n.Prototype(n)
	inner.Construct(nsp)
	return n
}

// channelOf is the sharded channel of a namespace in static mode, the
// upstream adapter's and emitter's naming.
func channelOf(prefix, nsp string) string { return prefix + "#" + nsp + "#" }

// nsAdapter is one namespace's adapter: the upstream sharded adapter with
// bounded publishes and a throttled error path.
type nsAdapter struct {
	redisadapter.ShardedRedisAdapter
	parent  *Sharded
	ctx     context.Context // cancelled when the namespace's adapter closes
	cancel  context.CancelFunc
	channel string
}

// onError receives the upstream adapter's errors. Its receive loops call
// it synchronously and retry at once, so a down Redis would make them spin
// (tens of thousands of errors a second): waiting here is the throttle.
func (n *nsAdapter) onError(args ...any) {
	if n.ctx.Err() != nil {
		return // closing: unsubscribe errors are expected
	}
	if len(args) > 0 {
		if err, ok := args[0].(error); ok {
			n.parent.report(err)
		}
	}
	t := time.NewTimer(backoff)
	defer t.Stop()
	select {
	case <-t.C:
	case <-n.ctx.Done():
	}
}

// DoPublish publishes a cluster message on the namespace's channel,
// within Options.Timeout (see encodeMessage for the encoding).
func (n *nsAdapter) DoPublish(m *sioadapter.ClusterMessage) (sioadapter.Offset, error) {
	return "", n.publish(n.channel, m)
}

// DoPublishResponse publishes a response on the requesting server's
// channel.
func (n *nsAdapter) DoPublishResponse(requester sioadapter.ServerId, m *sioadapter.ClusterResponse) error {
	return n.publish(n.channel+string(requester)+"#", m)
}

func (n *nsAdapter) publish(channel string, m *sioadapter.ClusterMessage) error {
	b, err := encodeMessage(m)
	if err != nil {
		return fmt.Errorf("adapter: encode cluster message: %w", err)
	}
	_, err = n.parent.spublish(channel, b)
	return err
}

// ServerCount returns the number of servers subscribed to the namespace's
// channel, 1 (this one) when Redis does not answer within Options.Timeout.
// Only code that uses the Socket.IO server directly reads it.
func (n *nsAdapter) ServerCount() int64 {
	ctx, cancel, err := n.parent.publishCtx()
	if err != nil {
		return 1
	}
	defer cancel()
	res, err := n.parent.client.PubSubShardNumSub(ctx, n.channel).Result()
	n.parent.report(err)
	if err != nil || res[n.channel] < 1 {
		return 1
	}
	return res[n.channel]
}

// Close cancels the namespace's Redis work first, so that unsubscribing
// cannot block on a down Redis, then closes the upstream adapter (which
// closes its Pub/Sub connections).
func (n *nsAdapter) Close() {
	n.cancel()
	n.ShardedRedisAdapter.Close()
}
