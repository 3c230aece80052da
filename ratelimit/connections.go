package ratelimit

import (
	"context"
	"log/slog"
	"sync"

	"github.com/rtkit-go/rtkit"
)

// ConnConfig sets the connection limits of Connections. Every limit is off
// when zero.
type ConnConfig struct {
	// NewPerAddress limits how fast one IP address may open connections
	// (namespace connections, recoveries included).
	NewPerAddress Limit
	// PerAddress bounds the sockets one IP address may have open at once.
	PerAddress int
	// PerUser bounds the sockets one user may have open at once, across
	// the namespaces the option applies to. UserKey says who the user is.
	PerUser int
	// UserKey returns the user a connecting socket acts for, "" for none.
	// ctx carries what the connection middleware before it added: give
	// Connections after the authentication option.
	UserKey func(ctx context.Context, s *rtkit.Socket) string
	// Store keeps the NewPerAddress budgets (default: a new MemoryStore).
	Store Store
	// FailOpen admits connections when the store fails; by default they
	// are refused.
	FailOpen bool
	// Logger receives store failures, at most one line a second (default
	// slog.Default()).
	Logger *slog.Logger
}

// Connections returns the option that enforces cfg at handshake. A refused
// connection gets connect_error with data.code RATE_LIMITED (NewPerAddress)
// or TOO_MANY_CONNECTIONS (PerAddress, PerUser). Given to rtkit.NewServer,
// the counts are shared by every namespace of the server.
func Connections(cfg ConnConfig) rtkit.Option {
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &connLimiter{cfg: cfg, failures: failureLog{log: cfg.Logger}, open: map[string]int{}}
	return rtkit.Options(
		rtkit.WithConnectFunc(c.admit),
		rtkit.WithAnnotation(connAnnotation{cfg}),
	)
}

type connAnnotation struct{ cfg ConnConfig }

func (a connAnnotation) SpecAnnotation() (string, any) {
	v := map[string]any{}
	if !a.cfg.NewPerAddress.Off() {
		v["newPerAddress"] = a.cfg.NewPerAddress
	}
	if a.cfg.PerAddress > 0 {
		v["perAddress"] = a.cfg.PerAddress
	}
	if a.cfg.PerUser > 0 {
		v["perUser"] = a.cfg.PerUser
	}
	return "connectionLimit", v
}

type connLimiter struct {
	cfg      ConnConfig
	failures failureLog
	mu       sync.Mutex
	open     map[string]int // "a:ip" / "u:user" → open sockets
}

func (c *connLimiter) admit(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
	addr := hostOf(s.Handshake().RemoteAddr)
	if !c.cfg.NewPerAddress.Off() {
		wait, err := c.cfg.Store.Take(ctx, "c:"+addr, c.cfg.NewPerAddress, 1)
		switch {
		case err != nil:
			c.failures.storeFailed("ratelimit: store failed at handshake", err, c.cfg.FailOpen)
			if !c.cfg.FailOpen {
				return nil, &rtkit.Error{Code: rtkit.CodeRateLimited, Message: "rate limit unavailable, retry later"}
			}
		case wait > 0:
			return nil, &rtkit.Error{Code: rtkit.CodeRateLimited, Message: "too many connections from this address, retry later", RetryAfter: wait}
		}
	}
	var keys []string
	if c.cfg.PerAddress > 0 {
		keys = append(keys, "a:"+addr)
	}
	if c.cfg.PerUser > 0 && c.cfg.UserKey != nil {
		if user := c.cfg.UserKey(ctx, s); user != "" {
			keys = append(keys, "u:"+user)
		}
	}
	if len(keys) == 0 {
		return ctx, nil
	}
	if !c.reserve(keys) {
		return nil, rtkit.NewError(CodeTooManyConnections, "too many open connections")
	}
	// The socket's context ends when the connection is refused further
	// on, never completes, or disconnects: the slots go back then.
	context.AfterFunc(s.Context(), func() { c.release(keys) })
	return ctx, nil
}

func (c *connLimiter) limitOf(key string) int {
	if key[0] == 'a' {
		return c.cfg.PerAddress
	}
	return c.cfg.PerUser
}

// reserve takes a slot under every key, or none.
func (c *connLimiter) reserve(keys []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if c.open[k] >= c.limitOf(k) {
			return false
		}
	}
	for _, k := range keys {
		c.open[k]++
	}
	return true
}

func (c *connLimiter) release(keys []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if c.open[k]--; c.open[k] <= 0 {
			delete(c.open, k)
		}
	}
}
