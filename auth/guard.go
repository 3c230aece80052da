package auth

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/rtkit-go/rtkit"
)

// The messages a refused client sees. Why credentials failed is only
// logged.
const (
	msgRequired    = "Authentication required"
	msgInvalid     = "Invalid session"
	msgUnavailable = "Authentication unavailable"
)

// guard is one Required or Optional configuration.
type guard struct {
	a        Authenticator
	required bool
	log      *slog.Logger
	cookies  []string
	revoker  *Revoker
	timeout  time.Duration

	revalidate time.Duration // WithRevalidation
	live       *liveSet      // the sockets re-validated, when revalidate > 0

	namespaces namespaces // those the guard protects
}

// Required authenticates every connection with a and refuses those that
// fail, with connect_error {message, data: {code}}:
//
//   - "Authentication required" (UNAUTHORIZED) when the client presented
//     no credentials (no handshake auth.token, no bearer header, none of
//     the named cookies);
//   - "Invalid session" (UNAUTHORIZED) when a refused them, the principal
//     has no UserID or is already expired, or the session was revoked;
//   - "Authentication unavailable" (UNAVAILABLE) when a could not answer
//     (an error wrapping ErrUnavailable): the client may retry later.
//
// The reason is logged, never sent. The principal travels in the socket's
// context (PrincipalFrom). Required also registers, on every namespace it
// protects, the auth:refresh event (RefreshEvent) and the auth:expired
// event (ExpiredEvent), disconnects a socket when its principal expires,
// and enforces RequireRole on events.
//
// Give it to rtkit.NewServer to protect every namespace the server mounts,
// or to rtkit.NewNamespace to protect one; a recovered socket is
// authenticated again. Give it once per namespace: twice registers
// auth:refresh twice, which rtkit refuses with a panic.
func Required(a Authenticator, opts ...Option) rtkit.Option {
	return newGuard(a, true, opts).option()
}

// Optional is Required for namespaces that also serve anonymous clients: a
// client that presents no credentials connects without a principal
// (PrincipalFrom reports false) and may authenticate later with
// auth:refresh. Credentials that are presented and refused still refuse
// the connection, so that a client learns its token went stale instead of
// silently becoming anonymous.
func Optional(a Authenticator, opts ...Option) rtkit.Option {
	return newGuard(a, false, opts).option()
}

func newGuard(a Authenticator, required bool, opts []Option) *guard {
	if a == nil {
		panic("auth: nil Authenticator")
	}
	g := &guard{a: a, required: required, timeout: defaultTimeout}
	for _, o := range opts {
		o.apply(g)
	}
	if cn, ok := a.(CookieNamer); ok {
		g.cookies = append(g.cookies, cn.CookieNames()...)
	}
	if g.revalidate > 0 {
		g.live = newLiveSet(g, g.revalidate)
	}
	return g
}

// option is what the guard installs on a namespace: connection and event
// middleware, the connect hook, the auth events, and the annotation the
// generated docs show.
func (g *guard) option() rtkit.Option {
	return rtkit.Options(
		rtkit.WithConnectFunc(g.connect),
		rtkit.WithMiddleware(g.roles),
		rtkit.ServerRooms(g.serverRooms),
		rtkit.OnConnect(g.connected),
		rtkit.WithSetup(g.setup),
		rtkit.WithAnnotation(annotation{required: g.required, cookies: g.cookies}),
	)
}

// annotation declares the namespace's authentication in the spec, under
// "auth": {"required": bool, "cookies": [names]}.
type annotation struct {
	required bool
	cookies  []string
}

func (a annotation) SpecAnnotation() (string, any) {
	v := map[string]any{"required": a.required}
	if len(a.cookies) > 0 {
		v["cookies"] = a.cookies
	}
	return "auth", v
}

// connect is the connection middleware.
func (g *guard) connect(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
	st := &state{}
	c := credentialsOf(s.Handshake(), g.cookies)
	if c.empty() {
		if g.required {
			g.logger(s).Info("auth: connection refused: no credentials",
				"namespace", s.Namespace(), "remote", c.RemoteAddr)
			return nil, rtkit.NewError(rtkit.CodeUnauthorized, msgRequired)
		}
		g.watch(ctx, st, s) // a refresh may authenticate it later
		return context.WithValue(ctx, stateKey{}, st), nil
	}
	p, err := g.authenticate(ctx, c, s.ID(), false)
	if err != nil {
		return nil, g.refuse(s, "connection refused", err)
	}
	st.p, st.ok = p, true
	// A saved recovery session is recovered only by the same user.
	s.SetIdentity(p.UserID)
	if g.live != nil {
		g.live.add(st, s, c) // before watch, which takes it out when the socket goes
	}
	g.watch(ctx, st, s)
	return context.WithValue(ctx, stateKey{}, st), nil
}

// connected runs once the socket is registered with its namespace (it is
// in its identity rooms already: see serverRooms). A revocation between
// the handshake and now did not see the socket: it is applied here.
func (g *guard) connected(ctx context.Context, s *rtkit.Socket) {
	st := stateFrom(ctx)
	if st == nil || g.revoker == nil {
		return
	}
	hs := s.Handshake().Time
	p, hit := st.closeIf(func(p Principal) bool { return g.revoker.revokedSince(p, s.ID(), hs) })
	if hit {
		g.revoker.remember(p, s.ID())
		g.logger(s).Info("auth: session revoked while connecting, disconnecting", "namespace", s.Namespace(),
			"socket", s.ID(), "user", p.UserID, "session", p.SessionID)
		end(s, ReasonRevoked)
	}
}

// authenticate calls the Authenticator under the timeout and checks what it
// returned. fresh asks the identity source itself when the Authenticator
// is a Revalidator (a refresh, a check of live sockets).
func (g *guard) authenticate(ctx context.Context, c Credentials, socketID string, fresh bool) (Principal, error) {
	actx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	var p Principal
	var err error
	if rv, ok := g.a.(Revalidator); ok && fresh {
		p, err = rv.Revalidate(actx, c)
	} else {
		p, err = g.a.Authenticate(actx, c)
	}
	switch {
	case err != nil:
		if actx.Err() != nil && !errors.Is(err, ErrUnavailable) && ctx.Err() == nil {
			err = errors.Join(ErrUnavailable, err) // the authenticator timed out
		}
		return Principal{}, err
	case p.UserID == "":
		return Principal{}, errors.Join(ErrInvalidCredentials, errors.New("auth: principal without UserID"))
	case !p.ExpiresAt.IsZero() && !time.Now().Before(p.ExpiresAt):
		return Principal{}, errors.Join(ErrInvalidCredentials, errors.New("auth: session already expired"))
	case g.revoker.refuses(p, socketID):
		return Principal{}, ErrRevoked
	}
	return p, nil
}

// refuse logs err and returns what the client may see.
func (g *guard) refuse(s *rtkit.Socket, what string, err error) *rtkit.Error {
	var pub *rtkit.Error
	switch {
	case errors.As(err, &pub) && pub.Code != rtkit.CodeInternal:
		// The authenticator chose what the client sees.
	case errors.Is(err, ErrUnavailable):
		pub = rtkit.NewError(rtkit.CodeUnavailable, msgUnavailable)
	default:
		pub = rtkit.NewError(rtkit.CodeUnauthorized, msgInvalid)
	}
	level := slog.LevelInfo
	if pub.Code == rtkit.CodeUnavailable {
		level = slog.LevelWarn
	}
	g.logger(s).Log(context.Background(), level, "auth: "+what, "namespace", s.Namespace(), "socket", s.ID(),
		"remote", s.Handshake().RemoteAddr, "code", pub.Code, "err", err)
	return pub.WithCause(err)
}

// logger is the logger given with WithLogger, or else the server's.
func (g *guard) logger(s *rtkit.Socket) *slog.Logger {
	if g.log != nil {
		return g.log
	}
	if srv := s.Server(); srv != nil {
		return srv.Logger()
	}
	return slog.Default()
}
