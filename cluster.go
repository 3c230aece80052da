package rtkit

import "context"

// Operations on the sockets a Rooms value selects, on every server the
// adapter reaches (all servers behind a Redis adapter). They are the
// server's decisions: room policies do not apply. ns.To() with no room
// selects every socket of the namespace. They are safe for concurrent use;
// before Mount they do nothing.

// Disconnect disconnects the selected sockets from the namespace: their
// clients see "io server disconnect" and do not reconnect on their own
// (revocation, moderation). With a delivery log, the disconnection goes
// through it: every selected socket gets the events emitted to it before
// Disconnect was called, then the disconnection.
func (r Rooms) Disconnect() {
	c := r.ns.core
	if c == nil {
		return
	}
	if a := r.ns.recovery; a != nil && a.disconnect(r.rooms, r.except) {
		return
	}
	c.disconnectSockets(r.rooms, r.except)
	r.ns.toOthers("disconnect", func(ctx context.Context, ra NamespaceAdapter) error {
		return ra.DisconnectSockets(ctx, r.sel(), false)
	})
}

// Join makes the selected sockets join rooms.
func (r Rooms) Join(rooms ...string) {
	c := r.ns.core
	if c == nil {
		return
	}
	c.socketsJoin(r.rooms, r.except, rooms)
	r.ns.toOthers("join", func(ctx context.Context, ra NamespaceAdapter) error {
		return ra.SocketsJoin(ctx, r.sel(), rooms)
	})
}

// Leave makes the selected sockets leave rooms.
func (r Rooms) Leave(rooms ...string) {
	c := r.ns.core
	if c == nil {
		return
	}
	c.socketsLeave(r.rooms, r.except, rooms)
	r.ns.toOthers("leave", func(ctx context.Context, ra NamespaceAdapter) error {
		return ra.SocketsLeave(ctx, r.sel(), rooms)
	})
}

// sel is r as the adapter's Selection.
func (r Rooms) sel() Selection { return Selection{Rooms: r.rooms, Except: r.except} }
