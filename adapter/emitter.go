package adapter

import (
	"context"
	"encoding/json"
	"fmt"

	rds "github.com/redis/go-redis/v9"
	sioadapter "github.com/zishang520/socket.io/adapters/adapter/v3"
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/rtkit-go/rtkit"
)

// Emitter publishes events to the sockets of rtkit servers that use the
// Redis adapter, from a process that runs no Socket.IO server (a worker, a
// cron job, an HTTP-only service). It is an rtkit.Publisher: emit with
// rtkit.Emit(ns.Via(em).To("room"), ev, payload), which validates the
// payload against the namespace's contract first.
//
// Delivery is Redis Pub/Sub's: servers connected at the time of the
// publish get the event; nothing is stored. An Emitter is safe for
// concurrent use.
type Emitter struct {
	client rds.UniversalClient
	opts   Options
}

var _ rtkit.Publisher = (*Emitter)(nil)

// NewEmitter returns an emitter over client (the caller keeps ownership
// of it). opts.Prefix must be the servers' prefix; opts.Timeout bounds
// each publish whose context has no deadline.
func NewEmitter(client rds.UniversalClient, opts Options) *Emitter {
	if client == nil {
		panic("adapter: NewEmitter: nil client")
	}
	return &Emitter{client: client, opts: opts.withDefaults()}
}

// emitterUID is the sender id upstream emitters use; servers never skip
// it as their own.
const emitterUID sioadapter.ServerId = "emitter"

// Publish implements rtkit.Publisher: one SPUBLISH of a broadcast message
// that the servers' adapters deliver to their matching sockets, encoded as
// the adapter encodes its own broadcasts, so that the payload reaches
// clients as JSON with exact numbers. (The upstream emitter would send a
// json.RawMessage as binary.)
func (e *Emitter) Publish(ctx context.Context, namespace string, rooms, except []string, event string, payload json.RawMessage) error {
	data := []any{event}
	if payload != nil {
		data = append(data, payload)
	}
	m := &sioadapter.ClusterMessage{
		Uid:  emitterUID,
		Nsp:  namespace,
		Type: sioadapter.BROADCAST,
		Data: &sioadapter.BroadcastMessage{
			Packet: &parser.Packet{Type: parser.EVENT, Nsp: namespace, Data: data},
			Opts: &sioadapter.PacketOptions{
				Rooms:  toRooms(rooms),
				Except: toRooms(except),
				Flags:  &socket.BroadcastFlags{},
			},
		},
	}
	b, err := encodeMessage(m)
	if err != nil {
		return fmt.Errorf("adapter: encode broadcast: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.opts.Timeout)
		defer cancel()
	}
	if err := e.client.SPublish(ctx, channelOf(e.opts.Prefix, namespace), b).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

func toRooms(rs []string) []socket.Room {
	if len(rs) == 0 {
		return nil
	}
	out := make([]socket.Room, len(rs))
	for i, r := range rs {
		out[i] = socket.Room(r)
	}
	return out
}
