package ratelimit

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Config sets the event limits of Events. Every Limit is off when zero.
type Config struct {
	// Socket limits the events of each socket.
	Socket Limit
	// User limits the events of each user, across all of that user's
	// sockets. UserKey says who the user is.
	User Limit
	// UserKey returns the user a socket acts for, "" for none (the User
	// limit is then skipped). ctx carries what connection middleware
	// added, such as the authenticated principal.
	UserKey func(ctx context.Context, s *rtkit.Socket) string
	// Address limits the events coming from each remote IP address.
	Address Limit
	// Store keeps the budgets (default: a new MemoryStore).
	Store Store
	// FailOpen lets events through when the store fails; by default they
	// are refused. Either way the failure is logged.
	FailOpen bool
	// DisconnectAfter disconnects a socket after that many refused
	// events in a row (0: never). An accepted event resets the count.
	DisconnectAfter int
	// Logger receives store failures and disconnections (default
	// slog.Default()).
	Logger *slog.Logger
}

// Events returns the option that enforces cfg on the events of a namespace
// (or, given to rtkit.NewServer, of every namespace, with budgets shared
// across them). Limits are checked before the payload is validated, for
// declared and unknown events alike, in the order socket, user, address.
func Events(cfg Config) rtkit.Option {
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &limiter{cfg: cfg, failures: failureLog{log: cfg.Logger}}
	return rtkit.Options(
		rtkit.WithMiddleware(l.middleware),
		rtkit.OnDisconnect(func(s *rtkit.Socket, _ string) { l.violations.Delete(s) }),
		rtkit.WithAnnotation(annotation{cfg}),
	)
}

type annotation struct{ cfg Config }

func (a annotation) SpecAnnotation() (string, any) {
	v := map[string]any{}
	if !a.cfg.Socket.Off() {
		v["socket"] = a.cfg.Socket
	}
	if !a.cfg.User.Off() {
		v["user"] = a.cfg.User
	}
	if !a.cfg.Address.Off() {
		v["address"] = a.cfg.Address
	}
	if a.cfg.DisconnectAfter > 0 {
		v["disconnectAfter"] = a.cfg.DisconnectAfter
	}
	return "rateLimit", v
}

type limiter struct {
	cfg        Config
	violations sync.Map // *rtkit.Socket → *record (guarded by the socket's queue: one event at a time)
	failures   failureLog
}

// record is what the limiter remembers of a socket that is being refused.
type record struct {
	refused  int       // in a row
	toldTill time.Time // an "error" event told it to wait until then
}

func (l *limiter) middleware(next rtkit.HandlerFunc) rtkit.HandlerFunc {
	return func(ctx context.Context, s *rtkit.Socket, req *rtkit.Request) (json.RawMessage, error) {
		wait, err := l.check(ctx, s, costOf(req.Event))
		switch {
		case err != nil:
			l.failures.storeFailed("ratelimit: store failed", err, l.cfg.FailOpen)
			if l.cfg.FailOpen {
				return next(ctx, s, req)
			}
			return nil, &rtkit.Error{Code: rtkit.CodeRateLimited, Message: "rate limit unavailable, retry later", RetryAfter: time.Second}
		case wait <= 0:
			l.violations.Delete(s)
			return next(ctx, s, req)
		}
		rec, disconnecting := l.refused(s)
		if disconnecting {
			return nil, &rtkit.Error{Code: rtkit.CodeRateLimited, Message: "rate limit exceeded repeatedly: disconnecting",
				RetryAfter: wait, Disconnect: true}
		}
		if !req.HasAck {
			// Without an acknowledgement the refusal is an "error" event;
			// a client already told to wait is not told again until then,
			// so that a flood does not cost one outgoing message per
			// incoming one.
			now := time.Now()
			if now.Before(rec.toldTill) {
				return nil, nil
			}
			rec.toldTill = now.Add(wait)
		}
		return nil, &rtkit.Error{Code: rtkit.CodeRateLimited, Message: "rate limit exceeded", RetryAfter: wait}
	}
}

// check takes n from every active budget and returns the longest wait.
func (l *limiter) check(ctx context.Context, s *rtkit.Socket, n int) (time.Duration, error) {
	if !l.cfg.Socket.Off() {
		if wait, err := l.cfg.Store.Take(ctx, "s:"+s.Namespace()+"#"+s.ID(), l.cfg.Socket, n); err != nil || wait > 0 {
			return wait, err
		}
	}
	if !l.cfg.User.Off() && l.cfg.UserKey != nil {
		if user := l.cfg.UserKey(ctx, s); user != "" {
			if wait, err := l.cfg.Store.Take(ctx, "u:"+user, l.cfg.User, n); err != nil || wait > 0 {
				return wait, err
			}
		}
	}
	if !l.cfg.Address.Off() {
		if wait, err := l.cfg.Store.Take(ctx, "a:"+hostOf(s.Handshake().RemoteAddr), l.cfg.Address, n); err != nil || wait > 0 {
			return wait, err
		}
	}
	return 0, nil
}

// refused counts a refusal and disconnects the socket past the threshold;
// it reports whether it did.
func (l *limiter) refused(s *rtkit.Socket) (*record, bool) {
	v, _ := l.violations.LoadOrStore(s, &record{})
	rec := v.(*record)
	rec.refused++
	if l.cfg.DisconnectAfter > 0 && rec.refused >= l.cfg.DisconnectAfter {
		l.violations.Delete(s)
		l.cfg.Logger.Warn("ratelimit: disconnecting a socket that kept exceeding its limits",
			"namespace", s.Namespace(), "socket", s.ID(), "refused", rec.refused)
		return rec, true // the refusal carries Disconnect: it is sent first
	}
	return rec, false
}

// hostOf returns the IP of an "ip:port" address.
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
