package rtkit

import (
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Local broadcast delivery.
//
// The underlying server's in-memory adapter encodes a broadcast once, but
// marks it as a pre-encoded websocket frame, and its websocket transport
// then builds a gorilla PreparedMessage from it for every recipient: a
// throw-away websocket connection with a 4 KiB buffer, a map and a mutex
// per socket and per message, which is most of the allocation and a good
// part of the CPU of a broadcast. localBroadcast delivers the same encoded
// packet without that mark: each transport then frames the ~200 bytes
// into its own write buffer, which costs a copy.
//
// It is used where rtkit knows the adapter is the plain in-memory one:
// directAdapter (recovery off, no cluster adapter) and the recovery
// adapter's local delivery when it wraps the in-memory adapter. A cluster
// adapter's Broadcast also publishes to other servers, so it is left alone.

// directBuilder makes the in-memory adapter with localBroadcast as its
// Broadcast.
type directBuilder struct{}

// New returns the adapter of one namespace.
func (directBuilder) New(nsp socket.Namespace) socket.Adapter {
	return &directAdapter{Adapter: socket.NewAdapter(nsp)}
}

// directAdapter is the in-memory adapter with a cheaper Broadcast.
type directAdapter struct{ socket.Adapter }

// Broadcast writes p to the matching local sockets.
func (a *directAdapter) Broadcast(p *parser.Packet, opts *socket.BroadcastOptions) {
	localBroadcast(a.Adapter, p, opts)
}

// localBroadcast writes p to the local sockets opts selects, as the
// in-memory adapter's Broadcast does (same selection, same outgoing
// listeners, same volatile and compress flags), encoding p once.
func localBroadcast(a socket.Adapter, p *parser.Packet, opts *socket.BroadcastOptions) {
	wo := &socket.WriteOptions{PreEncoded: true}
	if opts != nil && opts.Flags != nil {
		wo.Volatile = opts.Flags.Volatile
		wo.Compress = opts.Flags.Compress
	}
	nsp := a.Nsp()
	p.Nsp = nsp.Name()
	encoded := nsp.Server().Encoder().Encode(p)
	eachLocal(a, opts, func(s *socket.Socket) {
		if notify := s.NotifyOutgoingListeners(); notify != nil {
			notify(p)
		}
		s.Client().WriteToEngine(encoded, wo)
	})
}

// eachLocal calls fn for every connected local socket that is in one of
// opts' rooms (every socket when there is none) and in none of its except
// rooms, once per socket.
func eachLocal(a socket.Adapter, opts *socket.BroadcastOptions, fn func(*socket.Socket)) {
	var rooms, except *types.Set[socket.Room]
	if opts != nil {
		rooms, except = opts.Rooms, opts.Except
	}
	var skip map[socket.SocketId]struct{}
	if except != nil && except.Len() > 0 {
		skip = map[socket.SocketId]struct{}{}
		for _, r := range except.Keys() {
			if ids, ok := a.Rooms().Load(r); ok {
				for _, id := range ids.Keys() {
					skip[id] = struct{}{}
				}
			}
		}
	}
	sockets := a.Nsp().Sockets()
	visit := func(id socket.SocketId) {
		if _, no := skip[id]; no {
			return
		}
		if s, ok := sockets.Load(id); ok && s.Connected() {
			fn(s)
		}
	}
	if rooms == nil || rooms.Len() == 0 {
		a.Sids().Range(func(id socket.SocketId, _ *types.Set[socket.Room]) bool {
			visit(id)
			return true
		})
		return
	}
	keys := rooms.Keys()
	if len(keys) == 1 {
		// One room: its members are distinct already.
		if ids, ok := a.Rooms().Load(keys[0]); ok {
			for _, id := range ids.Keys() {
				visit(id)
			}
		}
		return
	}
	seen := map[socket.SocketId]struct{}{}
	for _, r := range keys {
		ids, ok := a.Rooms().Load(r)
		if !ok {
			continue
		}
		for _, id := range ids.Keys() {
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = struct{}{}
			visit(id)
		}
	}
}
