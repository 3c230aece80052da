package adapter

import (
	"context"
	"sync"
	"time"

	rds "github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter/internal/wire"
)

// What the other servers (and emitters) ask of this one. Messages that do
// not decode, or that belong to another namespace, are dropped; the local
// operations run in the receive loop, in the order the messages came,
// and answers are published from goroutines of their own so that an
// outage cannot hold up delivery.

// onSharded handles a message of the namespace's sharded channel or of
// this server's response channel.
func (n *nsAdapter) onSharded(rm *rds.Message) {
	m, err := wire.DecodeMessage([]byte(rm.Payload))
	if err != nil || m.UID == n.uid || m.Nsp != n.name {
		return
	}
	if m.Type.IsResponse() {
		n.reqs.deliver(m.RequestID, m)
		return
	}
	reply := func(r *wire.Message) {
		r.UID, r.Nsp = n.uid, n.name
		b, err := wire.EncodeMessage(r)
		n.a.spawn(func() { _, _ = n.publish(n.a.ctx, false, wire.ResponseChannel(n.a.opts.Prefix, n.name, m.UID), b, err) })
	}
	sel := fromWire(m.Sel, m.Flags)
	switch m.Type {
	case wire.Broadcast:
		p := rtkit.Packet{Args: m.Packet.Args}
		if m.RequestID == "" {
			n.local.Deliver(p, sel)
			return
		}
		n.serveAcks(p, sel, m.Flags.Timeout,
			func(count int) {
				reply(&wire.Message{Type: wire.BroadcastClientCount, RequestID: m.RequestID, ClientCount: int64(count)})
			},
			func(a rtkit.AckAnswer) {
				reply(&wire.Message{Type: wire.BroadcastAck, RequestID: m.RequestID, Answer: firstArg(a.Args), AckSocket: a.Socket, AckGone: a.Gone})
			})
	case wire.SocketsJoin:
		n.local.Join(sel, m.Rooms)
	case wire.SocketsLeave:
		n.local.Leave(sel, m.Rooms)
	case wire.DisconnectSockets:
		n.local.Disconnect(sel, m.Close)
	case wire.FetchSockets:
		reply(&wire.Message{Type: wire.FetchSocketsResponse, RequestID: m.RequestID, Sockets: n.sockets(sel)})
	case wire.ServerSideEmit:
		var ack func([]any)
		if m.RequestID != "" {
			ack = func(args []any) {
				reply(&wire.Message{Type: wire.ServerSideEmitResponse, RequestID: m.RequestID, Answer: firstArg(args)})
			}
		}
		n.serverEvent(m.Args, ack)
	}
}

// onClassic handles a message of the classic channels: broadcasts (of
// classic servers and emitters), requests and responses.
func (n *nsAdapter) onClassic(rm *rds.Message) {
	switch rm.Channel {
	case n.responsesAll, n.responsesOwn:
		if r, err := wire.DecodeResponse([]byte(rm.Payload)); err == nil {
			n.reqs.deliver(r.RequestID, r)
		}
	case n.requestCh:
		n.onClassicRequest([]byte(rm.Payload))
	default:
		uid, p, sel, f, err := wire.DecodeClassicBroadcast([]byte(rm.Payload))
		if err != nil || uid == n.uid || p.Nsp != n.name {
			return
		}
		n.local.Deliver(rtkit.Packet{Args: p.Args}, fromWire(sel, f))
	}
}

func (n *nsAdapter) onClassicRequest(b []byte) {
	r, err := wire.DecodeRequest(b)
	if err != nil || r.UID == n.uid {
		return
	}
	reply := func(resp *wire.Response) {
		b, err := wire.EncodeResponse(resp)
		// Node's classic servers listen on their own response channel
		// too; one without a uid listens only on the shared one.
		ch := wire.ClassicResponseChannel(n.a.opts.Prefix, n.name, r.UID)
		n.a.spawn(func() { _, _ = n.publish(n.a.ctx, true, ch, b, err) })
	}
	sel := fromWire(r.Sel, r.Flags)
	switch r.Type {
	case wire.ReqRemoteJoin:
		n.local.Join(sel, r.Rooms)
	case wire.ReqRemoteLeave:
		n.local.Leave(sel, r.Rooms)
	case wire.ReqRemoteDisconnect:
		n.local.Disconnect(sel, r.Close)
	case wire.ReqRemoteFetch:
		reply(&wire.Response{Type: wire.ReqNone, RequestID: r.RequestID, Sockets: n.sockets(sel)})
	case wire.ReqSockets:
		ids := []string{}
		for _, s := range n.local.Sockets(rtkit.Selection{Rooms: r.Rooms}) {
			ids = append(ids, s.ID)
		}
		reply(&wire.Response{Type: wire.ReqNone, RequestID: r.RequestID, IDs: ids})
	case wire.ReqServerSideEmit:
		var ack func([]any)
		if r.RequestID != "" {
			ack = func(args []any) {
				reply(&wire.Response{Type: wire.ReqServerSideEmit, RequestID: r.RequestID, Answer: firstArg(args)})
			}
		}
		n.serverEvent(r.Args, ack)
	case wire.ReqBroadcast:
		n.serveAcks(rtkit.Packet{Args: r.Packet.Args}, sel, r.Flags.Timeout,
			func(count int) {
				reply(&wire.Response{Type: wire.ReqBroadcastClientCount, RequestID: r.RequestID, ClientCount: int64(count)})
			},
			func(a rtkit.AckAnswer) {
				reply(&wire.Response{Type: wire.ReqBroadcastAck, RequestID: r.RequestID, Answer: firstArg(a.Args), AckSocket: a.Socket, AckGone: a.Gone})
			})
	}
}

func (n *nsAdapter) sockets(sel rtkit.Selection) []wire.Socket {
	local := n.local.Sockets(sel)
	out := make([]wire.Socket, len(local))
	for i, s := range local {
		out[i] = toWireSocket(s)
	}
	return out
}

// serverEvent hands a server-side event to rtkit, with Node's default
// timeout as its deadline; ack (when asked for) answers once.
func (n *nsAdapter) serverEvent(args []any, ack func([]any)) {
	ctx, cancel := context.WithTimeout(n.ctx, requestTimeout)
	if ack == nil {
		context.AfterFunc(ctx, cancel)
		n.local.ServerEvent(ctx, args, nil)
		return
	}
	var once sync.Once
	n.local.ServerEvent(ctx, args, func(answer []any) {
		once.Do(func() {
			cancel()
			ack(answer)
		})
	})
	context.AfterFunc(ctx, cancel)
}

// serveAcks runs a broadcast with acknowledgements of another server on
// this server's sockets, for timeout milliseconds (Node's default when
// none was given).
func (n *nsAdapter) serveAcks(p rtkit.Packet, sel rtkit.Selection, timeout int64, onCount func(int), onAnswer func(rtkit.AckAnswer)) {
	d := requestTimeout
	if timeout > 0 {
		d = time.Duration(timeout) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(n.ctx, d)
	context.AfterFunc(ctx, cancel)
	n.local.BroadcastWithAck(ctx, p, sel, onCount, onAnswer)
}
