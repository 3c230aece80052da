package rtkit_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// hub joins the servers of one process through in-memory ServerLinks: a
// test double for the Redis adapter's link, to check rtkit's side of the
// protocol without Redis.
type hub struct {
	mu      sync.Mutex
	members []*hubLink
}

type hubLink struct {
	h     *hub
	serve func([]byte, func([]byte) error)
	// deaf links receive requests and never answer.
	deaf bool
}

func (h *hub) adapter(deaf bool) *hubLink {
	l := &hubLink{h: h, deaf: deaf}
	h.mu.Lock()
	h.members = append(h.members, l)
	h.mu.Unlock()
	return l
}

func (l *hubLink) Constructor() socket.AdapterConstructor { return nil }
func (l *hubLink) State(context.Context) rtkit.AdapterState {
	return rtkit.AdapterState{Name: "hub", Healthy: true}
}
func (l *hubLink) Close(context.Context) error { return nil }

// Open joins no namespace: the hub carries requests only.
func (l *hubLink) Open(context.Context, string, rtkit.LocalNamespace) (rtkit.NamespaceAdapter, error) {
	return adapter.Memory().Open(context.Background(), "", nil)
}

func (l *hubLink) ServeRequests(fn func([]byte, func([]byte) error)) { l.serve = fn }

func (l *hubLink) Request(ctx context.Context, req []byte, onAnswer func([]byte)) (int, error) {
	l.h.mu.Lock()
	others := slices.DeleteFunc(slices.Clone(l.h.members), func(m *hubLink) bool { return m == l })
	l.h.mu.Unlock()
	var mu sync.Mutex // answers are passed one at a time
	for _, m := range others {
		if m.deaf {
			continue
		}
		m.serve(slices.Clone(req), func(answer []byte) error {
			mu.Lock()
			defer mu.Unlock()
			if ctx.Err() == nil {
				onAnswer(answer)
			}
			return nil
		})
	}
	return len(others), nil
}

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
	h := &hub{}
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
		tss = append(tss, startWithNamespace(t, ns, rtkit.WithAdapter(h.adapter(i < len(deaf) && deaf[i]))))
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

// TestLinkHostileRequests: requests that are not rtkit's, or name unknown
// namespaces, events or operations, change nothing and the server stays up.
func TestLinkHostileRequests(t *testing.T) {
	h := &hub{}
	ns := newTestNamespace()
	l := h.adapter(false)
	ts := startWithNamespace(t, ns, rtkit.WithAdapter(l))
	c := dialIn(t, ts, "x")
	asked := rtkittest.Listen(c, evAsk)
	answers := make(chan []byte, 16)
	for _, req := range []string{
		``, `not json`, `{"op":"nope","ns":"/test"}`, `{"op":"count","ns":"/nowhere"}`,
		`{"op":"acks","ns":"/test","event":"notify","payload":{}}`,
		`{"op":"acks","ns":"/test","event":"ask","payload":{"q":"x"},"rooms":["channel:none"]}`,
		`{"op":"acks","ns":"/test","event":"ask","payload":{"q":5}}`, // breaks the schema: nobody asked
		`{"op":"server","ns":"/test","event":"cache:flush","payload":"zz"}`,
		`{"op":"count","ns":"/test","rooms":["channel:x"]}`,
	} {
		l.serve([]byte(req), func(b []byte) error { answers <- b; return nil })
	}
	var got []string
	for range 6 {
		select {
		case b := <-answers:
			got = append(got, string(b))
		case <-time.After(5 * time.Second):
			t.Fatalf("answers so far: %q", got)
		}
	}
	slices.Sort(got)
	assert.Equal(t, []string{
		`{"count":0}`, `{"count":0}`, `{"count":0}`, `{"count":0}`, `{"count":1}`,
		`{"error":{"code":"NOT_FOUND","message":"no handler of server event cache:flush on /test"}}`,
	}, got)
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
