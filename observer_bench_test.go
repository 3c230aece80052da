package rtkit

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkObserverSeam measures what the Observer seam adds to each
// handled event, the observer's own work left out: admitting the
// handler, observing it (EventStart, EventEnd) and finishing it, without
// an Observer and with one that does nothing, with handler deadlines off
// and at their default (the deadline and the observation share one clock
// reading).
func BenchmarkObserverSeam(b *testing.B) {
	for _, deadline := range []struct {
		name string
		opt  ServerOption
	}{
		{"deadline=off", WithHandlerTimeout(0)},
		{"deadline=30s", WithHandlerTimeout(30 * time.Second)},
	} {
		for _, tc := range []struct {
			name string
			obs  Observer
		}{
			{"observer=none", nil},
			{"observer=noop", noopObserver{}},
		} {
			b.Run(deadline.name+"/"+tc.name, func(b *testing.B) {
				benchSeam(b, NewServer(WithObserver(tc.obs), deadline.opt, WithLogger(slog.New(slog.DiscardHandler))))
			})
		}
	}
}

func benchSeam(b *testing.B, srv *Server) {
	n := NewNamespace("/bench")
	srv.Mount(n)
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	s := &Socket{ns: n, ctx: ctx, cancel: cancel}
	var stuck atomic.Int32
	ev := incoming{name: "bench", ack: nopAck{}, depth: 1}
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

// nopAck is an acknowledgement that sends nothing.
type nopAck struct{}

func (nopAck) send([]any)              {}
func (nopAck) success(json.RawMessage) {}
