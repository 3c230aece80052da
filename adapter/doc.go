// Package adapter provides the adapters that carry an rtkit server's
// broadcasts (rtkit.Adapter) and an emitter for processes that run no
// server (rtkit.Publisher).
//
// # Choosing an adapter
//
// Memory keeps everything in one process; it is the default and the only
// adapter with connection state recovery. Redis (or FromURL, for the
// REDIS_URL convention) connects every rtkit server of an application
// through Redis, so that a typed emit on any server reaches the matching
// sockets on all of them:
//
//	a, err := adapter.FromURL(os.Getenv("REDIS_URL"), adapter.Options{Prefix: "myapp"})
//	srv := rtkit.NewServer(rtkit.WithAdapter(a))
//
// The Redis adapter is github.com/zishang520/socket.io/adapters/redis/v3's
// sharded adapter (SPUBLISH/SSUBSCRIBE, Redis 7 or newer, Redis Cluster
// supported) in static subscription mode, with rtkit's corrections:
//
//   - Static subscriptions: two Pub/Sub connections per namespace and
//     server, whatever the number of rooms. (The upstream default, dynamic
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
// # Limits rtkit cannot fix
//
// These come from Redis Pub/Sub or from the upstream adapter, and hold for
// every server of a Redis deployment:
//
//   - Delivery is at most once. What is published while Redis is down, or
//     while a server is disconnected from it, is lost for the other
//     servers (Pub/Sub stores nothing); local sockets are not affected.
//   - No connection state recovery through Redis: the sharded adapter does
//     not store broadcasts, so a client that reconnects (to any server)
//     does not get what it missed. With any adapter but Memory, rtkit
//     turns recovery off unless rtkit.WithRecovery asks for it (then
//     clients only get an empty offset argument after each payload).
//   - Operations that gather answers from other servers are local only:
//     the upstream cluster adapter (v3.0.2) counts servers with its base
//     method, which always says 1, so fetching sockets and waiting for the
//     acknowledgements of a server-side emit see this server only. Only
//     broadcasts are covered by this package's tests; the room joins,
//     leaves and disconnections that upstream also publishes are not.
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
