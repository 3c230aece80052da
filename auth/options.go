package auth

import (
	"log/slog"
	"time"
)

// Option configures Required and Optional.
type Option interface {
	apply(*guard)
}

type optionFunc func(*guard)

func (f optionFunc) apply(g *guard) { f(g) }

// WithLogger sets the logger that records why credentials were refused
// (default: the server's, rtkit.WithLogger). Tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(g *guard) {
		if l != nil {
			g.log = l
		}
	})
}

// WithCookies names cookies to gather into Credentials.Cookies, next to
// those the Authenticator names itself (CookieNamer).
func WithCookies(names ...string) Option {
	return optionFunc(func(g *guard) { g.cookies = append(g.cookies, names...) })
}

// WithRevoker makes the handshake and auth:refresh refuse what rv revoked.
// Without it, rv.RevokeSession and rv.RevokeUser still disconnect live
// sockets, but a revoked session could connect again (or recover).
func WithRevoker(rv *Revoker) Option {
	return optionFunc(func(g *guard) { g.revoker = rv })
}

// WithTimeout bounds one call to the Authenticator (default 5 s). The
// handshake waits for it on the connection's reader, so keep it short.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(g *guard) {
		if d > 0 {
			g.timeout = d
		}
	})
}

// defaultTimeout is WithTimeout's default.
const defaultTimeout = 5 * time.Second
