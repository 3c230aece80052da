package otelrtkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// BenchmarkEventHooks measures what the observer does for one
// acknowledged event, without the network: EventStart, EventEnd, the
// bytes received and the acknowledgement sent, on a socket whose
// handshake the observer saw. The event arrived behind another
// (QueueDepth 2), as under load, so that the queue depth is recorded too.
func BenchmarkEventHooks(b *testing.B) {
	for _, mode := range []string{"metrics", "never", "always"} {
		b.Run("otel="+mode, func(b *testing.B) {
			obs := benchObserver(b, mode)
			got := make(chan *rtkit.Socket, 1)
			ns := rtkit.NewNamespace("/bench", rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) { got <- s }))
			srv := rtkit.NewServer(rtkit.WithObserver(obs), rtkit.WithLogger(discard()), rtkit.WithRecovery(0))
			srv.Mount(ns)
			ts := rtkittest.Start(b, srv)
			ts.Dial(b, "/bench")
			s := <-got
			ctx := s.Context()
			b.ReportAllocs()
			for b.Loop() {
				obs.Received(40)
				e := rtkit.EventObservation{Event: "echo", Declared: true, QueueDepth: 2}
				ectx := obs.EventStart(ctx, s, e)
				e.Acked, e.Duration = true, time.Microsecond
				obs.Sent("/bench", 1, 40)
				obs.EventEnd(ectx, s, e)
			}
		})
	}
}
