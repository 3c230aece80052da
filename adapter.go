package rtkit

import (
	"context"
	"net/url"
	"time"
)

// Adapter reaches the other servers of a deployment (a cluster): their
// sockets get this server's broadcasts, and the servers ask each other
// questions (acknowledgements across servers, counts, server events). The
// default, in memory, reaches no other server; package adapter provides
// Redis ones, wire-compatible with Node.js socket.io's Redis adapter.
//
// The interface is in rtkit's own terms: rooms are strings, a packet is
// an event name and its arguments, a selection is rooms minus except
// rooms. rtkit always does the local part of an operation itself (its own
// sockets, from its own core) and asks the adapter only for the other
// servers; what other servers ask of this one reaches rtkit through the
// LocalNamespace it passes to Open. Package adaptertest checks an
// implementation against this contract.
//
// Implementations must be safe for concurrent use.
type Adapter interface {
	// Open joins one namespace of this server to the cluster; rtkit calls
	// it once per namespace, from Server.Mount. local is how the adapter
	// acts on this server's sockets for the other servers, until the
	// namespace adapter is closed. Open must not wait for the network: an
	// adapter that cannot reach its peers yet keeps trying by itself and
	// says so in State. An error is a misconfiguration (Mount panics with
	// it).
	Open(ctx context.Context, namespace string, local LocalNamespace) (NamespaceAdapter, error)
	// State reports whether the adapter can reach the other servers now.
	State(ctx context.Context) AdapterState
	// Close releases the adapter's resources (connections, goroutines). The
	// server calls it last in Shutdown, after closing every namespace
	// adapter.
	Close(ctx context.Context) error
}

// AdapterState is an adapter's health as reported by Server.Health.
type AdapterState struct {
	// Name identifies the adapter ("memory", "redis-sharded", …).
	Name string `json:"name"`
	// Healthy is false while the adapter cannot deliver to other processes.
	Healthy bool `json:"healthy"`
	// Detail says what is wrong when Healthy is false.
	Detail string `json:"detail,omitempty"`
}

// Selection picks sockets of a namespace: those in any of Rooms (every
// socket when Rooms is empty) and in none of Except. A socket's id is a
// room.
type Selection struct {
	Rooms  []string
	Except []string
	// Logged marks an operation that rtkit servers sharing a delivery log
	// carry out from the log (an emit with recovery on, a disconnection
	// queued behind earlier emits): an rtkit server whose namespace reads
	// a shared log skips it when it arrives through the adapter, while
	// other servers (Node.js socket.io peers) carry it out. Adapters pass
	// it on to the other servers unchanged; peers that know nothing of it
	// must still carry out the operation.
	Logged bool
}

// Packet is an event packet. Args[0] is the event name (a string); the
// arguments after it are json.RawMessage (encoded JSON: rtkit's payloads),
// []byte (a binary attachment) or plain decoded values (string, float64,
// int64, bool, nil, map[string]any, []any) from peers that are not rtkit.
// A Packet handed to an adapter or to a LocalNamespace is never modified
// by the receiver.
type Packet struct {
	Args []any
}

// AckAnswer is one client's acknowledgement of a broadcast with
// acknowledgement (NamespaceAdapter.BroadcastWithAck).
type AckAnswer struct {
	// Socket is the id of the socket that answered; empty when the peer
	// does not say (Node.js servers).
	Socket string
	// Args are the client's acknowledgement arguments.
	Args []any
	// Gone reports that the socket disconnected before answering (Args is
	// empty); only rtkit peers say so.
	Gone bool
}

// RemoteSocket describes a socket of a server, as NamespaceAdapter.FetchSockets
// returns it (Node.js socket.io's fetchSockets: id, rooms and part of the
// handshake). Credentials (auth object, headers) are never included.
type RemoteSocket struct {
	// ID is the socket id.
	ID string
	// Rooms are the rooms the socket is in, without its own id room.
	Rooms []string
	// Address is the client's address as its server saw it.
	Address string
	// Query is the URL query of the client's handshake.
	Query url.Values
	// Connected is when the handshake happened.
	Connected time.Time
	// Transport is the socket's transport (Socket.Transport) and
	// ClientID names its connection (Socket.ClientID): what the Admin UI
	// shows of every server's sockets (package adminui).
	Transport Transport
	ClientID  string
}

// NamespaceAdapter is one namespace's link to the other servers. rtkit
// has done the local part of every operation before it calls one of these
// methods: they reach the OTHER servers only. An operation that cannot
// reach them (the network is down) returns an error at once or after a
// short bound, without blocking the caller for long; local delivery is
// never affected.
//
// Implementations must be safe for concurrent use.
type NamespaceAdapter interface {
	// Broadcast delivers p to the other servers' sockets that sel picks.
	Broadcast(ctx context.Context, p Packet, sel Selection) error
	// SocketsJoin makes the other servers' sockets that sel picks join
	// rooms; SocketsLeave makes them leave rooms.
	SocketsJoin(ctx context.Context, sel Selection, rooms []string) error
	SocketsLeave(ctx context.Context, sel Selection, rooms []string) error
	// DisconnectSockets disconnects the other servers' sockets that sel
	// picks from the namespace; with closeConn, their whole connection
	// closes.
	DisconnectSockets(ctx context.Context, sel Selection, closeConn bool) error
	// FetchSockets asks the other servers for the sockets sel picks.
	// Each server's answer is passed to onAnswer, one call at a time. It
	// returns the number of servers asked, once all of them answered or
	// when ctx ends, whichever comes first; onAnswer is never called
	// after it returns. The error says that the other servers could not
	// be asked; a server that does not answer in time is no error (the
	// caller compares the count of answers with the servers asked).
	FetchSockets(ctx context.Context, sel Selection, onAnswer func([]RemoteSocket)) (servers int, err error)
	// ServerSideEmit sends args (the event name first) to the namespace of
	// the other servers (Node.js's serverSideEmit). With onAnswer nil, it
	// returns once the message is sent, with the number of servers it
	// reached when the adapter knows it. With onAnswer set, it asks every
	// server for an acknowledgement (serverSideEmitWithAck) and behaves as
	// FetchSockets: each server's acknowledgement arguments are passed to
	// onAnswer until all answered or ctx ends.
	ServerSideEmit(ctx context.Context, args []any, onAnswer func(args []any)) (servers int, err error)
	// BroadcastWithAck delivers p, with an acknowledgement id, to the
	// other servers' sockets that sel picks. Each server first reports its
	// number of recipients to onCount, then each answer goes to onAnswer;
	// the calls are serialized, and none happens after it returns. It
	// returns the number of servers asked once every server counted and
	// every recipient answered, or when ctx ends.
	BroadcastWithAck(ctx context.Context, p Packet, sel Selection, onCount func(int), onAnswer func(AckAnswer)) (servers int, err error)
	// ServerCount returns the number of servers serving the namespace,
	// this one included.
	ServerCount(ctx context.Context) (int, error)
	// Close leaves the cluster: nothing reaches local afterwards.
	Close() error
}

// LocalNamespace is what other servers may ask of this server's namespace:
// rtkit implements it and passes it to Adapter.Open. Its methods act on
// this server's sockets only and are safe for concurrent use; Deliver,
// Join, Leave, Disconnect and Sockets return once done, ServerEvent and
// BroadcastWithAck return at once and answer later.
//
// Trust: servers of one cluster trust each other. Whatever reaches the
// adapter's transport (every client of the Redis prefix) counts as a
// server: a join asked by another server is a server-side join, which no
// room policy checks (like Rooms.Join). rtkit still validates what it can
// against the namespace's declarations: an acknowledged emit or a server
// event whose payload does not match its schema is refused.
type LocalNamespace interface {
	// Deliver writes p to the sockets sel picks. A Logged packet is
	// skipped when this namespace delivers from a shared delivery log
	// (the log brings it); packets of other servers are never logged here.
	Deliver(p Packet, sel Selection)
	// Join makes the sockets sel picks join rooms; Leave makes them leave
	// rooms.
	Join(sel Selection, rooms []string)
	Leave(sel Selection, rooms []string)
	// Disconnect disconnects the sockets sel picks (their clients see "io
	// server disconnect"); with closeConn, their connections close too.
	Disconnect(sel Selection, closeConn bool)
	// Sockets describes the sockets sel picks.
	Sockets(sel Selection) []RemoteSocket
	// ServerEvent runs the namespace's handler of args[0] (HandleServer)
	// with args[1] as its payload, until ctx ends. With ack non-nil, the
	// sender waits for an answer: ack gets it once (rtkit's answer is one
	// acknowledgement envelope, as for client events).
	ServerEvent(ctx context.Context, args []any, ack func(args []any))
	// BroadcastWithAck writes p with an acknowledgement id to the sockets
	// sel picks: onCount gets their number once, then onAnswer each
	// answer (or Gone) until ctx ends.
	BroadcastWithAck(ctx context.Context, p Packet, sel Selection, onCount func(int), onAnswer func(AckAnswer))
}

// NewMemoryAdapter returns the in-memory adapter, the default: it reaches
// no other server (one process), and every operation is local. It is safe
// for concurrent use.
func NewMemoryAdapter() Adapter { return memoryAdapter{} }

// clusterAdapter reports whether a may reach other servers: any adapter
// but the in-memory one.
func clusterAdapter(a Adapter) bool {
	_, memory := a.(memoryAdapter)
	return !memory
}

// memoryAdapter is the default: no other server.
type memoryAdapter struct{}

func (memoryAdapter) Open(context.Context, string, LocalNamespace) (NamespaceAdapter, error) {
	return soloNamespace{}, nil
}

func (memoryAdapter) State(context.Context) AdapterState {
	return AdapterState{Name: "memory", Healthy: true}
}
func (memoryAdapter) Close(context.Context) error { return nil }

// soloNamespace is a namespace adapter without other servers: every
// operation reaches nobody, and the server is alone.
type soloNamespace struct{}

func (soloNamespace) Broadcast(context.Context, Packet, Selection) error       { return nil }
func (soloNamespace) SocketsJoin(context.Context, Selection, []string) error   { return nil }
func (soloNamespace) SocketsLeave(context.Context, Selection, []string) error  { return nil }
func (soloNamespace) DisconnectSockets(context.Context, Selection, bool) error { return nil }
func (soloNamespace) ServerCount(context.Context) (int, error)                 { return 1, nil }
func (soloNamespace) Close() error                                             { return nil }
func (soloNamespace) FetchSockets(context.Context, Selection, func([]RemoteSocket)) (int, error) {
	return 0, nil
}
func (soloNamespace) ServerSideEmit(context.Context, []any, func([]any)) (int, error) {
	return 0, nil
}
func (soloNamespace) BroadcastWithAck(context.Context, Packet, Selection, func(int), func(AckAnswer)) (int, error) {
	return 0, nil
}
