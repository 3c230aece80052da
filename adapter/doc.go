// Package adapter provides the adapters that connect an rtkit server to
// the other servers of a deployment (rtkit.Adapter), and an emitter for
// processes that run no server (rtkit.Publisher).
//
// # Choosing an adapter
//
// Memory keeps everything in one process; it is the default. Redis (or
// FromURL, for the REDIS_URL convention) connects every server of an
// application through Redis, so that a typed emit on any server reaches the
// matching sockets on all of them:
//
//	a, err := adapter.FromURL(os.Getenv("REDIS_URL"), adapter.Options{Prefix: "myapp"})
//	srv := rtkit.NewServer(rtkit.WithAdapter(a))
//
// Add package redislog's delivery log for connection state recovery across
// servers: rtkit.WithDeliveryLog(redislog.New(client, redislog.Options{})).
//
// # One protocol with Node.js socket.io
//
// The Redis adapter speaks the protocol of the official Node.js packages,
// so that rtkit servers and Node.js socket.io 4.8 servers can serve one
// application side by side (a migration, a team with both stacks):
//
//   - by default, @socket.io/redis-adapter 8.3's sharded adapter
//     (createShardedAdapter with subscriptionMode "static"): sharded
//     Pub/Sub (SPUBLISH/SSUBSCRIBE), Redis 7 or newer, Redis Cluster
//     supported. Node's default subscription mode, "dynamic", publishes
//     an emit to a single room on a channel of that room, which rtkit does
//     not subscribe to (its subscriptions do not grow with rooms): give
//     Node's servers subscriptionMode "static";
//   - with Options.Classic, its classic adapter (createAdapter): classic
//     Pub/Sub, any Redis;
//   - @socket.io/redis-emitter 5 (which publishes with classic Pub/Sub):
//     its emits, joins, leaves, disconnections and server-side events
//     reach rtkit's sockets in both modes.
//
// Every operation crosses in both directions: broadcasts to rooms, to
// several rooms, to the whole namespace, with except rooms;
// fetchSockets; socketsJoin, socketsLeave and disconnectSockets;
// serverSideEmit, with acknowledgements; broadcasts with
// acknowledgements and their timeout. The tests run each of them against a
// real Node.js server on a real redis-server, sharded (also on a Redis
// Cluster) and classic, and read what the Node packages publish byte for
// byte.
//
// # Where rtkit's typed semantics meet untyped Node peers
//
// rtkit validates what its own servers emit against the namespace's
// declarations, before anything is published. What a Node server
// broadcasts is not validated: Node has no declarations, and rtkit
// delivers its broadcasts to rtkit's sockets as they came (transiently:
// not stored in a delivery log, without a recovery offset). An rtkit
// client that depends on a payload's shape must therefore only share a
// namespace with Node servers that emit that shape. What rtkit can check,
// it does: a server-side event from Node runs the HandleServer handler of
// its name only if its payload matches the handler's type, and an
// acknowledgement from a Node client reaches rtkit's EmitWithAcks only if
// it decodes into the acknowledgement's type (otherwise it counts as a
// bad answer, as from any client).
//
// Numbers: rtkit sends payloads as MessagePack, keeping 64-bit integers
// exact between rtkit servers. Node reads every number as a float64, so an
// integer beyond 2^53 reaches a Node server's clients rounded, as it would
// from a Node emit. Binary attachments cross as binary both ways.
//
// rtkit's answers have rtkit's shapes: a server-side event answered by an
// rtkit server gives Node its acknowledgement envelope
// ({"success":true,"data":…}); fetchSockets gives Node each rtkit socket's
// id, rooms and handshake address, query and time, with no credentials
// (empty headers and auth) and empty data.
//
// # Trust model
//
// The servers that share a Redis prefix trust each other: whatever can
// publish on the prefix's channels counts as a server. A socketsJoin from
// a Node server (or from an emitter) is a server-side join, like
// Rooms.Join on an rtkit server: no room policy checks it. A
// disconnectSockets from a peer disconnects rtkit's sockets, and a
// broadcast from a peer reaches them. Keep Redis reachable by the
// application's servers only (network, ACL user per application), and give
// each application its own prefix.
//
// Malformed messages (from a buggy or hostile publisher) are dropped
// without stopping anything: the decoder refuses lengths beyond the
// message, nesting deeper than 256 levels and types no Node package
// writes, and a publisher cannot forge binary attachments.
//
// # Connections
//
// Subscriptions are static: a namespace's sharded subscriptions are its
// channel (PREFIX#NSP#) and this server's response channel
// (PREFIX#NSP#UID#), on two Pub/Sub connections (Redis Cluster may place
// them on different nodes), plus one classic subscription for emitters
// (PREFIX#NSP#* and PREFIX-request#NSP#); classic mode holds all of its
// subscriptions on one connection. None of this grows with rooms: the
// tests count the connections of two servers with sockets in 1 and in
// 10,000 rooms.
//
// # Cluster operations
//
// rtkit.Rooms.Join, Leave and Disconnect reach the selected sockets on
// every server: this is how a revocation decided on one server
// disconnects a user's sockets on all of them. The operations that gather
// answers (rtkit.EmitWithAcks, Rooms.Count and Rooms.Fetch, server events)
// ask every server, Node's included. The number of servers expected to
// answer is what SPUBLISH (or PUBLISH) returns for the request, minus this
// one: there is no membership list to go stale; a server that stops is no
// longer counted, and one that hangs makes the operation end at its
// deadline with what the others answered.
//
// # Outages
//
// While Redis is unreachable, or reachable but not answering (a process
// stopped or overloaded, DEBUG SLEEP, CLIENT PAUSE: connections are
// accepted and nothing comes back), local delivery is unaffected: an emit
// reaches this server's sockets at once and blocks at most
// Options.Timeout; publishes fail fast (ErrUnavailable) for 250 ms after a
// failure. A command that outlives Options.Timeout is a failure too, even
// with Redis healthy and this process merely too starved of CPU to read the
// answer in time: keep the timeout above the process's worst scheduling
// delay, or such a stall drops broadcasts across servers. go-redis
// restores the subscriptions, waiting between attempts (no busy loop);
// errors are logged at most once a second; State, hence Server.Health,
// reports the outage. Delivery across servers resumes by
// itself when Redis is back. What is published meanwhile is lost for the
// other servers (Pub/Sub stores nothing): with package redislog as the
// delivery log, recovering clients get what they missed.
//
// With Options.Pipeline, an emit never waits for Redis: its broadcast is
// queued and published with the ones after it as one pipeline (as Node's
// adapter does), so a failure to publish it is logged and shown by State
// but not returned; at most 4096 publications wait, and beyond that, or
// while the outage is known, broadcasts fail at once. Bursts of
// broadcasts then cost both servers far less CPU per delivered message
// (docs/performance.md).
//
// A Redis that hangs needs the bound to come from the client's socket
// deadlines: go-redis sets them from a command's context only for a client
// created with ContextTimeoutEnabled, and otherwise waits for its own
// ReadTimeout (5 s by default). FromURL creates its client that way; give
// Redis and NewEmitter such a client too:
//
//	opt, err := redis.ParseURL(os.Getenv("REDIS_URL"))
//	if err != nil { … }
//	opt.ContextTimeoutEnabled = true
//	a := adapter.Redis(redis.NewClient(opt), adapter.Options{})
//
// The adapter keeps Options.Timeout with any other client as well, by no
// longer waiting for a command at its deadline, but that command stays on
// its connection until the client's ReadTimeout, and Redis may still carry
// it out if it resumes meanwhile: a broadcast reported as failed then
// reaches the other servers late. With ContextTimeoutEnabled the connection
// is closed at the deadline, and a command Redis had not read is dropped
// with it.
//
// go-redis writes its own dial errors to the standard logger; silence them
// in main with redis.SetLogger if they are unwanted.
//
// # Redis Cluster
//
// Give Redis a *redis.ClusterClient, or FromURL a URL with addr
// parameters. Leave the client's ReadOnly option off: it would subscribe
// on replicas, whose subscribers SPUBLISH does not count.
//
// # Emitting from other processes
//
// NewEmitter returns an rtkit.Publisher over Redis: declare the namespace
// as the servers do (share the declaring code), and emit through it with
// rtkit.Emit(ns.Via(em).To("room"), ev, payload). The payload is validated
// against the namespace's contract before anything is published; Node
// servers receive it too.
package adapter
