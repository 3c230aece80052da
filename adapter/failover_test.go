package adapter_test

import (
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/chaos"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/redislog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProcessesFailoverRecovers: two node processes share one Redis and
// its delivery log (-log). Official JavaScript clients, half on each node,
// receive 1..N in a room, emitted by this process through the log; a third
// of the way through, node A gets SIGTERM. Its clients reconnect to node B
// and recover there: every client gets every number once, in order, and
// every reconnection is recovered.
func TestProcessesFailoverRecovers(t *testing.T) {
	a, cfg, emit := startFailoverPair(t)
	var stopped time.Duration
	results := chaos.Run(t, cfg, func(n int) error {
		if n == cfg.Total/3 {
			began := time.Now()
			a.stop(t) // SIGTERM, waits for the exit
			stopped = time.Since(began)
		}
		return emit(n)
	})
	chaos.Verify(t, cfg, results)
	moved := 0
	for _, res := range results {
		moved += res.Recovered
	}
	t.Logf("node A stopped in %v; %d clients recovered on node B", stopped.Round(time.Millisecond), moved)
	if moved < cfg.Clients/2 {
		t.Errorf("%d clients recovered after node A stopped, want at least %d (those on A)", moved, cfg.Clients/2)
	}
}

// TestProcessesKilledNodeSignalsResync: when node A is killed (SIGKILL),
// it cannot hand over its sessions: its clients reconnect to node B and
// are told to resync (rtkit:resync, unknown_session) instead of silently
// missing what was emitted meanwhile. Node B's clients are unaffected.
func TestProcessesKilledNodeSignalsResync(t *testing.T) {
	a, cfg, emit := startFailoverPair(t)
	results := chaos.Run(t, cfg, func(n int) error {
		if n == cfg.Total/3 {
			a.kill()
		}
		return emit(n)
	})
	require.Len(t, results, cfg.Clients)
	for _, res := range results {
		onA := res.ID%len(cfg.URLs) == 0 // chaos.mjs starts client i on URL i mod n
		if !onA {
			assert.Equal(t, chaos.Stats{}, chaos.Check(res.Got, cfg.Total), "client %d on node B", res.ID)
			assert.Empty(t, res.Resyncs, "client %d on node B", res.ID)
			continue
		}
		assert.Equal(t, []string{"unknown_session"}, res.Resyncs, "client %d on the killed node", res.ID)
		assert.Zero(t, res.Recovered, "client %d on the killed node", res.ID)
		if assert.NotEmpty(t, res.Got, "client %d", res.ID) {
			assert.Equal(t, cfg.Total, res.Got[len(res.Got)-1], "client %d gets the events after it moved", res.ID)
		}
	}
}

// startFailoverPair starts two node processes with the Redis delivery log
// and returns the first, the chaos configuration for clients spread over
// both (moving to the other node when theirs goes away), and a function
// that emits tick n to room "feed" from this process, through the log.
func startFailoverPair(t *testing.T) (*nodeProc, chaos.Config, func(n int) error) {
	t.Helper()
	chaos.Node(t)
	r := redistest.Start(t)
	bin := buildNode(t)
	a := startNodeProc(t, bin, r, "a", "-log")
	b := startNodeProc(t, bin, r, "b", "-log")
	worker := redislog.New(r.Client(t), redislog.Options{})
	ns := chaos.Namespace() // the same declarations, not mounted here
	cfg := chaos.Config{URLs: []string{a.url, b.url}, Namespace: chaos.NamespaceName,
		Total: 600, Clients: 10, Interval: 2 * time.Millisecond, Failover: true}
	return a, cfg, func(n int) error {
		return rtkit.Emit(ns.Via(worker).To("feed"), chaos.TickEvent, chaos.Tick{N: n})
	}
}
