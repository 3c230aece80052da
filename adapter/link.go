package adapter

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	rds "github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit"
)

// The Sharded adapter is an rtkit.ServerLink: the servers of a deployment
// ask each other questions (acknowledgements across servers, socket counts,
// server events) over two sharded Pub/Sub channels per server, whatever the
// number of namespaces and rooms:
//
//   - {PREFIX}#rtkit#req#, where every server subscribes and requests are
//     published;
//   - {PREFIX}#rtkit#res#ID#, where server ID receives the answers to its
//     requests.
//
// The hash tag puts both channels in one slot of a Redis Cluster, hence
// one Pub/Sub connection per server. The number of servers that received a
// request is what SPUBLISH returns, minus the requester: a server counts
// from the moment its subscription is in place, with no membership list to
// go stale.
var _ rtkit.ServerLink = (*Sharded)(nil)

// link is the state of a Sharded adapter's ServerLink side.
type link struct {
	once    sync.Once
	id      string
	req     string // the request channel
	res     string // this server's answer channel
	serve   func(req []byte, reply func([]byte) error)
	ready   chan struct{} // closed once subscribed
	done    chan struct{} // closed when the receive loop has stopped
	pending sync.Map      // request id → func([]byte)
}

// linkChannelSize bounds the messages go-redis buffers for the receive
// loop.
const linkChannelSize = 1024

func (a *Sharded) resChannel(id string) string {
	return "{" + a.opts.Prefix + "}#rtkit#res#" + id + "#"
}

// ServeRequests subscribes to the request channel and to this server's
// answer channel, and passes other servers' requests to fn until Close. It
// returns once subscribed, or after Options.Timeout while Redis does not
// answer (the subscription then completes when Redis is back).
// Only the first call has an effect: an adapter serves one server.
func (a *Sharded) ServeRequests(fn func(req []byte, reply func([]byte) error)) {
	a.link.once.Do(func() {
		a.link.id = newID()
		a.link.req = "{" + a.opts.Prefix + "}#rtkit#req#"
		a.link.res = a.resChannel(a.link.id)
		a.link.serve = fn
		a.link.ready = make(chan struct{})
		a.link.done = make(chan struct{})
		go a.receive()
		// Wait a moment for the subscription, so that a server counts for
		// the others once NewServer has returned; an unreachable Redis
		// delays NewServer by Options.Timeout at most.
		t := time.NewTimer(a.opts.Timeout)
		defer t.Stop()
		select {
		case <-a.link.ready:
		case <-t.C:
		case <-a.ctx.Done():
		}
	})
}

// receive is the link's receive loop. It subscribes first, here rather
// than in ServeRequests, so that an unreachable Redis (a dial that hangs)
// does not hold up NewServer; go-redis retries the subscription until it
// succeeds.
func (a *Sharded) receive() {
	defer close(a.link.done)
	ps := a.client.SSubscribe(a.ctx, a.link.req, a.link.res)
	defer func() { _ = ps.Close() }()
	ch := ps.ChannelWithSubscriptions(rds.WithChannelSize(linkChannelSize))
	ready := false
	for {
		var msg any
		select {
		case <-a.ctx.Done():
			return
		case msg = <-ch:
		}
		switch m := msg.(type) {
		case *rds.Subscription:
			if !ready && m.Count >= 2 {
				ready = true
				close(a.link.ready)
			}
		case *rds.Message:
			switch m.Channel {
			case a.link.req:
				a.onRequest([]byte(m.Payload))
			case a.link.res:
				a.onAnswer([]byte(m.Payload))
			}
		}
	}
}

// A request on the wire is "FROM\nID\nBODY"; an answer is "ID\nBODY".

func (a *Sharded) onRequest(b []byte) {
	from, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok || string(from) == a.link.id {
		return // malformed, or this server's own request
	}
	id, body, ok := bytes.Cut(rest, []byte{'\n'})
	if !ok || len(from) == 0 || len(id) == 0 {
		return
	}
	channel, prefix := a.resChannel(string(from)), append(append([]byte(nil), id...), '\n')
	a.link.serve(body, func(answer []byte) error {
		_, err := a.spublish(channel, append(prefix[:len(prefix):len(prefix)], answer...))
		return err
	})
}

func (a *Sharded) onAnswer(b []byte) {
	id, body, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return
	}
	if fn, ok := a.link.pending.Load(string(id)); ok {
		fn.(func([]byte))(body)
	}
}

// Request publishes req to every server's request channel and returns the
// number of other servers subscribed to it. Answers go to onAnswer until
// ctx ends. It waits (within ctx) for this server's own subscription, so
// that the answers cannot be missed, and fails at once during an outage.
func (a *Sharded) Request(ctx context.Context, req []byte, onAnswer func([]byte)) (int, error) {
	if a.link.ready == nil {
		return 0, errors.New("adapter: Request before ServeRequests")
	}
	select {
	case <-a.link.ready:
	default:
		if err := a.unavailable(); err != nil {
			return 0, err // an outage: fail at once rather than wait
		}
		select {
		case <-a.link.ready:
		case <-ctx.Done():
			return 0, fmt.Errorf("%w: not subscribed yet: %w", ErrUnavailable, ctx.Err())
		case <-a.ctx.Done():
			return 0, fmt.Errorf("%w: adapter closed", ErrUnavailable)
		}
	}
	id := newID()
	a.link.pending.Store(id, onAnswer)
	stop := context.AfterFunc(ctx, func() { a.link.pending.Delete(id) })
	msg := make([]byte, 0, len(a.link.id)+len(id)+2+len(req))
	msg = append(append(append(append(append(msg, a.link.id...), '\n'), id...), '\n'), req...)
	n, err := a.spublish(a.link.req, msg)
	if err != nil {
		stop()
		a.link.pending.Delete(id)
		return 0, err
	}
	return int(max(n-1, 0)), nil
}

// closeLink waits for the receive loop to stop (after a.ctx is cancelled).
func (a *Sharded) closeLink(ctx context.Context) {
	if a.link.done == nil {
		return
	}
	select {
	case <-a.link.done:
	case <-ctx.Done():
	case <-time.After(a.opts.Timeout):
	}
}

// newID returns a random identifier.
func newID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
