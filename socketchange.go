package rtkit

// ChangeKind says what changed on a socket, for OnSocketChange hooks.
type ChangeKind uint8

// What OnSocketChange hooks are told of.
const (
	// RoomJoined: the socket joined SocketChange.Room.
	RoomJoined ChangeKind = iota + 1
	// RoomLeft: the socket left SocketChange.Room, or was in it when it
	// disconnected.
	RoomLeft
	// TransportUpgraded: the socket's connection moved from HTTP
	// long-polling to WebSocket (Socket.Transport tells the new one).
	TransportUpgraded
	// EventSent: this server queued the event SocketChange.Event for the
	// socket, with SocketChange.Args.
	EventSent
)

// SocketChange is one change to a connected socket, for OnSocketChange
// hooks.
type SocketChange struct {
	Kind ChangeKind
	// Room is the room joined or left (RoomJoined, RoomLeft). A socket's
	// own id room is never reported: it has it from connection to
	// disconnection.
	Room string
	// Event and Args are the event sent and its arguments (EventSent): a
	// typed event's one argument is its encoded payload, a
	// json.RawMessage. Args is shared by every recipient of a broadcast:
	// hooks must not modify it.
	Event string
	Args  []any
}

// OnSocketChange registers a hook that is told of changes to the
// namespace's connected sockets on this server: rooms joined and left,
// whoever asked for it (Socket.Join through the room policies,
// Socket.Leave, Rooms.Join and Rooms.Leave here or on another server
// through the adapter, and every room the socket was in when it
// disconnects, reported before OnDisconnect hooks run), the transport
// upgrade, and every event queued for the socket (emits to it, and its
// copy of each broadcast this server delivers). Joins or leaves that
// change nothing (a room already joined) are not reported. Rooms a socket
// is given as it connects (auto-joins, ServerRooms) are not reported:
// Socket.Rooms lists them when OnConnect hooks run (the rooms a socket
// recovered through a delivery log may be reported as joined just before
// those hooks).
//
// fn runs on the goroutine that made the change (a handler, an emitter,
// the adapter's reader), after the change and outside the server's locks,
// possibly concurrently for one socket: it must be quick and must not
// block. A server without such a hook pays a length check per change.
func OnSocketChange(fn func(s *Socket, c SocketChange)) Option {
	return bothOption{func(n *Namespace) { n.onChange = append(n.onChange, fn) }}
}

// changed tells n's OnSocketChange hooks of c; s may be nil (a socket not
// yet admitted), and then nothing is told.
func (n *Namespace) changed(s *Socket, c SocketChange) {
	if s == nil {
		return
	}
	for _, fn := range n.onChange {
		n.safely("socket change hook", func() { fn(s, c) })
	}
}
