package adapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	rds "github.com/redis/go-redis/v9"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/redisdeadline"
)

// Options configures the Redis adapter and the Emitter. The zero value
// means the defaults.
type Options struct {
	// Prefix starts the name of every Redis channel used ("socket.io" by
	// default, the Node.js adapters' and emitter's default: their
	// channelPrefix or key option). Servers and emitters of one
	// application must use the same prefix; two applications sharing one
	// Redis must use different ones.
	Prefix string
	// Classic selects classic Pub/Sub (PUBLISH, SUBSCRIBE, PSUBSCRIBE),
	// the protocol of @socket.io/redis-adapter's createAdapter. By
	// default the adapter uses sharded Pub/Sub (SPUBLISH, SSUBSCRIBE;
	// Redis 7 or newer, Redis Cluster supported), the protocol of
	// createShardedAdapter with subscriptionMode "static". Every server of
	// a deployment must use the same one.
	Classic bool
	// Timeout bounds each Redis command issued for a broadcast, a cluster
	// operation, an emitter's publish or a health check (1 s by default).
	// It is how long an emit may block while Redis is unreachable, or
	// reachable but not answering (a hung or paused server), whatever the
	// client's settings (see Redis). A client's ReadTimeout or
	// WriteTimeout shorter than Timeout ends a command earlier.
	Timeout time.Duration
	// Logger receives Redis errors, at most one line per second
	// (slog.Default() when nil).
	Logger *slog.Logger
	// Pipeline makes a broadcast return once it is queued, without waiting
	// for Redis, as Node's adapter does (its client pipelines what is sent
	// in one tick): one goroutine per namespace then sends what is queued
	// as one Redis pipeline, in order. A server that emits broadcasts in a
	// row no longer waits a round trip for each, its own sockets' writes
	// are shared between them, and the other servers receive them
	// together, so a burst costs far less CPU per delivered message (see
	// docs/performance.md). Every other publication of the namespace (room
	// changes, disconnections, requests, answers) goes through the same
	// queue, so none overtakes a broadcast emitted before it, and still
	// waits for its own reply.
	//
	// What it costs: a broadcast's failure to publish no longer reaches
	// its caller (nor an rtkit.Observer's Published) once queued; it is
	// logged, and State reports the outage. While Redis is known to be
	// unreachable, and when 4096 publications already wait, Broadcast
	// fails at once with ErrUnavailable, as without Pipeline; Close drops
	// what is still queued. Off by default.
	Pipeline bool
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = defaultPrefix
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

const (
	defaultPrefix  = "socket.io"
	defaultTimeout = time.Second
	// requestTimeout bounds what another server asks of this one without
	// a deadline of its own (a server-side event with acknowledgement, a
	// broadcast with acknowledgement without a timeout flag): Node's
	// default.
	requestTimeout = 5 * time.Second
	// logEvery is the least interval between two logged Redis errors.
	logEvery = time.Second
	// backoff is how long publishes fail fast after a failed one.
	backoff = 250 * time.Millisecond
)

// ErrUnavailable is returned (wrapped) by publishes while Redis is
// unreachable: local delivery has happened, other processes miss the
// event.
var ErrUnavailable = errors.New("adapter: redis unavailable")

// RedisAdapter connects the rtkit servers of an application, and Node.js
// socket.io servers with @socket.io/redis-adapter, through Redis (see the
// package documentation). It is an rtkit.Adapter.
//
// While Redis is unreachable, sockets of this process still get every
// event at once; other processes miss what is published meanwhile (Redis
// Pub/Sub stores nothing); each emit blocks at most Options.Timeout; State
// reports the outage; delivery across processes resumes by itself when
// Redis is back.
//
// A RedisAdapter is safe for concurrent use.
type RedisAdapter struct {
	client rds.UniversalClient
	owned  bool // created by FromURL: Close closes it
	// honours: the client bounds a command by its context's deadline
	// (ContextTimeoutEnabled); otherwise command waits for it aside.
	honours bool
	opts    Options
	ctx     context.Context
	cancel  context.CancelFunc
	closed  atomic.Bool

	wgMu    sync.Mutex
	closing bool           // under wgMu: no new goroutine starts
	wg      sync.WaitGroup // receive loops and answers in flight

	// downUntil (unix nanoseconds) is when publishes may try Redis again
	// after a failure.
	downUntil atomic.Int64
	healthy   atomic.Bool

	logMu      sync.Mutex
	lastLog    time.Time
	suppressed int
}

var _ rtkit.Adapter = (*RedisAdapter)(nil)

// Redis returns an adapter over client: a *redis.Client, or a
// *redis.ClusterClient for Redis Cluster. The caller keeps ownership of
// client: Close does not close it. Give every server of an application the
// same Options.Prefix and Options.Classic.
//
// Create client with ContextTimeoutEnabled: true. go-redis applies a
// context's deadline to its socket reads only with that option, so
// without it a Redis that accepts commands and never answers (a stopped
// or overloaded server, DEBUG SLEEP, CLIENT PAUSE) would hold each command
// for the client's ReadTimeout (5 s by default), not Options.Timeout. The
// adapter keeps its bound either way, because an emit that blocks for
// seconds stalls the emitting handler and everything queued behind it:
// for a client without the option (or one it cannot inspect, such as a
// wrapper), each command runs in a goroutine of its own that the emit
// stops waiting for at Options.Timeout; the command, and its pooled
// connection, remain busy until the client's ReadTimeout ends them. With
// the option set, nothing is left behind and no goroutine is added.
func Redis(client rds.UniversalClient, opts Options) *RedisAdapter {
	if client == nil {
		panic("adapter: Redis: nil client")
	}
	a := &RedisAdapter{client: client, opts: opts.withDefaults(), honours: redisdeadline.Honours(client)}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	a.healthy.Store(true)
	return a
}

// FromURL returns an adapter over a client it creates from rawURL: the
// REDIS_URL convention, redis://[user:password@]host:port[/db] or
// rediss:// for TLS. A URL with addr query parameters
// (redis://host1:6379?addr=host2:6379&addr=host3:6379) connects to a Redis
// Cluster. The adapter owns that client and closes it in Close. The client
// is created with ContextTimeoutEnabled, so that Options.Timeout bounds
// each of its commands by the socket's own deadline; the URL's
// read_timeout and write_timeout still bound what has no deadline of its
// own.
func FromURL(rawURL string, opts Options) (*RedisAdapter, error) {
	client, err := clientFromURL(rawURL)
	if err != nil {
		return nil, err
	}
	a := Redis(client, opts)
	a.owned = true
	return a, nil
}

func clientFromURL(rawURL string) (rds.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("adapter: redis URL: %w", err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("adapter: redis URL: scheme %q, want redis or rediss", u.Scheme)
	}
	if u.Query().Has("addr") {
		co, err := rds.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("adapter: redis cluster URL: %w", err)
		}
		co.ContextTimeoutEnabled = true
		return rds.NewClusterClient(co), nil
	}
	o, err := rds.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("adapter: redis URL: %w", err)
	}
	o.ContextTimeoutEnabled = true
	return rds.NewClient(o), nil
}

// name is the adapter's name in State.
func (a *RedisAdapter) name() string {
	if a.opts.Classic {
		return "redis-classic"
	}
	return "redis-sharded"
}

// State pings Redis (within Options.Timeout and ctx) and reports
// "redis-sharded" (or "redis-classic"), unhealthy while Redis does not
// answer.
func (a *RedisAdapter) State(ctx context.Context) rtkit.AdapterState {
	st := rtkit.AdapterState{Name: a.name(), Healthy: true}
	if a.closed.Load() {
		st.Healthy, st.Detail = false, "closed"
		return st
	}
	_, err := redisdeadline.Do(ctx, a.honours, a.opts.Timeout, func(ctx context.Context) (string, error) {
		return a.client.Ping(ctx).Result()
	})
	if err != nil {
		a.report(err)
		st.Healthy, st.Detail = false, "redis unreachable: "+err.Error()
		return st
	}
	a.report(nil)
	return st
}

// Close stops the adapter's remaining work (within ctx) and, for an
// adapter made by FromURL, closes its Redis client. The server calls it
// last in Shutdown, after the namespace adapters were closed. Calling it
// again returns nil.
func (a *RedisAdapter) Close(ctx context.Context) error {
	if a.closed.Swap(true) {
		return nil
	}
	a.cancel()
	a.wgMu.Lock()
	a.closing = true
	a.wgMu.Unlock()
	done := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	if a.owned {
		return a.client.Close()
	}
	return nil
}

// unavailable returns ErrUnavailable once the adapter is closed, and for
// backoff after a failed Redis command: publishes then fail at once.
func (a *RedisAdapter) unavailable() error {
	if a.closed.Load() {
		return fmt.Errorf("%w: adapter closed", ErrUnavailable)
	}
	if time.Now().UnixNano() < a.downUntil.Load() {
		return ErrUnavailable
	}
	return nil
}

// command runs fn with the context of one Redis command of a (ctx
// bounded by Options.Timeout, cancelled by Close) and returns its result,
// or returns ErrUnavailable at once while a recent command failed.
// Failures wrap ErrUnavailable. The bound holds even for a client that
// ignores deadlines (see Redis); the result is fn's only when fn returned
// in time (see redisdeadline.Call).
func command[T any](a *RedisAdapter, ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	if err := a.unavailable(); err != nil {
		var zero T
		return zero, err
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	stop := context.AfterFunc(a.ctx, cancel)
	defer stop()
	v, err := redisdeadline.Call(ctx, a.honours, fn)
	a.report(err)
	if err != nil {
		return v, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return v, nil
}

// publish publishes msg on channel (SPUBLISH, or PUBLISH for classic) and
// returns the number of subscribers that received it.
func (a *RedisAdapter) publish(ctx context.Context, classic bool, channel string, msg []byte) (int64, error) {
	return command(a, ctx, func(ctx context.Context) (int64, error) {
		if classic {
			return a.client.Publish(ctx, channel, msg).Result()
		}
		return a.client.SPublish(ctx, channel, msg).Result()
	})
}

// report records the outcome of a Redis command: failures open the fast
// failure window and are logged at most once per logEvery.
func (a *RedisAdapter) report(err error) {
	if err == nil {
		// Load first: every publish reports, and a swap would write the
		// shared flag each time.
		if !a.healthy.Load() && !a.healthy.Swap(true) {
			a.opts.Logger.Info("adapter: redis reachable again")
		}
		return
	}
	if a.closed.Load() || errors.Is(err, context.Canceled) {
		return
	}
	a.healthy.Store(false)
	a.downUntil.Store(time.Now().Add(backoff).UnixNano())
	a.logMu.Lock()
	defer a.logMu.Unlock()
	if time.Since(a.lastLog) < logEvery {
		a.suppressed++
		return
	}
	a.opts.Logger.Error("adapter: redis error", "err", err, "suppressed", a.suppressed)
	a.lastLog, a.suppressed = time.Now(), 0
}

// spawn runs fn in a goroutine the adapter waits for in Close, and
// reports that it did; after Close it does nothing and reports false.
func (a *RedisAdapter) spawn(fn func()) bool {
	a.wgMu.Lock()
	defer a.wgMu.Unlock()
	if a.closing {
		return false
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		fn()
	}()
	return true
}
