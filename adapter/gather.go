package adapter

import (
	"context"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter/internal/wire"
)

// The operations that gather answers from the other servers. The number
// of servers asked is the number of subscribers that received the request
// (what SPUBLISH or PUBLISH returns) minus this one, so there is no
// membership list to go stale: a server that stops is no longer counted,
// and one that hangs makes the operation end with ctx.

// FetchSockets implements rtkit.NamespaceAdapter.
func (n *nsAdapter) FetchSockets(ctx context.Context, sel rtkit.Selection, onAnswer func([]rtkit.RemoteSocket)) (int, error) {
	id := newID()
	p := n.reqs.add(id)
	defer n.reqs.remove(id)
	ws, f := selection(sel)
	servers, err := n.request(ctx, &wire.Message{Type: wire.FetchSockets, RequestID: id, Sel: ws, Flags: f},
		&wire.Request{Type: wire.ReqRemoteFetch, UID: n.uid, RequestID: id, Sel: ws, Flags: f})
	if err != nil || servers == 0 {
		return servers, err
	}
	got := 0
	p.wait(ctx, n.ctx.Done(), func(answer any) bool {
		var socks []wire.Socket
		switch a := answer.(type) {
		case *wire.Message:
			if a.Type != wire.FetchSocketsResponse {
				return false
			}
			socks = a.Sockets
		case *wire.Response:
			if a.Type != wire.ReqNone {
				return false
			}
			socks = a.Sockets
		}
		out := make([]rtkit.RemoteSocket, len(socks))
		for i, s := range socks {
			out[i] = fromWireSocket(s)
		}
		onAnswer(out)
		got++
		return got >= servers
	})
	return servers, nil
}

// ServerSideEmit implements rtkit.NamespaceAdapter. Node servers run
// their namespace's listeners of args[0]; rtkit servers their
// HandleServer handler.
func (n *nsAdapter) ServerSideEmit(ctx context.Context, args []any, onAnswer func(args []any)) (int, error) {
	if onAnswer == nil {
		receivers, err := n.send(ctx, &wire.Message{Type: wire.ServerSideEmit, Args: args},
			&wire.Request{Type: wire.ReqServerSideEmit, UID: n.uid, Args: args})
		return n.others(receivers), err
	}
	id := newID()
	p := n.reqs.add(id)
	defer n.reqs.remove(id)
	servers, err := n.request(ctx, &wire.Message{Type: wire.ServerSideEmit, RequestID: id, Args: args},
		&wire.Request{Type: wire.ReqServerSideEmit, UID: n.uid, RequestID: id, Args: args})
	if err != nil || servers == 0 {
		return servers, err
	}
	got := 0
	p.wait(ctx, n.ctx.Done(), func(answer any) bool {
		switch a := answer.(type) {
		case *wire.Message:
			if a.Type != wire.ServerSideEmitResponse {
				return false
			}
			onAnswer(answerArgs(a.Answer))
		case *wire.Response:
			if a.Type != wire.ReqServerSideEmit {
				return false
			}
			onAnswer(answerArgs(a.Answer))
		}
		got++
		return got >= servers
	})
	return servers, nil
}

// BroadcastWithAck implements rtkit.NamespaceAdapter. The other servers'
// recipients have what is left of ctx to answer (the broadcast's timeout
// flag).
func (n *nsAdapter) BroadcastWithAck(ctx context.Context, p rtkit.Packet, sel rtkit.Selection, onCount func(int), onAnswer func(rtkit.AckAnswer)) (int, error) {
	id := newID()
	pend := n.reqs.add(id)
	defer n.reqs.remove(id)
	ws, f := selection(sel)
	f.Timeout = ackTimeout(ctx)
	pkt := wire.Packet{Type: wire.PacketEvent, Nsp: n.name, Args: p.Args}
	servers, err := n.request(ctx, &wire.Message{Type: wire.Broadcast, RequestID: id, Packet: pkt, Sel: ws, Flags: f},
		&wire.Request{Type: wire.ReqBroadcast, UID: n.uid, RequestID: id, Packet: pkt, Sel: ws, Flags: f})
	if err != nil || servers == 0 {
		return servers, err
	}
	counted, expected, answered := 0, 0, 0
	pend.wait(ctx, n.ctx.Done(), func(answer any) bool {
		switch a := answer.(type) {
		case *wire.Message:
			switch a.Type {
			case wire.BroadcastClientCount:
				counted++
				expected += int(a.ClientCount)
				onCount(int(a.ClientCount))
			case wire.BroadcastAck:
				answered++
				onAnswer(rtkit.AckAnswer{Socket: a.AckSocket, Gone: a.AckGone, Args: answerArgs(a.Answer)})
			}
		case *wire.Response:
			switch a.Type {
			case wire.ReqBroadcastClientCount:
				counted++
				expected += int(a.ClientCount)
				onCount(int(a.ClientCount))
			case wire.ReqBroadcastAck:
				answered++
				onAnswer(rtkit.AckAnswer{Socket: a.AckSocket, Gone: a.AckGone, Args: answerArgs(a.Answer)})
			}
		}
		return counted >= servers && answered >= expected
	})
	return servers, nil
}
