//go:build unix

package rtkit_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// BenchmarkAckOneInFlight is the load harness's echo phase at one event in
// flight, in one process: a client speaking the protocol by hand over a
// websocket (internal/sioraw) emits a validated event and waits for its
// acknowledgement, again and again. cpu-ns/op is the process's CPU time
// (user and system, getrusage) per round trip: unlike ns/op, it does not
// count the time other processes take the processor. It, B/op and
// allocs/op include the client's share, which does not depend on the
// server: compare server builds by their difference. Run on one
// processor, as the harness's pinned server:
//
//	taskset -c 0 go test -run '^$' -bench AckOneInFlight -benchmem -cpu 1 -count 10 .
func BenchmarkAckOneInFlight(b *testing.B) {
	ns := rtkit.NewNamespace("/bench")
	rtkit.Handle(ns, benchEvEcho, func(_ context.Context, _ *rtkit.Socket, in benchEchoIn) (benchEchoOut, error) {
		return benchEchoOut{Channel: in.Channel, OK: true}, nil
	})
	srv := rtkit.NewServer(rtkit.WithLogger(benchLogger()), rtkit.WithTransports(rtkit.WebSocket), rtkit.WithRecovery(0))
	srv.Mount(ns)
	ts := rtkittest.Start(b, srv)
	c := sioraw.Join(b, ts.URL, "/bench", nil)
	const frame = `42/bench,1["echo",{"channel":"user:123"}]`
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		c.Send(frame)
		c.Ack("/bench", 1)
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
