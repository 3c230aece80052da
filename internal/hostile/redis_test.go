package hostile_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/hostile"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// phase counts one period of TestRedisOutageUnderLoad.
type phase struct {
	name                 string
	sent, failed         atomic.Int64
	local, remote        atomic.Int64    // deliveries from the same node, from the other
	remoteAt             [2]atomic.Int64 // deliveries from the other node, by receiving node
	slowest              atomic.Int64
	expectLocal, expectR int64
}

// TestRedisOutageUnderLoad runs two servers on one Redis while 16 clients
// (8 on each) broadcast to the lobby without pause, stops Redis for 3 s,
// then starts it again: events are answered throughout (none fails, none
// waits longer than the adapter's timeout), delivery on the same node goes
// on during the outage, and delivery across nodes resumes by itself after
// it. The figures of each phase are logged.
func TestRedisOutageUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	r := redistest.Start(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	node := func() *suite {
		a := adapter.Redis(r.Client(t), adapter.Options{Timeout: 300 * time.Millisecond, Logger: quiet})
		return start(t, func(c *hostile.Config) {
			c.EventsPerSecond = 1000
			c.Options = []rtkit.ServerOption{rtkit.WithAdapter(a)}
		})
	}
	nodes := []*suite{node(), node()}

	var current atomic.Pointer[phase]
	type member struct {
		c    *rtkittest.Client
		node int
		user string
	}
	var members []member
	nodeOf := map[string]int{}
	for i := range 16 {
		u := fmt.Sprintf("redis-%d-%s", i, user())
		nodeOf[u] = i % 2
		members = append(members, member{c: nodes[i%2].dial(t, u), node: i % 2, user: u})
	}
	for _, m := range members {
		_ = m.c.Raw().On(types.EventName(hostile.Said.Name()), func(args ...any) {
			p := current.Load()
			msg, _ := args[0].(map[string]any)
			from, _ := msg["from"].(string)
			if p == nil || !strings.HasPrefix(fmt.Sprint(msg["text"]), p.name) {
				return // a message of another phase, late
			}
			if nodeOf[from] == m.node {
				p.local.Add(1)
			} else {
				p.remote.Add(1)
				p.remoteAt[m.node].Add(1)
			}
		})
	}

	before, during, after := &phase{name: "before"}, &phase{name: "outage"}, &phase{name: "after"}
	run := func(p *phase, d time.Duration) {
		current.Store(p)
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		var wg sync.WaitGroup
		for _, m := range members {
			wg.Go(func() {
				for ctx.Err() == nil {
					begin := time.Now()
					cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
					_, err := rtkittest.Call(cctx, m.c, hostile.Say, hostile.SayIn{Room: "lobby", Text: p.name + "-" + m.user})
					ccancel()
					p.sent.Add(1)
					if err != nil {
						p.failed.Add(1)
					}
					if d := int64(time.Since(begin)); d > p.slowest.Load() {
						p.slowest.Store(d)
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		// Each message reaches 8 clients on its node and 8 on the other;
		// let the deliveries in flight arrive.
		p.expectLocal, p.expectR = 8*p.sent.Load(), 8*p.sent.Load()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if p.local.Load() >= p.expectLocal && (p == during || p.remote.Load() >= p.expectR) {
				break
			}
		}
		t.Logf("%-7s %5d events (%d failed, slowest %v): delivered on the same node %d/%d, across nodes %d/%d",
			p.name, p.sent.Load(), p.failed.Load(), time.Duration(p.slowest.Load()).Round(time.Millisecond),
			p.local.Load(), p.expectLocal, p.remote.Load(), p.expectR)
	}

	run(before, 2*time.Second)
	r.Stop()
	run(during, 3*time.Second)
	r.Restart()
	restarted := time.Now()
	// The adapters reconnect on their own: Health first, then delivery
	// across nodes (the subscriptions are restored after the commands).
	require.Eventually(t, func() bool {
		return nodes[0].srv.Health(context.Background()).Adapter.Healthy &&
			nodes[1].srv.Health(context.Background()).Adapter.Healthy
	}, 10*time.Second, 10*time.Millisecond)
	healthy := time.Since(restarted)
	probe := &phase{name: "probe"}
	current.Store(probe)
	// Each node restores its own subscriptions: probe both directions.
	require.Eventually(t, func() bool {
		_, _ = rtkittest.Call(ctx5(t), members[0].c, hostile.Say, hostile.SayIn{Room: "lobby", Text: "probe"})
		_, _ = rtkittest.Call(ctx5(t), members[1].c, hostile.Say, hostile.SayIn{Room: "lobby", Text: "probe"})
		time.Sleep(10 * time.Millisecond)
		return probe.remoteAt[0].Load() > 0 && probe.remoteAt[1].Load() > 0
	}, 15*time.Second, 10*time.Millisecond, "delivery across nodes resumes by itself, both ways")
	t.Logf("after the restart: adapters healthy in %v, delivery across nodes back in %v",
		healthy.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond))
	run(after, 2*time.Second)

	for _, p := range []*phase{before, during, after} {
		assert.Positive(t, p.sent.Load(), "%s: events were sent", p.name)
		assert.Zero(t, p.failed.Load(), "%s: every event answered with success", p.name)
		assert.Less(t, time.Duration(p.slowest.Load()), 3*time.Second, "%s: no event waits on Redis for long", p.name)
		assert.Equal(t, p.expectLocal, p.local.Load(), "%s: delivery on the same node is complete", p.name)
	}
	assert.Equal(t, before.expectR, before.remote.Load(), "before: delivery across nodes is complete")
	assert.Equal(t, after.expectR, after.remote.Load(), "after: delivery across nodes is complete again")
}
