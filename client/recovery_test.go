package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

// collector gathers the ticks a client receives and what happens to its
// connection, in order.
type collector struct {
	mu       sync.Mutex
	ticks    []int
	connects []client.ConnectInfo
	resyncs  []rtkit.Resync
	changed  chan struct{}
}

func newCollector() *collector { return &collector{changed: make(chan struct{}, 1)} }

func (k *collector) options(o client.Options) client.Options {
	o.OnConnect = func(i client.ConnectInfo) { k.record(func() { k.connects = append(k.connects, i) }) }
	o.OnResync = func(r rtkit.Resync) { k.record(func() { k.resyncs = append(k.resyncs, r) }) }
	return o
}

func (k *collector) listen(c *client.Client) {
	client.On(c, evTick, func(tk tick) { k.record(func() { k.ticks = append(k.ticks, tk.Seq) }) })
}

func (k *collector) record(f func()) {
	k.mu.Lock()
	f()
	k.mu.Unlock()
	select {
	case k.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until cond holds (under the collector's lock).
func (k *collector) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		k.mu.Lock()
		ok := cond()
		k.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-k.changed:
		case <-deadline:
			k.mu.Lock()
			defer k.mu.Unlock()
			t.Fatalf("waiting for %s: ticks %v, connects %+v, resyncs %+v", what, k.ticks, k.connects, k.resyncs)
		}
	}
}

func TestListenAcrossTransportDropLosesNothing(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	k := newCollector()
	released := make(chan struct{})
	refreshed := make(chan struct{}, 1)
	c := dial(t, ts, k.options(client.Options{Refresh: func(context.Context) (client.Credentials, error) {
		// Hold the reconnection until the ticks sent meanwhile are out.
		refreshed <- struct{}{}
		<-released
		return client.Credentials{Token: "good"}, nil
	}}))
	k.listen(c)
	ts.emitTicks(t, 0, 50)
	k.waitFor(t, "the first ticks", func() bool { return len(k.ticks) == 50 })

	c.DropTransport()
	<-refreshed // the client is away
	ts.emitTicks(t, 50, 100)
	close(released)
	k.waitFor(t, "the reconnection", func() bool { return len(k.connects) == 2 })
	ts.emitTicks(t, 100, 120)
	k.waitFor(t, "every tick", func() bool { return len(k.ticks) >= 120 })

	k.mu.Lock()
	defer k.mu.Unlock()
	want := make([]int, 120)
	for i := range want {
		want[i] = i
	}
	assert.Equal(t, want, k.ticks, "each tick once, in order")
	assert.True(t, k.connects[1].Recovered && k.connects[1].Reconnect, "%+v", k.connects[1])
	assert.Equal(t, k.connects[0].ID, k.connects[1].ID, "the same socket")
	assert.Empty(t, k.resyncs)
}

func TestResyncWhenTheWindowIsExceeded(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 3) // the log keeps three events
	k := newCollector()
	released := make(chan struct{})
	refreshed := make(chan struct{}, 1)
	c := dial(t, ts, k.options(client.Options{Refresh: func(context.Context) (client.Credentials, error) {
		refreshed <- struct{}{}
		<-released
		return client.Credentials{Token: "good"}, nil
	}}))
	k.listen(c)
	ts.emitTicks(t, 0, 1)
	k.waitFor(t, "the first tick", func() bool { return len(k.ticks) == 1 })

	c.DropTransport()
	<-refreshed
	ts.emitTicks(t, 1, 11) // more than the log keeps
	close(released)
	k.waitFor(t, "the resync", func() bool { return len(k.resyncs) == 1 })
	ts.emitTicks(t, 11, 12)
	k.waitFor(t, "the tick after the resync", func() bool { return len(k.ticks) == 2 })

	k.mu.Lock()
	defer k.mu.Unlock()
	assert.Equal(t, rtkit.ResyncWindowExceeded, k.resyncs[0].Reason)
	assert.False(t, k.connects[1].Recovered)
	assert.Equal(t, []int{0, 11}, k.ticks, "nothing replayed after a resync")
}

func TestCredentialsRefreshedBeforeReconnecting(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	ts.allow("first")
	var calls int
	var mu sync.Mutex
	k := newCollector()
	c := dial(t, ts, k.options(client.Options{
		Credentials: client.Credentials{Token: "first"},
		Refresh: func(context.Context) (client.Credentials, error) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return client.Credentials{Token: "second"}, nil
		},
	}))
	k.listen(c)
	ts.emitTicks(t, 0, 1)
	k.waitFor(t, "a tick", func() bool { return len(k.ticks) == 1 })
	ts.allow("second") // "first" expired meanwhile
	c.DropTransport()
	k.waitFor(t, "the reconnection", func() bool { return len(k.connects) == 2 })
	ts.emitTicks(t, 1, 2)
	k.waitFor(t, "a tick after", func() bool { return len(k.ticks) == 2 })

	assert.Equal(t, []string{"first", "second"}, ts.presented())
	mu.Lock()
	assert.Equal(t, 1, calls)
	mu.Unlock()
	k.mu.Lock()
	assert.True(t, k.connects[1].Recovered, "a recovered session, under the new token")
	k.mu.Unlock()
}

// Without Refresh, credentials the server refuses now end the client.
func TestRefusedReconnectionEndsTheClient(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	c := dial(t, ts, client.Options{})
	ts.allow() // every token revoked
	c.DropTransport()
	select {
	case <-c.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the client still tries")
	}
	var ce *client.ConnectError
	require.True(t, errors.As(c.Err(), &ce), "%v", c.Err())
	assert.Equal(t, rtkit.CodeUnauthorized, ce.Code)
	_, err := client.Call(ctx(t), c, evEcho, echoIn{Text: "x"})
	assert.ErrorAs(t, err, &ce)
}

// Close leaves no goroutine of the client's behind: not its own, not the
// Socket.IO client's (beyond the library timers leakcheck waits out).
// Not parallel: it compares with the goroutines running before it.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	ts := startServer(t, 0)
	// The server starts goroutines of its own with its first connection.
	warm, err := client.Dial(ctx(t), ts.url(), client.Options{Credentials: client.Credentials{Token: "good"}})
	require.NoError(t, err)
	require.NoError(t, warm.Close())
	before := goleak.IgnoreCurrent()
	k := newCollector()
	c, err := client.Dial(ctx(t), ts.url(), k.options(client.Options{
		Credentials: client.Credentials{Token: "good"},
		Reconnect:   client.Backoff{Initial: 10 * time.Millisecond},
	}))
	require.NoError(t, err)
	k.listen(c)
	_, err = client.Call(ctx(t), c, evEcho, echoIn{Text: "x"})
	require.NoError(t, err)
	c.DropTransport()
	k.waitFor(t, "the reconnection", func() bool { return len(k.connects) == 2 })
	ts.emitTicks(t, 0, 1)
	k.waitFor(t, "a tick", func() bool { return len(k.ticks) == 1 })
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.Err(), client.ErrClosed)
	_, err = client.Call(ctx(t), c, evEcho, echoIn{Text: "x"})
	assert.ErrorIs(t, err, client.ErrClosed)
	// Nothing is left but what ran before, the server included: its side
	// of the connection ended with the client's (which may take a moment).
	// Over websocket, the default: a long-poll in flight at Close outlives
	// it until the server answers (see Close).
	for deadline := time.Now().Add(10 * time.Second); goleak.Find(before) != nil && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
	}
	require.NoError(t, leakcheck.Check(before))
}
