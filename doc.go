/*
Package rtkit serves typed, validated Socket.IO namespaces.

One Go type per payload is the single source of truth: it gives handlers
their compile-time types, a JSON Schema that validates every incoming (and,
by default, outgoing) payload at run time, and the contract that
documentation generators read through [Server.Spec]. rtkit serves Socket.IO
protocol v5 (Engine.IO v4) on a server core of its own (see Server core) and
works with the official JavaScript client. Handlers never see `...any`:
types at the edge, a small untyped engine inside.

# Events

An event is a value that carries its name and both payload types, usually a
package-level variable shared by the code that handles it and the code that
emits it:

	type SendIn struct {
		Room string `json:"room" jsonschema:"minLength=1,maxLength=64"`
		Text string `json:"text" jsonschema:"minLength=1,maxLength=1000"`
	}
	type SendOut struct {
		ID int64 `json:"id"`
	}

	var MessageSend = rtkit.NewEvent[SendIn, SendOut]("message:send",
		rtkit.Summary("Post a message to a room"))
	var MessageNew = rtkit.NewEvent[Message, rtkit.NoAck]("message:new")

In is the payload, Out the acknowledgement; [NoAck] marks an event that is
never acknowledged. The same Event can be handled on one namespace and
emitted on another: the registration says which way it flows. [NewEvent]
panics on an empty, overlong or reserved name (connect, connect_error,
disconnect, disconnecting, error, newListener, removeListener).

Payload structs use json tags and the jsonschema tags of
github.com/invopop/jsonschema (minLength, maxLength, enum, minimum,
format=uuid, …). Schemas are reflected and compiled once, when the event is
first registered with [Handle] or [Emits]; registration panics with a
message naming the namespace and the event for anything wrong (a duplicate
name, a type that has no JSON Schema, registration after Mount). Nothing
panics per message. Objects refuse properties their struct does not declare;
time.Time must be RFC 3339; uuid.UUID and other encoding.TextMarshaler types
travel as strings; unsigned integers refuse negative numbers.

# Optional, nullable and zero values

A payload's schema admits exactly what encoding/json writes for its Go
type, so that a handler returning Go's zero values never fails its own
contract, and a client reads in the generated docs what it will receive:

  - A field is required unless its json tag says omitempty or omitzero
    (encoding/json then may leave it out). That is the only rule:
    jsonschema:"required" is refused, since a field Go sometimes omits
    cannot be required of the server. bool and number fields are required
    like any other; make them omitempty to let clients leave them out.
  - A pointer field without omitempty is required and nullable (Go writes
    nil as null; clients may send null). With omitempty it is optional and
    not nullable: nil is left out, and a client says "nothing" by leaving
    the field out, not with null. Pointer elements of lists and pointer
    values of maps are nullable.
  - A slice or map field is never null: rtkit sends a nil slice as [] and
    a nil map as {} (a nil []byte as ""), both in payloads and in
    acknowledgements, and refuses null from clients. With omitempty, an
    empty or nil one is left out.
  - jsonschema:"nullable" makes a non-pointer field accept null from
    clients too (it decodes to the zero value); Go never sends null for it.

Registration refuses, with a panic naming the namespace, the event and the
field, every struct tag rtkit would otherwise ignore without a word: the
tags of other validation libraries (validate:"…", binding:"…", huma-style
minLength:"…"), json options encoding/json does not know, misspelled or
misplaced jsonschema keys (minlength=3, or maxLength on a number), and
values of the wrong kind (minimum=abc, maxLength=-1, a pattern that does
not compile). Constraints still apply to zero values: a handler that
returns "" for a field with minLength=1 breaks its own contract, and its
client gets INTERNAL while the server logs which field was wrong.

# Handlers

[Handle] registers the handler of a client → server event on a namespace:

	ns := rtkit.NewNamespace("/chat")
	rtkit.Handle(ns, MessageSend, func(ctx context.Context, s *rtkit.Socket, in SendIn) (SendOut, error) {
		…
		return SendOut{ID: id}, nil
	})

The payload is validated against In's schema and decoded before the
handler runs; a payload that does not match never reaches it. The handler's
Out is validated too (unless [WithoutOutboundValidation] or
[WithOutboundValidation](false) turns that off): an acknowledgement that
breaks its own contract is logged and answered with INTERNAL. ctx is the
socket's context ([Socket.Context]): it carries what connection middleware
added and is cancelled when the socket disconnects.

To answer with a specific code, return an [*Error] ([NewError], [Errorf]);
its message is sent as is. Any other error, a panic, and even an *Error
with [CodeInternal] reach the client as INTERNAL with the generic message
"internal server error"; their text is logged, never sent.

# Wire conventions

Every acknowledged event is answered with an envelope:

	{"success": true, "data": <Out>}
	{"success": false, "error": {"code": "FORBIDDEN", "message": "…", "details": [...]}}

An event whose Out is NoAck is answered with {"success": true} when the
client still sent an acknowledgement callback. When the client sent no
callback, success is silent and a failure is reported with the server →
client event "error", which names the failed event:

	{"code": "VALIDATION_ERROR", "message": "invalid payload", "event": "message:send", "details": [...]}

Error codes are strings that clients switch on ([Code]); applications may
declare their own next to rtkit's: VALIDATION_ERROR, UNAUTHORIZED,
FORBIDDEN, NOT_FOUND, RATE_LIMITED, UNKNOWN_EVENT, TIMEOUT, UNAVAILABLE and
INTERNAL. VALIDATION_ERROR lists the offending fields in details, as JSON
Pointers into the payload (at most 20):

	"details": [{"path": "/room", "message": "minLength: got 0, want 1"}]

RATE_LIMITED carries retryAfterMs next to code and message when the
[Error] sets RetryAfter. A payload sent as more than one argument, nested
deeper than 32 levels or carrying binary attachments where its type has no
[Binary] is a VALIDATION_ERROR too. An event no handler is registered for is answered with UNKNOWN_EVENT
(after event middleware has run), never silently dropped; reserved names
can never be handled. Events that arrive while the server shuts down are
answered with UNAVAILABLE.

A refused connection reaches the client as connect_error with a message and
a data object that always holds the code:

	{"message": "invalid token", "data": {"code": "UNAUTHORIZED"}}

While connection state recovery is on (the default), every server → client
event sent with [Emit] carries an offset string after its payload (see
Connection state recovery); clients must read the payload from the first
argument and ignore what follows.

# Emits

A server → client event is declared on a namespace with [Emits], for the
docs and for validation, then sent with [Emit] to a [Target]: a [*Socket],
a [*Namespace] (every socket connected to it) or rooms selected with
[Namespace.To] and [Rooms.Except]:

	rtkit.Emits(ns, MessageNew)
	…
	err := rtkit.Emit(ns.To("room:"+in.Room), MessageNew, msg)

Emit validates and encodes the payload once, whatever the number of
recipients, and sends nothing when that fails; it also refuses an event not
declared on the target's namespace ([ErrNotDeclared]), a namespace that is
not mounted ([ErrNotMounted]) and a server that is shut down
([ErrServerClosed]). Emit is safe for concurrent use.

[EmitWithAck] sends to one socket and waits for the client's typed answer,
validated against Out. It always waits under a deadline: the context's, or
the server's acknowledgement timeout ([WithAckTimeout], 10 s by default)
when the context has none; the deadline ends in a TIMEOUT *Error, a
disconnect in [ErrDisconnected]. A handler may call it on its own socket:
the client's answer is processed while the handler waits.

# Rooms

A socket joins rooms only through the namespace's room policies.
[WithRoom] declares one: a pattern of ':'-separated segments made of
literals, named parameters such as {userId} and a final "*", with an
authorizer that receives the parameters:

	ns := rtkit.NewNamespace("/chat",
		rtkit.WithRoom("room:{name}", rtkit.Anyone),
		rtkit.WithRoom("user:{userId}", func(ctx context.Context, s *rtkit.Socket, p rtkit.RoomParams) error {
			if p["userId"] != userFrom(ctx) {
				return rtkit.NewError(rtkit.CodeForbidden, "not your room")
			}
			return nil
		}),
		rtkit.AutoJoin(func(ctx context.Context, s *rtkit.Socket) []string {
			return []string{"user:" + userFrom(ctx)}
		}))

[Socket.Join] checks the policies: the first matching pattern decides; a
room that matches none, or another socket's own id room, is FORBIDDEN.
[AutoJoin] makes every connecting socket join rooms after connection
middleware has run, each through its policy; a refused room is logged and
skipped. When a socket recovers its session, rtkit runs the policies again
and leaves every room they no longer allow. Room policies appear in
[Server.Spec].

# Middleware

Connection middleware ([ConnectFunc], added with [WithConnectFunc]) runs at
handshake, before the socket connects. It returns the context the socket's
handlers will see (add the authenticated principal to it) or an error that
refuses the connection with connect_error; it runs again when a socket
recovers its session.

Event middleware ([Middleware], added with [WithMiddleware]) wraps the
untyped [HandlerFunc] of every event of a namespace, declared or not. It
sees the [Request] before the payload is validated, so that cheap checks
(rate limits, permissions) run before expensive ones, and may answer on its
own by returning an error without calling next. [WithMiddleware](a, b)
runs a, then b. [EventInfo.Value] reads what an event carries from
[WithValue].

Both are [Option] values: given to [NewNamespace] they apply to that
namespace; given to [NewServer] they apply to every namespace the server
mounts, and run before the namespace's own. [OnConnect] and [OnDisconnect]
add hooks the same way, and so does [OnSocketChange], told of the rooms a
socket joins and leaves (whoever asked: room policies, [Rooms] here or on
another server, disconnection), its transport upgrade and the events sent
to it — what a monitoring tool such as package adminui shows live.

# Server lifecycle

[NewServer] creates a server, [Server.Mount] serves namespaces on it, and
[Server.Handler] is the http.Handler of the Socket.IO endpoint, to mount on
any mux at [Server.Path] ("/socket.io/" by default):

	srv := rtkit.NewServer(rtkit.WithCORS("https://app.example"))
	srv.Mount(ns)
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	hs := &http.Server{Addr: ":3000", Handler: mux}

Namespaces are built completely (Handle, Emits, options) before Mount;
Mount panics on a namespace mounted twice or a duplicate name.

The handler refuses JSONP polling, and any request a browser sends from an
origin that is neither the server's own nor one of [WithCORS]'s (Sec-Fetch-Site,
Origin), before the engine sees it: such requests carry the victim's cookies
without CORS ever asking the server (docs/security.md).

[Server.Shutdown] must run before http.Server.Shutdown: websocket
connections are hijacked and invisible to the http.Server. It refuses new
connections, answers new events with UNAVAILABLE, lets running handlers
finish until ctx ends, disconnects sockets in batches (so that clients do
not all reconnect at the same instant), closes the Socket.IO server and
finally the [Adapter]:

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx) // first
	_ = hs.Shutdown(ctx)  // then

[Server.Health] reports connected sockets per namespace, the adapter's
state, running and overdue handlers, the sockets' queues, and a status
("ok", "degraded", "shutting_down") for health endpoints. [Server.Spec] returns the whole contract (namespaces, events
with direction and JSON Schemas, room policies, error codes) as plain data
that encodes to JSON, for documentation generators.

# Several servers

With an [Adapter] that reaches other processes (package adapter: Redis or
Redis Cluster), emits to rooms and namespaces reach their sockets on every
server, and so do [Rooms.Join], [Rooms.Leave] and [Rooms.Disconnect].
Operations that gather answers from every server wait under a deadline
(the context's, or the server's acknowledgement timeout):

	acks, err := rtkit.EmitWithAcks(ctx, ns.To("team"), Poll, PollIn{…}) // []rtkit.Ack[PollOut]
	n, err := ns.To("document:42").Count(ctx)
	sockets, err := ns.To().Fetch(ctx) // []rtkit.SocketInfo
	answers, err := rtkit.EmitServers(ctx, ns, ReloadConfig, ReloadIn{…})

When a server does not answer in time they return what arrived with a
TIMEOUT [*Error]. [HandleServer] registers the handler a server event
([EmitServers]) runs on the other servers; payloads and answers are
validated against the event's types, as for clients. With the in-memory
adapter, they see this server only.

An adapter implements rtkit's own interface, in rtkit's terms: [Adapter]
opens a [NamespaceAdapter] per namespace, which reaches the other servers
(broadcasts, room operations, socket listings, server events, broadcasts
with acknowledgement: the operations of Node.js socket.io's adapters), and
gets their requests back through the [LocalNamespace] rtkit gives it.
rtkit always does the local part itself. The servers of a cluster trust
each other: another server's join is a server-side join, which no room
policy checks, while acknowledged emits and server events of other servers
are validated against the namespace's declarations. Package adaptertest is
the conformance suite of an adapter, package logtest that of a
[DeliveryLog].

With connection state recovery on, every rtkit server of the cluster
delivers emits from the shared delivery log; the adapter carries a copy
marked [Selection].Logged, which rtkit servers reading that log skip and
other peers (Node.js servers) deliver. Behind a cluster adapter without a
shared log, recovery is off and [NewServer] says so in the log.

# Binary payloads

A field of type [Binary] (or *Binary, []Binary, map[string]Binary, or a
payload that is a Binary) travels as a Socket.IO binary attachment, in both
directions: client → server payloads and acknowledgements, emits,
broadcasts, EmitWithAck answers. socket.io-client sends an ArrayBuffer or
any typed array (a Buffer in Node), and delivers a Buffer in Node and an
ArrayBuffer in browsers; the generated TypeScript types a Binary as
ArrayBuffer | Uint8Array, which fits both. A plain []byte keeps its
encoding/json meaning, a base64 string.

	type Avatar struct {
		UserID string       `json:"userId" jsonschema:"format=uuid"`
		Type   string       `json:"type" jsonschema:"enum=image/png,enum=image/jpeg"`
		Image  rtkit.Binary `json:"image"`
	}
	var SetAvatar = rtkit.NewEvent[Avatar, rtkit.NoAck]("avatar:set", rtkit.MaxBinarySize(256<<10))

Incoming attachments are checked before the JSON Schema sees the rest:
each must sit where the type has a Binary (a string there, or an
attachment anywhere else, is a VALIDATION_ERROR naming the field), at most
[MaxBinaryValues] of them, at most [MaxBinarySize] bytes in total
([DefaultMaxBinarySize], 1 MiB, unless the event says otherwise) — counted
at each placeholder, so one attachment referenced twice counts twice. What
breaks the Socket.IO protocol itself (a placeholder that numbers no
attachment, more than 10 attachments announced, one message beyond
[WithMaxPayload]) closes that connection, as the reference server does.
Outgoing values are held to the same limits; a value beyond them is
refused like any value that breaks its contract.

The schemas mark a Binary as {"type": "string", "format": "binary",
"contentMediaType": "application/octet-stream", "x-rtkit-binary": true}, and
EventSpec.MaxBinarySize carries the limit (x-rtkit-max-binary-size on the
AsyncAPI messages). Everywhere rtkit handles JSON rather than Socket.IO
packets — the delivery log, server-to-server events ([HandleServer]),
[Event.ValidatePayload] — a Binary is what encoding/json makes of a []byte,
a base64 string: recovery replays a missed binary emit with its
attachments, from its JSON form in the log (a third larger than the
bytes). Behind an [Adapter], broadcasts and [EmitWithAcks] reach the other
servers' sockets with their attachments (package adapter carries them as
binary). A [Publisher] carries JSON only, so it refuses events with Binary
values, and so does Emit behind a legacy cluster adapter of the zishang520
core unless recovery's shared delivery log carries the broadcast: emit
from a server, or keep the bytes behind a URL.

# Untyped events

Typed events refuse, on purpose, what Socket.IO itself allows: several
arguments, binary attachments outside [Binary] fields, acknowledgements
with any arguments. Clients
being migrated, and checks of the protocol itself, need them: [HandleRaw]
handles an event untyped (event middleware still runs first), [EmitRaw] and
[EmitRawWithAck] send one. Their arguments are what encoding/json makes of
the JSON, with []byte for binary attachments. Raw events have no schema, no
validation, no envelope, no place in [Server.Spec], and are never logged for
recovery.

# Server core

rtkit serves Socket.IO on a core of its own (Engine.IO v4 and Socket.IO v5,
internal packages): no goroutine per idle websocket connection on Linux
(an epoll poller starts a reader when data arrives), one elsewhere, no writer
goroutines, timers that are not goroutines, a broadcast encoded once and
written with one system call per recipient. An event that finds its
socket's queue empty runs on the connection's reader, without a hand-off to
another goroutine; the reading passes to a new goroutine if its handler
waits for the client or runs longer than a millisecond. The heartbeat is
Socket.IO's usual 25 s / 20 s ([WithPing]).

# Observability

[WithObserver] sets an [Observer]: the server reports handshakes, events
(with their result code, duration and queue depth), emits, acknowledgement
waits, recovery replays and resyncs, writes towards other processes and the
bytes on the wire. Package otelrtkit implements it with OpenTelemetry
metrics and traces. Without an Observer the server pays a nil check per
hook and allocates nothing for it.

A handler that passes its ctx to [EmitContext] (rather than [Emit]) has the
emit observed as part of its event: otelrtkit records it under the
handler's span.

Clients may send a W3C trace context: in the handshake auth object
({traceparent, tracestate}), or with one event as a trailing argument after
the payload, socket.emit("doc:save", payload, {traceparent}, ack). rtkit
takes that argument (an object holding a "traceparent" string, optionally a
"tracestate" string, and nothing else) off the event's arguments, with or
without an Observer, and hands it to the Observer as
[EventObservation].Traceparent; handlers and middleware never see it.

# Concurrency

Events of one socket are handled one at a time, in arrival order: event
middleware and handlers of a socket never run concurrently with each
other, while different sockets run in parallel. [OnConnect] hooks run on
the same queue, before the socket's first event. [OnDisconnect] hooks do
not: they may run while a handler of the same socket is still executing,
whose context is then already cancelled; events still waiting are dropped.

The queue of a socket is bounded ([WithMaxPending], 256 by default): an
event that arrives while the queue is full is answered at once with
RATE_LIMITED and retryAfterMs, without being queued. [WithMaxConcurrentHandlers]
bounds the handlers running at the same time across the server the same
way.

# Handler deadlines

Every handler, its event middleware included, runs under a deadline
counted from when it starts: the server's ([WithHandlerTimeout], 30 s by
default) or its event's ([HandlerTimeout], which may also turn it off for
one event). The handler's context carries it. At the deadline:

  - the handler's context is cancelled, with [ErrHandlerTimeout] as its
    cause (its Err is context.DeadlineExceeded; contexts derived from it
    report context.Canceled, with the same cause);
  - the client gets TIMEOUT, in the acknowledgement envelope or, without
    one, as the "error" event; a handler that returns its context's error
    after the deadline answers TIMEOUT too, never INTERNAL;
  - the handler's slot of [WithMaxConcurrentHandlers] is freed, so that
    handlers that hang cannot make every socket RATE_LIMITED;
  - a handler that ignores its context, still running 50 ms after its
    deadline, is "overdue": the socket's next events run at once, on
    another goroutine, while the handler keeps its own until it returns.
    Its result, once it returns, is dropped and logged (a warning with how
    late it was).

Go cannot stop a goroutine, so overdue handlers are bounded instead, so
that a client that found a handler that hangs cannot grow the server's
goroutines:

  - per socket, 2: a socket whose handler passes its deadline while two of
    its handlers are already overdue is disconnected (after its TIMEOUT)
    instead of going on;
  - per event, [WithMaxOverdueHandlers] (100 by default) across the
    server: while an event has that many, it is refused at once with
    UNAVAILABLE without running its handler; other events are served.

A handler still running when its socket disconnects is cancelled at once
and, if it has not returned 50 ms later, is overdue: a client cannot open
socket after socket, trigger a handler that hangs and leave, without
meeting these bounds long before the deadline. [Server.Health] reports
running and overdue handlers and the sockets' queues, and says "degraded"
while any handler is overdue or while 1024 events or more wait in the
sockets' queues. [Server.Shutdown] waits for overdue handlers like the
others, until its own context ends. [EmitWithAck] is not affected: inside
a handler it waits at most its own deadline or the acknowledgement
timeout ([WithAckTimeout]), whichever comes first, and never past the
handler's.

[Emit], [EmitWithAck], [Socket.Join], [Socket.Leave] and the other methods
of [Socket] and [Server] are safe for concurrent use. Registration
([Handle], [Emits], options) is not, and must finish before Mount.

# Connection state recovery

Connection state recovery is on by default ([WithRecovery], 2 minutes): a
client that lost its connection (a phone changing networks) and comes back
in time gets the same socket id and rooms, and exactly the events it missed:
in order, each once, after its connection middleware (authentication) and
the room policies have run again — a revoked session gets nothing, a room
the policy no longer allows is neither rejoined nor replayed.
[Socket.Recovered] reports it. The official client needs nothing more than
its default connection state recovery support.

A saved session belongs to the identity of the socket that left it: the
key its connection middleware stated with [Socket.SetIdentity] (package
auth states the principal's user id). A client that presents another
identity's private session id (stolen from a browser or a log) gets a fresh
session, as if the id were unknown (an "rtkit:resync" with unknown_session,
a new socket id, none of the owner's rooms or events), and the saved session
stays recoverable by its owner. For this the connection middleware runs
once with the saved socket id and, when the identity differs, once more
with the fresh one. Without middleware stating an identity, every identity
is empty and recovery works as before.

rtkit keeps its own delivery log for this ([WithDeliveryLog]): the memory
log by default (one process), or package redislog (Redis Streams) so that
a client that reconnects to another server gets the same guarantee. Every
event sent with [Emit] goes through it, in one order per namespace, and is
kept for the window (time and count). Events declared with [NotReplayable]
(typing indicators) are delivered in that order but never replayed. Events
with an acknowledgement ([EmitWithAck]) are not logged.

When the server cannot replay exactly what was missed (the client was away
longer than the log keeps events, its session expired or is unknown, or
the log failed), the socket connects as a new one and receives
[ResyncEvent] ("rtkit:resync", {"reason": "window_exceeded"} or
{"reason": "unknown_session"}) before any other event: the application
fetches the current state from its API. A gap is never silent.

Wire details, for client authors:

  - With recovery on, the server's CONNECT packet carries a private session
    id, pid: {"sid": "…", "pid": "…"}.
  - Every logged event carries its offset, a string, as the last argument
    after the payload: ["note:new", {…}, "<offset>"]. Offsets are opaque
    (memory log: "<log id>-<sequence>"; redislog: a stream id). A
    [NotReplayable] event carries none; if its payload is a JSON string a
    null follows it, so that the client does not mistake it for an offset.
  - "rtkit:offset" with the offset as its only argument moves the client's
    offset without an event: after a replay, and to connected clients a
    few times per window when events went to other rooms, so that a client
    that received nothing for a while still holds an offset the log keeps.
  - The client reconnects with {"pid": "…", "offset": "<last offset>"} in
    its CONNECT auth (socket.io-client merges them into auth), and reads
    socket.recovered from the answer. A client that never received an
    offset cannot be recovered and is told to resync.
  - "rtkit:resync" carries the offset the client resumes from.

[Server.Spec] says all of this to the generators: with recovery on it has
[Spec].Recovery, declares "rtkit:resync" ([ResyncEvent]) and "rtkit:offset"
([OffsetEvent]) on every namespace, and sets [EventSpec].Offset on the
events that carry the trailing offset, so that the TypeScript, AsyncAPI
and Markdown output types and explains them.

Known limit of the official client (socket.io-client 4.8): over
long-polling, a poll response that arrives after the client itself closed
its engine (socket.io.engine.close()) is buffered and emitted on the next
connection, after that connection's CONNECT carried the older offset, so
those events arrive twice. A connection lost to the network, or one using
websocket, does not show it; applications that close the engine
themselves can drop events whose offset they have already seen.

A client that reconnects before its server noticed the lost connection
(no close frame, detected by the ping timeout) finds no saved session and
is told to resync; rtkit waits a moment for the session before concluding.

With package redislog, a server that shuts down ([Server.Shutdown], on
SIGTERM in a rolling deployment) saves its sockets' sessions as it closes
them: their clients reconnect to another server and recover there. A
server that is killed saves nothing: its clients are told to resync.
*/
package rtkit
