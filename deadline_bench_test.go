package rtkit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
)

// BenchmarkHandlerDeadline measures what a deadline adds to each handled
// event: admitting the handler and finishing it, with the default
// deadline and without one (WithHandlerTimeout(0)).
func BenchmarkHandlerDeadline(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []ServerOption
	}{
		{"deadline=off", []ServerOption{WithHandlerTimeout(0)}},
		{"deadline=30s", nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := NewServer(append(tc.opts, WithLogger(slog.New(slog.DiscardHandler)))...)
			n := NewNamespace("/bench")
			srv.Mount(n)
			b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			s := &Socket{ns: n, ctx: ctx, cancel: cancel}
			var stuck atomic.Int32
			ev := incoming{name: "bench"}
			b.ReportAllocs()
			for b.Loop() {
				r, rerr := n.begin(s, ev, nil, &stuck, nil)
				if rerr != nil {
					b.Fatal(rerr)
				}
				var err error
				if !r.end(&err) {
					b.Fatal("overdue")
				}
			}
		})
	}
}
