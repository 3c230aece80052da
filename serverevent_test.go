package rtkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/hub"
	"github.com/rtkit-go/rtkit/rtkittest"
)

type (
	Flush struct {
		Key string `json:"key" jsonschema:"minLength=1"`
	}
	Flushed struct {
		Dropped int `json:"dropped" jsonschema:"minimum=0"`
	}
)

var evFlush = rtkit.NewEvent[Flush, Flushed]("cache:flush")

// linked starts n servers joined by a hub, each with /test and a handler of
// evFlush that counts its calls in calls[i].
func linked(t *testing.T, n int, deaf ...bool) ([]*rtkit.Namespace, []*rtkittest.Server, []*atomic.Int64) {
	t.Helper()
	h := hub.New()
	var nss []*rtkit.Namespace
	var tss []*rtkittest.Server
	var calls []*atomic.Int64
	for i := range n {
		ns := newTestNamespace()
		var c atomic.Int64
		rtkit.HandleServer(ns, evFlush, func(_ context.Context, f Flush) (Flushed, error) {
			c.Add(1)
			if f.Key == "locked" {
				return Flushed{}, rtkit.NewError(rtkit.CodeForbidden, "locked")
			}
			if f.Key == "broken" {
				return Flushed{}, errors.New("secret internal detail")
			}
			return Flushed{Dropped: i}, nil
		})
		tss = append(tss, startWithNamespace(t, ns, rtkit.WithAdapter(h.Adapter(i < len(deaf) && deaf[i]))))
		nss = append(nss, ns)
		calls = append(calls, &c)
	}
	return nss, tss, calls
}

func TestServerEventsThroughALink(t *testing.T) {
	nss, tss, calls := linked(t, 3)
	out, err := rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{Key: "users"})
	require.NoError(t, err)
	var dropped []int
	for _, o := range out {
		dropped = append(dropped, o.Dropped)
	}
	slices.Sort(dropped)
	assert.Equal(t, []int{1, 2}, dropped, "answers of the two other servers")
	assert.Equal(t, []int64{0, 1, 1}, []int64{calls[0].Load(), calls[1].Load(), calls[2].Load()}, "not run on the sender")

	_, err = rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{})
	assert.ErrorContains(t, err, "does not match its schema", "invalid payload refused before sending")
	assert.Equal(t, []int64{0, 1, 1}, []int64{calls[0].Load(), calls[1].Load(), calls[2].Load()})

	_, err = rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{Key: "locked"})
	assert.Equal(t, rtkit.CodeForbidden, rtkit.CodeOf(err))
	_, err = rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{Key: "broken"})
	assert.Equal(t, rtkit.CodeInternal, rtkit.CodeOf(err))
	assert.NotContains(t, err.Error(), "secret", "a handler's internal error stays on its server")

	// Acknowledgements and counts go through the same link.
	for i, ts := range tss {
		c := dialIn(t, ts, "all")
		rtkittest.Answer(c, evAsk, func(Question) Answer { return Answer{A: i} })
	}
	n, err := nss[1].To("channel:all").Count(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	acks, err := rtkit.EmitWithAcks(ctx5(t), nss[2].To("channel:all"), evAsk, Question{Q: "?"})
	require.NoError(t, err)
	assert.Len(t, acks, 3)
}

func TestServerEventsSilentServer(t *testing.T) {
	nss, _, _ := linked(t, 3, false, false, true)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	out, err := rtkit.EmitServers(ctx, nss[0], evFlush, Flush{Key: "k"})
	assert.Len(t, out, 1, "the answer of the server that answered")
	assert.Equal(t, rtkit.CodeTimeout, rtkit.CodeOf(err))
	assert.Contains(t, err.Error(), "1 of 2 other servers answered")

	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	_, err = nss[0].To().Count(ctx2)
	assert.Equal(t, rtkit.CodeTimeout, rtkit.CodeOf(err))
}

// capture wraps an adapter and keeps the LocalNamespace rtkit passes to
// Open: what a peer of the cluster can call.
type capture struct {
	rtkit.Adapter
	local chan rtkit.LocalNamespace
}

func (c *capture) Open(ctx context.Context, ns string, l rtkit.LocalNamespace) (rtkit.NamespaceAdapter, error) {
	c.local <- l
	return c.Adapter.Open(ctx, ns, l)
}

// TestPeerHostileRequests: requests of a peer that are not rtkit's, or
// name unknown events, break schemas or carry undecodable arguments,
// change nothing and the server stays up.
func TestPeerHostileRequests(t *testing.T) {
	ns := newTestNamespace()
	cp := &capture{Adapter: hub.New().Adapter(false), local: make(chan rtkit.LocalNamespace, 1)}
	ts := startWithNamespace(t, ns, rtkit.WithAdapter(cp))
	l := <-cp.local
	c := dialIn(t, ts, "x")
	asked := rtkittest.Listen(c, evAsk)
	ctx := ctx5(t)
	counts := make(chan int, 16)
	noAnswer := func(a rtkit.AckAnswer) { t.Errorf("answer of a refused emit: %+v", a) }
	for _, p := range []rtkit.Packet{
		{},                // no event name
		{Args: []any{42}}, // not an event name
		{Args: []any{"notify", json.RawMessage(`{}`)}}, // declared without acknowledgement
		{Args: []any{"ask", map[string]any{"q": 5}}},   // breaks the schema
		{Args: []any{"ask", []byte{1, 2}}},             // binary where JSON is expected
		{Args: []any{"ask", json.RawMessage(`{"q":`)}}, // invalid JSON
		{Args: []any{"nope", "x"}},                     // undeclared
	} {
		l.BroadcastWithAck(ctx, p, rtkit.Selection{}, func(n int) { counts <- n }, noAnswer)
	}
	l.BroadcastWithAck(ctx, rtkit.Packet{Args: []any{"ask", map[string]any{"q": "x"}}}, rtkit.Selection{Rooms: []string{"channel:none"}},
		func(n int) { counts <- n }, noAnswer)
	var got []int
	for range 8 {
		select {
		case n := <-counts:
			got = append(got, n)
		case <-ctx.Done():
			t.Fatalf("counts so far: %v", got)
		}
	}
	assert.Equal(t, []int{0, 0, 0, 0, 0, 0, 0, 0}, got, "no recipient for a refused or empty emit")

	answers := make(chan []any, 4)
	l.ServerEvent(ctx, []any{"cache:flush", "zz"}, func(a []any) { answers <- a })
	l.ServerEvent(ctx, []any{"nope", map[string]any{}}, func(a []any) { answers <- a })
	l.ServerEvent(ctx, []any{}, func(a []any) { answers <- a })
	l.ServerEvent(ctx, []any{7}, func(a []any) { answers <- a })
	l.ServerEvent(ctx, []any{"cache:flush", []byte{0}}, func(a []any) { answers <- a })
	var envs []string
	for range 2 {
		select {
		case a := <-answers:
			require.Len(t, a, 1)
			b, err := json.Marshal(a[0])
			require.NoError(t, err)
			envs = append(envs, string(b))
		case <-ctx.Done():
			t.Fatalf("answers so far: %q", envs)
		}
	}
	slices.Sort(envs)
	assert.Equal(t, []string{
		`{"success":false,"error":{"code":"NOT_FOUND","message":"no handler of server event cache:flush on /test"}}`,
		`{"success":false,"error":{"code":"NOT_FOUND","message":"no handler of server event nope on /test"}}`,
	}, envs)
	select {
	case a := <-answers:
		t.Errorf("answer to a request without an event name: %v", a)
	case <-time.After(100 * time.Millisecond):
	}

	l.Deliver(rtkit.Packet{}, rtkit.Selection{})
	l.Deliver(rtkit.Packet{Args: []any{3, "x"}}, rtkit.Selection{})
	l.Join(rtkit.Selection{Rooms: []string{"channel:nobody"}}, []string{"channel:y"})
	assert.Empty(t, l.Sockets(rtkit.Selection{Rooms: []string{"channel:y"}}))
	assert.Zero(t, asked.Len())
	n, err := ns.To().Count(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the server still serves")
}

func TestHandleServerPanics(t *testing.T) {
	ns := rtkit.NewNamespace("/p")
	rtkit.HandleServer(ns, evFlush, func(context.Context, Flush) (Flushed, error) { return Flushed{}, nil })
	assert.PanicsWithValue(t, "rtkit: namespace /p: server event cache:flush handled twice", func() {
		rtkit.HandleServer(ns, evFlush, func(context.Context, Flush) (Flushed, error) { return Flushed{}, nil })
	})
	assert.Panics(t, func() { rtkit.HandleServer[Flush, Flushed](rtkit.NewNamespace("/q"), evFlush, nil) })
}

// TestPeerFloodIsBounded: another server's requests run at most 256 at
// once; beyond that they are dropped (their sender times out), and the
// server answers again once the work is done.
func TestPeerFloodIsBounded(t *testing.T) {
	ns := newTestNamespace()
	release := make(chan struct{})
	var running, most atomic.Int64
	rtkit.HandleServer(ns, evFlush, func(context.Context, Flush) (Flushed, error) {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		running.Add(-1)
		return Flushed{}, nil
	})
	cp := &capture{Adapter: hub.New().Adapter(false), local: make(chan rtkit.LocalNamespace, 1)}
	startWithNamespace(t, ns, rtkit.WithAdapter(cp))
	l := <-cp.local
	ctx := ctx5(t)
	answers := make(chan []any, 400)
	for range 300 {
		l.ServerEvent(ctx, []any{"cache:flush", map[string]any{"key": "k"}}, func(a []any) { answers <- a })
	}
	require.Eventually(t, func() bool { return running.Load() == 256 }, 5*time.Second, time.Millisecond)
	close(release)
	for range 256 {
		select {
		case <-answers:
		case <-ctx.Done():
			t.Fatal("the work admitted was not answered")
		}
	}
	assert.EqualValues(t, 256, most.Load(), "at most 256 requests of other servers at once")
	assert.Empty(t, answers, "the 44 beyond the bound were dropped")
	l.ServerEvent(ctx, []any{"cache:flush", map[string]any{"key": "k"}}, func(a []any) { answers <- a })
	select {
	case a := <-answers:
		b, _ := json.Marshal(a[0])
		assert.JSONEq(t, `{"success":true,"data":{"dropped":0}}`, string(b))
	case <-ctx.Done():
		t.Fatal("no answer after the flood")
	}
}
