package auth_test

// BenchmarkEventAfterHandshake measures what authentication costs an event
// once the socket is connected: the same acknowledged event over 127.0.0.1
// on a server without auth, with Required, and with Required on an event
// that also requires a role. Authentication itself happens once, at
// handshake, outside the timed loop; compare with
//
//	go test -run '^$' -bench EventAfterHandshake -benchmem -count 6 ./auth/ > bench.txt
//	benchstat -col /auth bench.txt
//
// BenchmarkPrincipalFrom is what a handler pays to read its principal.

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// Pong answers the benchmark's events, whatever the principal, so that
// every variant does the same work but for authentication.
type Pong struct {
	OK bool `json:"ok"`
}

var (
	evPing      = rtkit.NewEvent[Empty, Pong]("ping")
	evPingAdmin = rtkit.NewEvent[Empty, Pong]("ping:admin", auth.RequireRole("admin"))
)

func pong(context.Context, *rtkit.Socket, Empty) (Pong, error) { return Pong{OK: true}, nil }

func BenchmarkEventAfterHandshake(b *testing.B) {
	a := users(map[string]auth.Principal{"t": alice})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, bc := range []struct {
		name string
		opts []rtkit.ServerOption
		ev   rtkit.Event[Empty, Pong]
	}{
		{"auth=none", nil, evPing},
		{"auth=required", []rtkit.ServerOption{auth.Required(a, auth.WithLogger(quiet))}, evPing},
		{"auth=required+role", []rtkit.ServerOption{auth.Required(a, auth.WithLogger(quiet))}, evPingAdmin},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ns := rtkit.NewNamespace("/p")
			rtkit.Handle(ns, evPing, pong)
			rtkit.Handle(ns, evPingAdmin, pong)
			srv := rtkit.NewServer(append(bc.opts, rtkit.WithLogger(quiet), rtkit.WithRecovery(0))...)
			srv.Mount(ns)
			ts := rtkittest.Start(b, srv)
			c := ts.Dial(b, "/p", token("t"))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rtkittest.Call(ctx, c, bc.ev, Empty{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPrincipalFrom(b *testing.B) {
	connected := make(chan context.Context, 1)
	a := users(map[string]auth.Principal{"t": alice})
	ns := rtkit.NewNamespace("/p", rtkit.OnConnect(func(c context.Context, _ *rtkit.Socket) { connected <- c }))
	srv := rtkit.NewServer(auth.Required(a, auth.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))))
	srv.Mount(ns)
	ts := rtkittest.Start(b, srv)
	ts.Dial(b, "/p", token("t"))
	ctx := <-connected
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := auth.PrincipalFrom(ctx); !ok {
			b.Fatal("no principal")
		}
	}
}
