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
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/rtkit-go/rtkit"
)

// Options configures the Redis adapter and the Emitter. The zero value
// means the defaults.
type Options struct {
	// Prefix starts the name of every Redis channel used ("socket.io" by
	// default, the upstream adapters' and emitters' default). Servers
	// and emitters of one application must use the same prefix; two
	// applications sharing one Redis must use different ones.
	Prefix string
	// Timeout bounds each Redis command issued for a broadcast, a cluster
	// operation, an emitter's publish or a health check (1 s by default).
	// It is how long an emit may block while Redis is unreachable.
	Timeout time.Duration
	// Logger receives Redis errors, at most one line per second
	// (slog.Default() when nil).
	Logger *slog.Logger
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
	// logEvery is the least interval between two logged Redis errors.
	logEvery = time.Second
	// backoff is how long a receive loop waits after an error, and how
	// long publishes fail fast after a failed one.
	backoff = 250 * time.Millisecond
)

// ErrUnavailable is returned (wrapped) by publishes while Redis is
// unreachable: local delivery has happened, other processes miss the
// event.
var ErrUnavailable = errors.New("adapter: redis unavailable")

// Sharded is the adapter that delivers broadcasts to every rtkit server
// connected to the same Redis (or Redis Cluster), with sharded Pub/Sub
// (SPUBLISH/SSUBSCRIBE, Redis 7 or newer) and static subscriptions: two
// subscriptions per namespace and server, whatever the number of rooms,
// plus two per server for the operations that gather answers from every
// server (it is an rtkit.ServerLink: see link.go and the package
// documentation).
//
// While Redis is unreachable, sockets of this process still get every
// event at once; other processes miss what is published meanwhile (Redis
// Pub/Sub stores nothing); each emit blocks at most Options.Timeout; State
// reports the outage; delivery across processes resumes by itself when
// Redis is back. Connection state recovery is not available (see the
// package documentation).
//
// A Sharded value is safe for concurrent use.
type Sharded struct {
	client rds.UniversalClient
	owned  bool // created by FromURL: Close closes it
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	closed atomic.Bool

	// downUntil (unix nanoseconds) is when publishes may try Redis again
	// after a failure.
	downUntil atomic.Int64
	healthy   atomic.Bool

	link link // the rtkit.ServerLink side (link.go)

	logMu      sync.Mutex
	lastLog    time.Time
	suppressed int
}

var _ rtkit.Adapter = (*Sharded)(nil)

// Redis returns an adapter over client: a *redis.Client, or a
// *redis.ClusterClient for Redis Cluster. The caller keeps ownership of
// client: Close does not close it. Give every server of an application the
// same Options.Prefix.
func Redis(client rds.UniversalClient, opts Options) *Sharded {
	if client == nil {
		panic("adapter: Redis: nil client")
	}
	a := &Sharded{client: client, opts: opts.withDefaults()}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	a.healthy.Store(true)
	return a
}

// FromURL returns an adapter over a client it creates from rawURL: the
// REDIS_URL convention, redis://[user:password@]host:port[/db] or
// rediss:// for TLS. A URL with addr query parameters
// (redis://host1:6379?addr=host2:6379&addr=host3:6379) connects to a Redis
// Cluster. The adapter owns that client and closes it in Close.
func FromURL(rawURL string, opts Options) (*Sharded, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("adapter: redis URL: %w", err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("adapter: redis URL: scheme %q, want redis or rediss", u.Scheme)
	}
	var client rds.UniversalClient
	if u.Query().Has("addr") {
		co, err := rds.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("adapter: redis cluster URL: %w", err)
		}
		client = rds.NewClusterClient(co)
	} else {
		o, err := rds.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("adapter: redis URL: %w", err)
		}
		client = rds.NewClient(o)
	}
	a := Redis(client, opts)
	a.owned = true
	return a, nil
}

// Constructor returns the builder of the per-namespace adapters, for the
// zishang520 Socket.IO server that is rtkit's default core; it is not part
// of rtkit.Adapter, and goes away with rtkit's own adapter interface.
func (a *Sharded) Constructor() socket.AdapterConstructor { return builder{a} }

// State pings Redis (within Options.Timeout and ctx) and reports
// "redis-sharded", unhealthy while Redis does not answer.
func (a *Sharded) State(ctx context.Context) rtkit.AdapterState {
	st := rtkit.AdapterState{Name: "redis-sharded", Healthy: true}
	if a.closed.Load() {
		st.Healthy, st.Detail = false, "closed"
		return st
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	if err := a.client.Ping(ctx).Err(); err != nil {
		a.report(err)
		st.Healthy, st.Detail = false, "redis unreachable: "+err.Error()
		return st
	}
	a.report(nil)
	return st
}

// Close stops the adapter's remaining work and, for an adapter made by
// FromURL, closes its Redis client. The server calls it last in Shutdown,
// after the per-namespace adapters were closed. Calling it again returns
// nil.
func (a *Sharded) Close(ctx context.Context) error {
	if a.closed.Swap(true) {
		return nil
	}
	a.cancel()
	a.closeLink(ctx)
	if a.owned {
		return a.client.Close()
	}
	return nil
}

// unavailable returns ErrUnavailable once the adapter is closed, and for
// backoff after a failed Redis command: publishes then fail at once.
func (a *Sharded) unavailable() error {
	if a.closed.Load() {
		return fmt.Errorf("%w: adapter closed", ErrUnavailable)
	}
	if time.Now().UnixNano() < a.downUntil.Load() {
		return ErrUnavailable
	}
	return nil
}

// publishCtx returns the context of one Redis command, or ErrUnavailable
// at once while a recent command failed.
func (a *Sharded) publishCtx() (context.Context, context.CancelFunc, error) {
	if err := a.unavailable(); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.Timeout)
	return ctx, cancel, nil
}

// spublish publishes msg on a sharded channel within Options.Timeout and
// returns the number of subscribers that received it. Failures, and the
// fast failures of publishCtx, wrap ErrUnavailable.
func (a *Sharded) spublish(channel string, msg []byte) (int64, error) {
	ctx, cancel, err := a.publishCtx()
	if err != nil {
		return 0, err
	}
	defer cancel()
	n, err := a.client.SPublish(ctx, channel, msg).Result()
	a.report(err)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return n, nil
}

// report records the outcome of a Redis command: failures open the fast
// failure window and are logged at most once per logEvery.
func (a *Sharded) report(err error) {
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
