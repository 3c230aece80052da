package hostile_test

import (
	"context"
	"fmt"
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
	unpublished          atomic.Int64 // broadcasts the adapter reported it could not publish
	adapterErrs          []string     // what the adapters logged during the phase
}

// TestRedisOutageUnderLoad runs two servers on one Redis while 16 clients
// (8 on each) broadcast to the lobby without pause, stops Redis for 3 s,
// then starts it again: events are answered throughout (none fails, none
// waits longer than the adapter's timeout), delivery on the same node goes
// on during the outage, and delivery across nodes resumes by itself after
// it. The figures of each phase, and the errors the adapters log, are
// logged.
//
// Before and after the outage, delivery across nodes is complete unless
// the adapter reported publishes that failed: on a machine so busy that a
// goroutine waits longer than the adapter's timeout (300 ms) to read
// Redis's answer, a healthy Redis looks unreachable, and the adapter's
// fast-failure window drops the broadcasts of the next 250 ms (publishes
// are at most once; see docs/security.md). Every missing delivery must
// then be one of those reported publishes, and the adapter must have
// logged timeouts only: a loss nobody reported fails the test.
func TestRedisOutageUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	r := redistest.Start(t)
	errs := &errorLog{}
	var current atomic.Pointer[phase]
	node := func() *suite {
		a := adapter.Redis(r.Client(t), adapter.Options{Timeout: 300 * time.Millisecond, Logger: slog.New(errs)})
		return start(t, func(c *hostile.Config) {
			c.EventsPerSecond = 1000
			c.Options = []rtkit.ServerOption{rtkit.WithAdapter(a), rtkit.WithObserver(publishFailures{&current})}
		})
	}
	nodes := []*suite{node(), node()}

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
		p.adapterErrs = errs.take()
		t.Logf("%-7s %5d events (%d failed, slowest %v): delivered on the same node %d/%d, across nodes %d/%d; "+
			"broadcasts the adapter failed to publish: %d; adapter errors: %v",
			p.name, p.sent.Load(), p.failed.Load(), time.Duration(p.slowest.Load()).Round(time.Millisecond),
			p.local.Load(), p.expectLocal, p.remote.Load(), p.expectR, p.unpublished.Load(), p.adapterErrs)
	}

	// crossing starts a probe: its condition sends a message from each
	// node and reports whether a message from each node has reached the
	// other since the probe began.
	crossing := func() func() bool {
		probe := &phase{name: "probe"}
		current.Store(probe)
		return func() bool {
			_, _ = rtkittest.Call(ctx5(t), members[0].c, hostile.Say, hostile.SayIn{Room: "lobby", Text: "probe"})
			_, _ = rtkittest.Call(ctx5(t), members[1].c, hostile.Say, hostile.SayIn{Room: "lobby", Text: "probe"})
			time.Sleep(10 * time.Millisecond)
			return probe.remoteAt[0].Load() > 0 && probe.remoteAt[1].Load() > 0
		}
	}
	// The subscriptions are made in the background (Open waits for them
	// up to the timeout only): the cluster is formed once both directions
	// deliver.
	require.Eventually(t, crossing(), 15*time.Second, 10*time.Millisecond, "delivery across nodes, both ways")
	errs.take()
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
	// Each node restores its own subscriptions: probe both directions.
	require.Eventually(t, crossing(), 15*time.Second, 10*time.Millisecond, "delivery across nodes resumes by itself, both ways")
	t.Logf("after the restart: adapters healthy in %v, delivery across nodes back in %v; adapter errors: %v",
		healthy.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond), errs.take())
	run(after, 2*time.Second)

	for _, p := range []*phase{before, during, after} {
		assert.Positive(t, p.sent.Load(), "%s: events were sent", p.name)
		assert.Zero(t, p.failed.Load(), "%s: every event answered with success", p.name)
		assert.Less(t, time.Duration(p.slowest.Load()), 3*time.Second, "%s: no event waits on Redis for long", p.name)
		assert.Equal(t, p.expectLocal, p.local.Load(), "%s: delivery on the same node is complete", p.name)
	}
	for _, p := range []*phase{before, after} {
		if p.unpublished.Load() == 0 {
			assert.Equal(t, p.expectR, p.remote.Load(), "%s: delivery across nodes is complete", p.name)
			continue
		}
		// A healthy Redis taken for an unreachable one (see above): each
		// missing delivery is a reported failure, and only timeouts were.
		assert.Less(t, 8*p.unpublished.Load(), p.expectR,
			"%s: Redis was up: the adapter published some of the phase's broadcasts", p.name)
		assert.GreaterOrEqual(t, p.remote.Load(), p.expectR-8*p.unpublished.Load(),
			"%s: every delivery across nodes that is missing belongs to a publish the adapter reported failed", p.name)
		assert.NotEmpty(t, p.adapterErrs, "%s: the adapter logged its failures", p.name)
		for _, e := range p.adapterErrs {
			assert.Contains(t, e, context.DeadlineExceeded.Error(), "%s: Redis was up: only timeouts", p.name)
		}
		t.Logf("%s: %d broadcasts not published across nodes after a timeout on a healthy Redis", p.name, p.unpublished.Load())
	}
}

// publishFailures is an rtkit.Observer that counts, in the current phase,
// the broadcasts the adapter failed to publish to the other servers.
type publishFailures struct{ current *atomic.Pointer[phase] }

func (o publishFailures) Published(_ context.Context, _, op string, _ time.Duration, err error) {
	if p := o.current.Load(); p != nil && op == "broadcast" && err != nil {
		p.unpublished.Add(1)
	}
}

func (publishFailures) Attach(*rtkit.Server) {}
func (publishFailures) HandshakeStart(ctx context.Context, _ *rtkit.Socket) context.Context {
	return ctx
}
func (publishFailures) HandshakeEnd(context.Context, *rtkit.Socket, *rtkit.Error) {}
func (publishFailures) Disconnected(*rtkit.Socket, string)                        {}
func (publishFailures) EventStart(ctx context.Context, _ *rtkit.Socket, _ rtkit.EventObservation) context.Context {
	return ctx
}
func (publishFailures) EventEnd(context.Context, *rtkit.Socket, rtkit.EventObservation) {}
func (publishFailures) Emitted(context.Context, rtkit.EmitObservation)                  {}
func (publishFailures) AckAwaited(context.Context, *rtkit.Socket, string, time.Duration, error) {
}
func (publishFailures) Sent(string, int, int)                      {}
func (publishFailures) Received(int)                               {}
func (publishFailures) Replayed(*rtkit.Socket, int)                {}
func (publishFailures) Resynced(*rtkit.Socket, rtkit.ResyncReason) {}

// errorLog is an slog.Handler that keeps the errors an adapter logs.
type errorLog struct {
	mu   sync.Mutex
	errs []string
}

func (*errorLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (e *errorLog) WithAttrs([]slog.Attr) slog.Handler         { return e }
func (e *errorLog) WithGroup(string) slog.Handler              { return e }

func (e *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Time.Format("15:04:05.000 ") + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, b.String())
	return nil
}

// take returns the errors logged since the previous call.
func (e *errorLog) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	errs := e.errs
	e.errs = nil
	return errs
}
