package rtkit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// SocketInfo describes a connected socket, on this server or another one:
// what Rooms.Fetch returns. The handshake's auth object and headers are
// left out (they may carry credentials).
type SocketInfo struct {
	// ID is the socket id.
	ID string `json:"id"`
	// Rooms are the rooms the socket is in, sorted, without its own id.
	Rooms []string `json:"rooms"`
	// RemoteAddr is the client's "ip:port" as its server saw it.
	RemoteAddr string `json:"remoteAddr,omitempty"`
	// Query is the URL query of the client's handshake.
	Query url.Values `json:"query,omitempty"`
	// Transport is the transport of the socket's connection when it was
	// described (Socket.Transport).
	Transport Transport `json:"transport,omitempty"`
	// ClientID names the socket's connection (Socket.ClientID).
	ClientID string `json:"clientId,omitempty"`
	// Connected is when the handshake happened.
	Connected time.Time `json:"connected"`
	// Local is true for the sockets of the server that called Fetch.
	Local bool `json:"-"`
}

// Count returns the number of sockets r selects on every server the adapter
// reaches. It waits for the other servers' answers until ctx ends (the
// server's acknowledgement timeout when ctx has no deadline); when some did
// not answer, it returns the sockets counted so far with a TIMEOUT *Error
// that says how many servers answered (ctx's error when ctx was cancelled
// rather than timed out). Before Mount it returns
// ErrNotMounted. It is safe for concurrent use.
func (r Rooms) Count(ctx context.Context) (int, error) {
	if err := r.check(); err != nil {
		return 0, err
	}
	total := len(r.ns.localMatches(r.rooms, r.except))
	answered := 0
	ctx, cancel := r.ns.srv.withWait(ctx)
	defer cancel()
	servers, err := r.ns.others().FetchSockets(ctx, r.sel(), func(ss []RemoteSocket) {
		total += len(ss)
		answered++
	})
	if err != nil {
		return total, errNotReached(err)
	}
	return total, missing(ctx, servers, answered)
}

// Fetch describes the sockets r selects on every server the adapter
// reaches, this server's first. Waiting and errors are those of Count: on
// a TIMEOUT *Error, the sockets of the servers that answered are returned.
// It is safe for concurrent use.
func (r Rooms) Fetch(ctx context.Context) ([]SocketInfo, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	out := describe(r.ns.localMatches(r.rooms, r.except), true)
	answered := 0
	ctx, cancel := r.ns.srv.withWait(ctx)
	defer cancel()
	servers, err := r.ns.others().FetchSockets(ctx, r.sel(), func(ss []RemoteSocket) {
		for _, s := range ss {
			rooms := slices.DeleteFunc(slices.Clone(s.Rooms), func(room string) bool { return room == s.ID })
			slices.Sort(rooms)
			out = append(out, SocketInfo{ID: s.ID, Rooms: rooms, RemoteAddr: s.Address, Query: s.Query, Connected: s.Connected,
				Transport: s.Transport, ClientID: s.ClientID})
		}
		answered++
	})
	if err != nil {
		return out, errNotReached(err)
	}
	return out, missing(ctx, servers, answered)
}

// check refuses operations before Mount and after Shutdown.
func (r Rooms) check() error {
	if r.ns.srv == nil {
		return fmt.Errorf("%w: %s", ErrNotMounted, r.ns.name)
	}
	if r.ns.srv.closed.Load() {
		return ErrServerClosed
	}
	return nil
}

// missing returns the error of a gathering that heard from answered of
// servers other servers: nil when all answered.
func missing(ctx context.Context, servers, answered int) error {
	if answered >= servers {
		return nil
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err() // the caller gave up: not a timeout
	}
	return NewError(CodeTimeout, fmt.Sprintf("%d of %d other servers answered before the deadline", answered, servers)).
		WithCause(context.Cause(ctx))
}

// localMatches returns this server's sockets of n in any of rooms (every
// socket when rooms is empty), minus those in any of except: the selection
// a local broadcast makes. n may be nil (a namespace not mounted here): no
// socket.
func (n *Namespace) localMatches(rooms, except []string) []*Socket {
	if n == nil || n.core == nil {
		return nil
	}
	var out []*Socket
	n.core.each(rooms, except, func(id string) {
		if v, ok := n.sockets.Load(id); ok {
			out = append(out, v.(*Socket))
		}
	})
	return out
}

// describe turns sockets into SocketInfo values.
func describe(ss []*Socket, local bool) []SocketInfo {
	out := make([]SocketInfo, 0, len(ss))
	for _, s := range ss {
		out = append(out, SocketInfo{
			ID:         s.ID(),
			Rooms:      s.Rooms(),
			Transport:  s.Transport(),
			ClientID:   s.ClientID(),
			RemoteAddr: s.hs.RemoteAddr,
			Query:      s.hs.Query,
			Connected:  s.hs.Time,
			Local:      local,
		})
	}
	return out
}
