package adapter

import (
	"context"
	"encoding/json"
	"fmt"

	rds "github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter/internal/wire"
	"github.com/rtkit-go/rtkit/internal/redisdeadline"
)

// Emitter publishes events to the sockets of the servers of an
// application (rtkit servers with the Redis adapter, and Node.js socket.io
// servers with @socket.io/redis-adapter) from a process that runs no
// server: a worker, a cron job, an HTTP-only service. It is an
// rtkit.Publisher: emit with rtkit.Emit(ns.Via(em).To("room"), ev,
// payload), which validates the payload against the namespace's contract
// first.
//
// It publishes what the servers' adapters publish, as sender "emitter":
// with sharded Pub/Sub by default (what Node's sharded adapter and rtkit
// receive), with classic Pub/Sub when Options.Classic is set (what Node's
// classic adapter, @socket.io/redis-emitter and rtkit in either mode
// receive). Payloads travel as MessagePack with exact integers.
//
// Delivery is Redis Pub/Sub's: servers connected at the time of the
// publish get the event; nothing is stored. An Emitter is safe for
// concurrent use.
type Emitter struct {
	client  rds.UniversalClient
	opts    Options
	honours bool // the client bounds a command by its context's deadline
}

var _ rtkit.Publisher = (*Emitter)(nil)

// NewEmitter returns an emitter over client (the caller keeps ownership
// of it). opts.Prefix and opts.Classic must be the servers'; opts.Timeout
// bounds each publish whose context has no deadline. As for Redis, create
// client with ContextTimeoutEnabled; without it the deadline is kept by
// waiting for the publish in a goroutine of its own, which stays busy
// until the client's ReadTimeout when Redis does not answer.
func NewEmitter(client rds.UniversalClient, opts Options) *Emitter {
	if client == nil {
		panic("adapter: NewEmitter: nil client")
	}
	return &Emitter{client: client, opts: opts.withDefaults(), honours: redisdeadline.Honours(client)}
}

// Publish implements rtkit.Publisher: one publish of a broadcast that the
// servers deliver to their matching sockets.
func (e *Emitter) Publish(ctx context.Context, namespace string, rooms, except []string, event string, payload json.RawMessage) error {
	args := []any{event}
	if payload != nil {
		args = append(args, payload)
	}
	sel := wire.Selection{Rooms: rooms, Except: except}
	pkt := wire.Packet{Type: wire.PacketEvent, Nsp: namespace, Args: args}
	var b []byte
	var err error
	if e.opts.Classic {
		b, err = wire.EncodeClassicBroadcast(wire.EmitterUID, pkt, sel, wire.Flags{})
	} else {
		b, err = wire.EncodeMessage(&wire.Message{Type: wire.Broadcast, UID: wire.EmitterUID, Nsp: namespace, Packet: pkt, Sel: sel})
	}
	if err != nil {
		return fmt.Errorf("adapter: encode broadcast: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.opts.Timeout)
		defer cancel()
	}
	err = redisdeadline.Run(ctx, e.honours, func(ctx context.Context) error {
		if e.opts.Classic {
			return e.client.Publish(ctx, wire.BroadcastChannel(e.opts.Prefix, namespace, sel), b).Err()
		}
		return e.client.SPublish(ctx, wire.Channel(e.opts.Prefix, namespace), b).Err()
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}
