package hostile

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/ratelimit"
)

// Token issuer and audience of the server's JWTs.
const (
	Issuer   = "rtkit-hostile"
	Audience = "app"
)

// Config configures NewServer. Zero values take the defaults noted.
type Config struct {
	// Key signs and verifies the HS256 tokens (at least 32 bytes).
	Key []byte
	// Authenticator replaces the JWT authenticator (for a session
	// service, say); Key then only signs tokens nobody checks.
	Authenticator auth.Authenticator
	// TokenCookie names a cookie the token may also come from, as a
	// browser application that keeps it in a cookie would (default none).
	TokenCookie string
	// AuthTimeout bounds each authentication (default: the auth
	// package's).
	AuthTimeout time.Duration
	// Logger receives the server's log (default: discarded).
	Logger *slog.Logger
	// Revoker ends sessions and refuses them afterwards (default: a new
	// one, reachable through the returned Server).
	Revoker *auth.Revoker
	// EventsPerSecond limits each socket's events (default 20).
	EventsPerSecond int
	// DisconnectAfter disconnects a socket after that many refused events
	// in a row (default 40).
	DisconnectAfter int
	// NewConnsPerSecond limits new connections per remote address
	// (default 0: off, since every test client shares 127.0.0.1).
	NewConnsPerSecond int
	// ConnsPerUser bounds the sockets one user may have open (default 8).
	ConnsPerUser int
	// MaxPayload is the largest message a client may send (default 64 KiB).
	MaxPayload int64
	// Options are added after the suite's own.
	Options []rtkit.ServerOption
}

// Server is the hostile suite's rtkit server and what controls it.
type Server struct {
	*rtkit.Server
	// Revoker revokes sessions of this server.
	Revoker *auth.Revoker
}

// NewServer returns an rtkit server with everything on: JWT
// authentication (required, with a Revoker), per-socket event limits that
// disconnect persistent offenders, connection limits per user (and per
// address when configured), room policies and a 64 KiB payload bound. It
// serves Namespace with Echo, Join, Say, Slow and Said; sockets join
// "user:<id>" and "lobby" at connection.
//
// Room policies: "user:{userId}" only for that user, "team:{team}" only
// for principals whose "team" claim names it, "lobby" for everyone; every
// other room is refused.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Revoker == nil {
		cfg.Revoker = &auth.Revoker{}
	}
	cfg.EventsPerSecond = cmpOr(cfg.EventsPerSecond, 20)
	cfg.DisconnectAfter = cmpOr(cfg.DisconnectAfter, 40)
	cfg.ConnsPerUser = cmpOr(cfg.ConnsPerUser, 8)
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = 64 << 10
	}
	j, err := auth.NewJWT(auth.JWTConfig{
		Keys:   []auth.JWTKey{{ID: "k1", Algorithm: "HS256", Key: cfg.Key}},
		Issuer: Issuer, Audience: Audience, Leeway: time.Second, Cookie: cfg.TokenCookie,
	})
	if err != nil {
		return nil, err
	}
	var a auth.Authenticator = j
	if cfg.Authenticator != nil {
		a = cfg.Authenticator
	}
	authOpts := []auth.Option{auth.WithRevoker(cfg.Revoker), auth.WithLogger(cfg.Logger)}
	if cfg.AuthTimeout > 0 {
		authOpts = append(authOpts, auth.WithTimeout(cfg.AuthTimeout))
	}
	user := func(ctx context.Context, _ *rtkit.Socket) string {
		p, _ := auth.PrincipalFrom(ctx)
		return p.UserID
	}
	conns := ratelimit.ConnConfig{PerUser: cfg.ConnsPerUser, UserKey: user, Logger: cfg.Logger}
	if cfg.NewConnsPerSecond > 0 {
		conns.NewPerAddress = ratelimit.PerSecond(cfg.NewConnsPerSecond)
	}
	opts := []rtkit.ServerOption{
		rtkit.WithLogger(cfg.Logger),
		rtkit.WithMaxPayload(cfg.MaxPayload),
		auth.Required(a, authOpts...),
		ratelimit.Connections(conns),
		ratelimit.Events(ratelimit.Config{
			Socket:          ratelimit.PerSecond(cfg.EventsPerSecond),
			DisconnectAfter: cfg.DisconnectAfter,
			Logger:          cfg.Logger,
		}),
	}
	srv := rtkit.NewServer(append(opts, cfg.Options...)...)
	srv.Mount(newNamespace())
	return &Server{Server: srv, Revoker: cfg.Revoker}, nil
}

func cmpOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// newNamespace declares Namespace, its rooms and its handlers.
func newNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace(Namespace,
		rtkit.WithRoom("user:{userId}", func(ctx context.Context, _ *rtkit.Socket, p rtkit.RoomParams) error {
			if u, _ := auth.PrincipalFrom(ctx); u.UserID != p["userId"] {
				return rtkit.NewError(rtkit.CodeForbidden, "not your room")
			}
			return nil
		}),
		rtkit.WithRoom("team:{team}", func(ctx context.Context, _ *rtkit.Socket, p rtkit.RoomParams) error {
			if u, _ := auth.PrincipalFrom(ctx); u.Claims["team"] != p["team"] {
				return rtkit.NewError(rtkit.CodeForbidden, "not your team")
			}
			return nil
		}),
		rtkit.WithRoom("lobby", rtkit.Anyone),
		rtkit.AutoJoin(func(ctx context.Context, _ *rtkit.Socket) []string {
			p, _ := auth.PrincipalFrom(ctx)
			return []string{"user:" + p.UserID, "lobby"}
		}),
	)
	rtkit.Emits(ns, Said)
	rtkit.Handle(ns, Echo, func(ctx context.Context, _ *rtkit.Socket, in EchoIn) (EchoOut, error) {
		p, _ := auth.PrincipalFrom(ctx)
		return EchoOut{Text: in.Text, User: p.UserID}, nil
	})
	rtkit.Handle(ns, Join, func(ctx context.Context, s *rtkit.Socket, in JoinIn) (JoinOut, error) {
		if err := s.Join(ctx, in.Room); err != nil {
			return JoinOut{}, err
		}
		return JoinOut{Joined: true}, nil
	})
	rtkit.Handle(ns, Say, func(ctx context.Context, s *rtkit.Socket, in SayIn) (SayOut, error) {
		if !slices.Contains(s.Rooms(), in.Room) {
			return SayOut{}, rtkit.NewError(rtkit.CodeForbidden, "join the room first")
		}
		p, _ := auth.PrincipalFrom(ctx)
		if err := rtkit.Emit(ns.To(in.Room), Said, Message{Room: in.Room, From: p.UserID, Text: in.Text}); err != nil {
			return SayOut{}, err
		}
		return SayOut{Sent: true}, nil
	})
	rtkit.Handle(ns, Slow, func(ctx context.Context, _ *rtkit.Socket, in SlowIn) (SlowOut, error) {
		select {
		case <-time.After(time.Duration(in.Ms) * time.Millisecond):
		case <-ctx.Done():
			// The socket went away: nobody to answer.
		}
		return SlowOut{Seq: in.Seq}, nil
	})
	return ns
}

// Token mints a token for user in session sid (team: the "team" claim,
// may be empty) valid for ttl, signed with key.
func Token(key []byte, user, sid, team string, ttl time.Duration) string {
	now := time.Now()
	c := jwt.MapClaims{"sub": user, "sid": sid, "iss": Issuer, "aud": Audience,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix()}
	if team != "" {
		c["team"] = team
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	t.Header["kid"] = "k1"
	s, err := t.SignedString(key)
	if err != nil {
		panic("hostile: signing a token: " + err.Error()) // an HS256 key cannot fail
	}
	return s
}
