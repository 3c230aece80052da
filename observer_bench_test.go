package rtkit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkObserverSeam measures what the Observer seam adds to each
// handled event, the observer's own work left out: admitting the
// handler, observing it (EventStart, EventEnd) and finishing it, without
// an Observer and with one that does nothing. Handler deadlines are off
// (BenchmarkHandlerDeadline measures them), so that only the seam
// differs.
func BenchmarkObserverSeam(b *testing.B) {
	for _, tc := range []struct {
		name string
		obs  Observer
	}{
		{"observer=none", nil},
		{"observer=noop", noopObserver{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := NewServer(WithObserver(tc.obs), WithHandlerTimeout(0), WithLogger(slog.New(slog.DiscardHandler)))
			n := NewNamespace("/bench")
			srv.Mount(n)
			b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			s := &Socket{ns: n, ctx: ctx, cancel: cancel}
			var stuck atomic.Int32
			ev := incoming{name: "bench", ack: func([]any) {}, depth: 1}
			b.ReportAllocs()
			for b.Loop() {
				var ob *obsStart
				if srv.obs != nil {
					ob = &obsStart{declared: true}
				}
				r, rerr := n.begin(s, ev, nil, &stuck, ob)
				if rerr != nil {
					b.Fatal(rerr)
				}
				var err error
				if !r.end(&err) {
					b.Fatal("overdue")
				}
				r.obs.report("")
			}
		})
	}
}

// noopObserver observes nothing.
type noopObserver struct{}

func (noopObserver) Attach(*Server) {}
func (noopObserver) HandshakeStart(ctx context.Context, _ *Socket) context.Context {
	return ctx
}
func (noopObserver) HandshakeEnd(context.Context, *Socket, *Error) {}
func (noopObserver) Disconnected(*Socket, string)                  {}
func (noopObserver) EventStart(ctx context.Context, _ *Socket, _ EventObservation) context.Context {
	return ctx
}
func (noopObserver) EventEnd(context.Context, *Socket, EventObservation)               {}
func (noopObserver) Emitted(context.Context, EmitObservation)                          {}
func (noopObserver) AckAwaited(context.Context, *Socket, string, time.Duration, error) {}
func (noopObserver) Sent(string, int, int)                                             {}
func (noopObserver) Received(int)                                                      {}
func (noopObserver) Replayed(*Socket, int)                                             {}
func (noopObserver) Resynced(*Socket, ResyncReason)                                    {}
func (noopObserver) Published(context.Context, string, string, time.Duration, error)   {}
