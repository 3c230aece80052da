package redislog_test

import (
	"log/slog"
	"testing"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/chaos"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/redislog"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// startNode starts one rtkit server of a two-server deployment: the Redis
// adapter and the Redis delivery log, each with its own Redis client, as
// separate processes would have.
func startNode(t *testing.T, rs *redistest.Server, opts ...rtkit.ServerOption) (*rtkit.Namespace, *rtkittest.Server) {
	t.Helper()
	rdb := rs.Client(t)
	quiet := slog.New(slog.DiscardHandler)
	ns := chaos.Namespace()
	srv := rtkit.NewServer(append([]rtkit.ServerOption{
		rtkit.WithLogger(quiet),
		rtkit.WithAdapter(adapter.Redis(rdb, adapter.Options{Logger: quiet})),
		rtkit.WithDeliveryLog(redislog.New(rdb, redislog.Options{})),
	}, opts...)...)
	srv.Mount(ns)
	return ns, rtkittest.Start(t, srv)
}

// TestChaosRecoveryTwoNodes: two servers (in this process, each with its
// own Redis clients) behind Redis; events 1..N go to a room every 2 ms,
// emitted alternately by each server, while every official JavaScript
// client drops its transport at least ten times and reconnects to the
// other server each time: nothing missing, duplicated or out of order.
func TestChaosRecoveryTwoNodes(t *testing.T) {
	for _, mode := range chaos.Modes {
		polling := mode.Polling
		t.Run(mode.Name, func(t *testing.T) {
			chaos.Node(t)
			rs := redistest.Start(t)
			nsA, a := startNode(t, rs)
			nsB, b := startNode(t, rs)
			cfg := chaos.Default(polling, a.URL, b.URL)
			results := chaos.Run(t, cfg, func(n int) error {
				ns := nsA
				if n%2 == 0 {
					ns = nsB
				}
				return rtkit.Emit(ns.To("feed"), chaos.TickEvent, chaos.Tick{N: n})
			})
			chaos.Verify(t, cfg, results)
		})
	}
}
