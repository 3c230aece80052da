package auth

import (
	"context"
	"errors"
)

// Authenticator says who presented credentials. It returns the principal,
// or an error: one wrapping ErrUnavailable when it could not find out (an
// identity service down or too slow), any other when it refused them. An
// *rtkit.Error is sent to the client as is (but INTERNAL keeps a generic
// message); for every other error the client only learns "Invalid
// session" and the error is logged.
//
// Authenticate is called from many goroutines at once: at every handshake
// (including a recovered socket's) and for every auth:refresh event. ctx
// carries a deadline (WithTimeout); an implementation must honour it.
type Authenticator interface {
	Authenticate(ctx context.Context, c Credentials) (Principal, error)
}

// CookieNamer is implemented by an Authenticator that reads cookies, to
// name the ones Required and Optional must gather into Credentials.Cookies
// (next to those given with WithCookies).
type CookieNamer interface {
	CookieNames() []string
}

// Func adapts a function to an Authenticator, for any identity source
// rtkit has no implementation of (a database lookup, an API key table):
//
//	auth.Func(func(ctx context.Context, c auth.Credentials) (auth.Principal, error) {
//		u, err := db.UserByAPIKey(ctx, c.Token())
//		if err != nil {
//			return auth.Principal{}, err
//		}
//		return auth.Principal{UserID: u.ID, Role: u.Role}, nil
//	})
//
// Like every Authenticator, the function is called from many goroutines at
// once.
type Func func(ctx context.Context, c Credentials) (Principal, error)

// Authenticate calls f.
func (f Func) Authenticate(ctx context.Context, c Credentials) (Principal, error) {
	return f(ctx, c)
}

var _ Authenticator = Func(nil)

// Sentinel errors. Authenticators wrap them; the client never sees their
// text.
var (
	// ErrInvalidCredentials: the credentials were checked and refused
	// (bad signature, unknown or expired session).
	ErrInvalidCredentials = errors.New("auth: invalid credentials")
	// ErrUnavailable: the identity source could not answer (down, too
	// slow, malformed answer). The connection is refused with UNAVAILABLE,
	// never let in.
	ErrUnavailable = errors.New("auth: identity source unavailable")
	// ErrRevoked: the session was revoked with a Revoker.
	ErrRevoked = errors.New("auth: session revoked")
)
