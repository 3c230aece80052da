// Package adapter provides the adapters that carry an rtkit server's
// broadcasts (rtkit.Adapter) and an emitter for processes that run no
// server (rtkit.Publisher).
//
// # Choosing an adapter
//
// Memory keeps everything in one process; it is the default, and recovery
// works with rtkit's in-memory delivery log. Redis (or FromURL, for the
// REDIS_URL convention) connects every rtkit server of an application
// through Redis, so that a typed emit on any server reaches the matching
// sockets on all of them:
//
//	a, err := adapter.FromURL(os.Getenv("REDIS_URL"), adapter.Options{Prefix: "myapp"})
//	srv := rtkit.NewServer(rtkit.WithAdapter(a))
//
// Add package redislog's delivery log for connection state recovery across
// servers: rtkit.WithDeliveryLog(redislog.New(client, redislog.Options{})).
//
// The Redis adapter is github.com/zishang520/socket.io/adapters/redis/v3's
// sharded adapter (SPUBLISH/SSUBSCRIBE, Redis 7 or newer, Redis Cluster
// supported) in static subscription mode, with rtkit's corrections:
//
//   - Static subscriptions: two Pub/Sub connections per namespace and
//     server, plus one per server for the cluster operations, whatever
//     the number of rooms. (The upstream default, dynamic
//     mode, opens one connection per room; the classic adapter does not
//     deliver broadcasts to a whole namespace or to several rooms across
//     servers; the streams adapter is broken with its defaults.)
//   - Payloads cross servers exactly. Upstream encodes broadcasts as JSON
//     and decodes every number into a float64 (an int64 beyond 2^53
//     arrives changed); the upstream emitter encodes a json.RawMessage as
//     MessagePack binary. This package sends rtkit payloads as MessagePack
//     with integers kept as integers, which the upstream receivers accept:
//     clients on every server receive the same JSON text.
//   - Outages: the upstream receive loops retry at once and spin on a down
//     Redis (measured: 1.4 CPU cores with two servers); here they wait
//     250 ms between attempts (measured: under 1 % of one core). Each
//     Redis command is bounded by Options.Timeout, and publishes fail fast
//     for 250 ms after a failure: an emit delivers to this process's
//     sockets at once and blocks at most Options.Timeout. Errors are
//     logged at most once a second. State, hence Server.Health, reports
//     the outage. When Redis returns, the subscriptions are restored by
//     go-redis and delivery across servers resumes by itself.
//
// # Cluster operations
//
// rtkit.Rooms.Join, Leave and Disconnect (ns.To(rooms...).Disconnect(), say)
// reach the selected sockets on every server through the adapter: this is
// how a revocation decided on one server disconnects a user's sockets on
// all of them.
//
// The operations that gather answers from every server also cover the
// whole deployment: rtkit.EmitWithAcks (the acknowledgements of every
// socket of a room, with a deadline), Rooms.Count and Rooms.Fetch, and
// server events (rtkit.HandleServer, rtkit.EmitServers). They do not use
// the upstream adapter's request path (see the limits below): Sharded is
// an rtkit.ServerLink, and the servers ask each other over two sharded
// Pub/Sub channels per server, whatever the number of namespaces and
// rooms, in one slot of a Redis Cluster (hash tag {PREFIX}), hence one
// more Pub/Sub connection per server:
//
//   - {PREFIX}#rtkit#req#, to which every server subscribes and where
//     requests are published;
//   - {PREFIX}#rtkit#res#ID#, where server ID receives the answers to its
//     requests.
//
// The number of servers expected to answer is what SPUBLISH returns for the
// request (the subscribers that received it), so there is no membership
// list to go stale: a server takes part once rtkit.NewServer has returned
// (it waits up to Options.Timeout for the subscription), one that stops is
// no longer counted, and one that receives a request and hangs makes the
// operation end at its deadline with a TIMEOUT error and what the others
// answered. Measured between a
// server and a node process on one local redis-server, on a shared 2-core
// machine: 0.4 to 0.8 ms for an acknowledgement round trip, 0.22 to
// 0.24 ms for a Count (BenchmarkCrossProcessGather).
//
// # Redis Cluster
//
// Give Redis a *redis.ClusterClient, or FromURL a URL with addr
// parameters. The tests run two servers against a Redis Cluster of three
// primaries: broadcasts, acknowledgements and counts cross servers through
// it, and each server holds the same number of Redis connections (7 or 8
// over the three nodes, with one namespace) with sockets in 1 room or in
// 1,000 rooms. Leave the
// client's ReadOnly option off: it would subscribe on replicas, whose
// subscribers SPUBLISH does not count, and gathering operations would
// return before those servers answered.
//
// # Limits rtkit cannot fix
//
// These come from Redis Pub/Sub or from the upstream adapter, and hold for
// every server of a Redis deployment:
//
//   - Delivery through the adapter is at most once. What is published
//     while Redis is down, or while a server is disconnected from it, is
//     lost for the other servers (Pub/Sub stores nothing); local sockets
//     are not affected. With package redislog as the server's delivery log
//     (rtkit.WithDeliveryLog), events travel through a Redis Stream that
//     every server reads instead, and recovering clients get what they
//     missed.
//     Gathering operations then see this server only and return an error
//     wrapping ErrUnavailable; a server whose subscriptions go-redis is
//     restoring after an outage is neither counted nor asked.
//   - Connection state recovery needs a delivery log every server shares:
//     the sharded adapter stores nothing. Behind this adapter, rtkit turns
//     recovery on only with package redislog (rtkit.WithDeliveryLog);
//     without it, recovery is off and a warning says so.
//   - The upstream request path stays broken for code that uses the
//     Socket.IO server directly, outside rtkit's API: the upstream cluster
//     adapter (v3.0.2) counts servers with its base method, which always
//     says 1, so its FetchSockets and server-side emit with acknowledgement
//     see this server only, and its broadcast with acknowledgement has a
//     data race (a packet id written while a timer reads it). rtkit's API
//     never calls them.
//   - Binary attachments ([]byte) in broadcasts made outside rtkit cross
//     servers as base64 strings, as upstream sends them.
//   - go-redis writes its own dial errors to the standard logger
//     ("redis: connection pool: failed to dial"); silence them in main
//     with redis.SetLogger if they are unwanted. This package does not
//     change that global setting.
//
// # Emitting from other processes
//
// NewEmitter returns an rtkit.Publisher over Redis: declare the namespace
// as the servers do (share the declaring code), and emit through it with
// rtkit.Emit(ns.Via(em).To("room"), ev, payload). The payload is validated
// against the namespace's contract before anything is published.
package adapter
