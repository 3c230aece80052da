// Command rtkitserver is the rtkit server of docs/better-auth.md: it lets
// in the users of a Hono + better-auth application, by the session cookie
// or the bearer token better-auth gave them, and ends their sockets when
// better-auth ends their session.
//
//	BETTER_AUTH_URL=http://127.0.0.1:3000 go run ./auth/testdata/betterauth/rtkitserver
//
// Settings come from the environment: BETTER_AUTH_URL (the Hono
// application), ADDR (where to listen, default 127.0.0.1:3001),
// APP_ORIGIN (the origin of the web pages allowed to connect, default the
// application's), REVALIDATE_EVERY (default 1m) and SESSION_CACHE_TTL
// (default 10s). It prints "listening ADDR" once it accepts connections.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
)

// #region events

// Me is what the "me" event answers: who the socket belongs to, as
// better-auth said.
type Me struct {
	UserID string `json:"userId"`
	Email  string `json:"email"`
	Role   string `json:"role"`
}

// Empty is the payload of an event without one.
type Empty struct{}

// MeEvent answers who the socket belongs to.
var MeEvent = rtkit.NewEvent[Empty, Me]("me")

// #endregion events

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rtkitserver:", err)
		os.Exit(1)
	}
}

func run() error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	betterAuthURL := env("BETTER_AUTH_URL", "http://127.0.0.1:3000")
	revalidateEvery, err := time.ParseDuration(env("REVALIDATE_EVERY", "1m"))
	if err != nil {
		return err
	}
	cacheTTL, err := time.ParseDuration(env("SESSION_CACHE_TTL", "10s"))
	if err != nil {
		return err
	}

	// #region server
	sessions, err := auth.NewSession(auth.SessionConfig{
		URL:      betterAuthURL + "/api/auth/get-session",
		CacheTTL: cacheTTL,
	})
	if err != nil {
		return err
	}
	srv := rtkit.NewServer(
		rtkit.WithLogger(log),
		rtkit.WithCORS(env("APP_ORIGIN", betterAuthURL)),
		auth.Required(sessions,
			auth.WithRevalidation(revalidateEvery), // sign-outs at better-auth reach live sockets
			auth.WithLogger(log)),
	)
	ns := rtkit.NewNamespace("/")
	rtkit.Handle(ns, MeEvent, func(ctx context.Context, _ *rtkit.Socket, _ Empty) (Me, error) {
		p, _ := auth.PrincipalFrom(ctx) // Required: always there
		return Me{UserID: p.UserID, Email: p.Email, Role: p.Role}, nil
	})
	srv.Mount(ns)
	// #endregion server

	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	ln, err := net.Listen("tcp", env("ADDR", "127.0.0.1:3001"))
	if err != nil {
		return err
	}
	fmt.Println("listening", ln.Addr())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
