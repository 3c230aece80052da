package rtkit

import "github.com/zishang520/socket.io/servers/socket/v3"

// Operations on the sockets a Rooms value selects, on every server the
// adapter reaches (all servers behind a Redis adapter). They are the
// server's decisions: room policies do not apply. ns.To() with no room
// selects every socket of the namespace. They are safe for concurrent use.

// Disconnect disconnects the selected sockets from the namespace: their
// clients see "io server disconnect" and do not reconnect on their own
// (revocation, moderation).
func (r Rooms) Disconnect() {
	if op := r.operator(); op != nil {
		op.DisconnectSockets(false)
	}
}

// Join makes the selected sockets join rooms.
func (r Rooms) Join(rooms ...string) {
	if op := r.operator(); op != nil {
		op.SocketsJoin(toRooms(rooms)...)
	}
}

// Leave makes the selected sockets leave rooms.
func (r Rooms) Leave(rooms ...string) {
	if op := r.operator(); op != nil {
		op.SocketsLeave(toRooms(rooms)...)
	}
}

func (r Rooms) operator() *socket.BroadcastOperator {
	_, op, _ := r.selection()
	return op
}
