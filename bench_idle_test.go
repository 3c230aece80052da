package rtkit_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// benchIdleSockets is the number of sockets BenchmarkIdleSockets connects
// per iteration.
const benchIdleSockets = 500

// BenchmarkIdleSockets measures the memory an idle connected socket holds:
// each iteration starts a server, connects 500 raw websocket clients to
// /bench (joined to room "broadcast"), and reports the growth of the Go
// heap and goroutine stacks after a collection, per socket (mem-B/socket).
// Clients run in the same process, so the figure includes their side too
// (the same for both implementations); the difference between impl=rtkit
// and impl=raw is the servers'.
func BenchmarkIdleSockets(b *testing.B) {
	b.Run("impl=rtkit", func(b *testing.B) {
		benchIdle(b, func(b *testing.B) string {
			ns := rtkit.NewNamespace(benchNamespace,
				rtkit.WithRoom("broadcast", rtkit.Anyone),
				rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"broadcast"} }),
			)
			srv := rtkit.NewServer(rtkit.WithLogger(benchLogger()), rtkit.WithTransports(rtkit.WebSocket), rtkit.WithRecovery(0))
			srv.Mount(ns)
			return rtkittest.Start(b, srv).URL
		})
	})
	b.Run("impl=raw", func(b *testing.B) {
		benchIdle(b, func(b *testing.B) string {
			sio, base := startBenchRawServer(b)
			_ = sio.Of(benchNamespace, nil).On("connection", func(a ...any) { a[0].(*socket.Socket).Join("broadcast") })
			return base
		})
	})
}

func benchIdle(b *testing.B, start func(*testing.B) string) {
	var total float64
	n := 0
	for b.Loop() {
		b.StopTimer()
		base := start(b)
		before := settledMemory()
		b.StartTimer()
		f := dialBenchFleet(b, base, benchIdleSockets)
		b.StopTimer()
		time.Sleep(100 * time.Millisecond) // let the handshakes' garbage go
		after := settledMemory()
		total += float64(after-before) / benchIdleSockets
		n++
		f.close()
		time.Sleep(100 * time.Millisecond) // the server lets go of the sockets
		b.StartTimer()
	}
	b.ReportMetric(total/float64(n), "mem-B/socket")
}

// settledMemory is the heap in use plus goroutine stacks, after two
// collections.
func settledMemory() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}
