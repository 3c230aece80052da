package auth

import (
	"context"
	"sync"

	"github.com/rtkit-go/rtkit"
)

// Authenticated sockets are put, by the server, in one room per user and
// one per session. Revocation disconnects those rooms on every server the
// adapter reaches, so that a user signed out on one server loses the
// sockets held on the others too. Clients cannot join these rooms: no room
// policy matches them unless an application declares one that does.
const (
	userRoomPrefix    = "rtkit.auth:user:"
	sessionRoomPrefix = "rtkit.auth:session:"
)

// namespaces remembers the namespaces a guard protects, by name, so that
// its hooks, which see sockets, can act on their namespace.
type namespaces struct{ m sync.Map }

func (n *namespaces) add(ns *rtkit.Namespace) { n.m.Store(ns.Name(), ns) }

func (n *namespaces) of(s *rtkit.Socket) *rtkit.Namespace {
	v, ok := n.m.Load(s.Namespace())
	if !ok {
		return nil
	}
	return v.(*rtkit.Namespace)
}

// identityRooms returns the rooms of p's user and session.
func identityRooms(p Principal) []string {
	var rooms []string
	if p.UserID != "" {
		rooms = append(rooms, userRoomPrefix+p.UserID)
	}
	if p.SessionID != "" {
		rooms = append(rooms, sessionRoomPrefix+p.SessionID)
	}
	return rooms
}

// serverRooms gives rtkit.ServerRooms the identity rooms of the socket's
// principal: they are joined before the client learns it is connected, so
// that a revocation on another server from then on reaches the socket.
func (g *guard) serverRooms(ctx context.Context, s *rtkit.Socket) []string {
	st := stateFrom(ctx)
	if st == nil {
		return nil
	}
	p, ok := st.principal()
	if !ok {
		return nil
	}
	return identityRooms(p)
}

// joinIdentityRooms puts s in the rooms of p's user and session (after a
// refresh authenticated it or changed its session).
func (g *guard) joinIdentityRooms(s *rtkit.Socket, p Principal) {
	ns := g.namespaces.of(s)
	if ns == nil {
		return
	}
	if rooms := identityRooms(p); len(rooms) > 0 {
		ns.To(s.ID()).Join(rooms...)
	}
}
