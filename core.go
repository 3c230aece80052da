package rtkit

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// The seams between rtkit's namespace runtime and the Socket.IO server
// underneath it ("the core").
//
// The runtime (namespaces, typed handlers, mailboxes, room policies,
// recovery through the delivery log) speaks only these interfaces, in
// rtkit's own terms: rooms are strings, payloads are encoded once, a
// selection is rooms minus except rooms. A core calls back into the
// runtime through the Namespace methods admit, connected, receive and gone
// (dispatch.go). rtkit's own core on internal/engine (ncore*.go)
// implements them.

// serverCore is the Socket.IO server underneath a Server.
type serverCore interface {
	// ServeHTTP serves the Engine.IO endpoint (path already checked).
	ServeHTTP(w http.ResponseWriter, r *http.Request)
	// mount serves n and returns its part of the core. Called by
	// Server.Mount, once per namespace, before any client reaches it.
	mount(n *Namespace) namespaceCore
	// close closes every connection and stops the core; Shutdown calls it
	// once its sockets are disconnected. It waits until the core runs
	// nothing any more (clients get a few seconds to take their last
	// output), or ctx ends: then what is left is cut and ctx's error
	// returned.
	close(ctx context.Context) error
}

// namespaceCore is one namespace's part of the core. Its methods are safe
// for concurrent use.
type namespaceCore interface {
	// broadcast sends event with its encoded payload to the sockets in any
	// of rooms (every socket when rooms is empty) minus those in any of
	// except. Nothing goes through the delivery log: the runtime appends
	// logged emits itself.
	//
	// broadcast, disconnectSockets, socketsJoin and socketsLeave act on
	// this server's sockets: the runtime reaches the other servers through
	// the namespace adapter (cluster_remote.go).
	broadcast(rooms, except []string, event string, payload json.RawMessage)
	// deliver sends an event packet made of args to this server's
	// sockets that rooms and except select (the delivery log's deliveries
	// and the offset markers).
	deliver(rooms, except []string, args []any)
	// each calls fn with the id of every connected socket of this server
	// that rooms and except select, once per socket.
	each(rooms, except []string, fn func(id string))
	// disconnectSockets, socketsJoin and socketsLeave act on the selected
	// sockets.
	disconnectSockets(rooms, except []string)
	socketsJoin(rooms, except, add []string)
	socketsLeave(rooms, except, remove []string)
}

// socketCore is one connected socket in the core. Its methods are safe for
// concurrent use.
type socketCore interface {
	// id is the socket id, kept by a recovered socket.
	id() string
	// recovered reports whether the core restored an earlier session.
	recovered() bool
	// rooms returns the rooms the socket is in, without its own id room.
	rooms() []string
	join(rooms ...string)
	leave(room string)
	// disconnect sends DISCONNECT and closes the socket: the client's
	// reason is "io server disconnect".
	disconnect()
	// emit sends one event packet to this socket, outside the log.
	emit(event string, payload json.RawMessage) error
	// emitAck sends an event packet made of args (the event name first)
	// with an acknowledgement id; answer gets the client's arguments, at
	// most once. Nothing calls answer when the socket disconnects first:
	// callers watch the socket's context.
	emitAck(args []any, answer func(args []any)) error
	// send writes an event packet made of args, outside the log (the
	// "error" event, replays, offset markers).
	send(args []any)
	// connInfo describes the socket's Engine.IO connection: its current
	// transport ("polling" or "websocket") and its session id (secret:
	// see Socket.ClientID).
	connInfo() (transport, sid string)
	// drop closes the connection as a lost network would (the client
	// reconnects on its own), after letting a write in progress finish
	// until deadline.
	drop(deadline time.Time)
	// runAfter asks the reader delivering the socket's packet to run f on
	// its goroutine once its batch is delivered (engine.Conn.RunAfterBatch);
	// false when it cannot. Only receive calls it, from the reader.
	runAfter(f func()) bool
	// handOver makes sure the socket's connection is read while work runs
	// on its reader (engine.Conn.HandOver).
	handOver()
}

// ackSender answers one event of a client, at most once: calls after the
// first do nothing.
type ackSender interface {
	// send answers with args, encoded as they are (binary values as
	// attachments).
	send(args []any)
	// success answers with rtkit's success envelope around data, the
	// encoded acknowledgement ({"success":true} for nil).
	success(data json.RawMessage)
}

// incoming is one event a client sent: its name (cut to maxEventNameLen),
// its payload arguments and, when the client asked for one, the
// acknowledgement to answer it with (at most once).
type incoming struct {
	name string
	args []any
	ack  ackSender
	// entry is the event's handler, nil for an unknown event: looked up
	// once, on arrival (Namespace.receive).
	entry *handlerEntry
	// run, when set, is the core's own work on the mailbox instead of an
	// event (a socket's connect hooks).
	run func()
	// depth is the socket's queue depth on arrival, this event included
	// (set only when the server has an Observer).
	depth int32
	// inline is set for an event run on the connection's reader
	// (inline.go).
	inline bool
}
