// Package ratelimit limits what clients of an rtkit server may do: events
// per socket, per user (across that user's sockets), per remote address and
// per event cost, and connections per address and per user.
//
// Limits are plain structs whose zero value means "off":
//
//	srv := rtkit.NewServer(
//		ratelimit.Events(ratelimit.Config{
//			Socket:          ratelimit.PerMinute(100),
//			User:            ratelimit.PerMinute(300),
//			UserKey:         func(ctx context.Context, s *rtkit.Socket) string { return userID(ctx) },
//			DisconnectAfter: 20,
//		}),
//		ratelimit.Connections(ratelimit.ConnConfig{
//			NewPerAddress: ratelimit.Limit{Events: 30, Per: time.Minute},
//			PerAddress:    50,
//		}),
//	)
//
// An event over a limit is not handled: the client gets RATE_LIMITED with
// retryAfterMs, the time after which the same event would be accepted (in
// the acknowledgement envelope, or as the "error" event). A client that
// sends without acknowledgement and was already told to wait gets no
// further "error" event until then: its excess events are dropped, so that
// a flood does not cost one outgoing message per incoming one. An event declared
// with Cost(n) counts n times. A socket that keeps going past its limits is
// disconnected after DisconnectAfter refusals.
//
// A refused connection gets connect_error with data.code RATE_LIMITED (too
// many new connections from one address) or TOO_MANY_CONNECTIONS (too many
// open at once for one user or address).
//
// # Stores
//
// Budgets live in a Store. The default keeps them in memory, with
// golang.org/x/time/rate token buckets: one process. NewRedisStore keeps
// them in Redis with GCRA (github.com/go-redis/redis_rate), so that several
// server processes share one budget. When the store fails (Redis down, or
// hung: accepting connections and answering nothing), the event is let
// through (FailOpen) or refused (the default), the failure is logged at
// most once per second, and the call never waits longer than the store's
// timeout. Give NewRedisStore a client created with ContextTimeoutEnabled:
// the timeout then ends a hung call at its socket; with another client the
// event stops waiting at the timeout too, but the call holds its
// connection until the client's ReadTimeout.
//
// Limits of each event and namespace appear in the server's Spec under the
// annotations "rateLimit" and "rateLimitCost", for the generated docs.
//
// The server's own bounds on waiting and running handlers
// (rtkit.WithMaxPending, rtkit.WithMaxConcurrentHandlers) complement these
// limits: they protect the process, these protect the budget of each client.
package ratelimit
