package adapter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestEmitterReachesServers emits from a process without a Socket.IO
// server: the namespace is declared, not mounted, and reached through the
// emitter; the payload is validated against the same contract.
func TestEmitterReachesServers(t *testing.T) {
	r := redistest.Start(t)
	srv := redisNode(t, r, adapter.Options{Prefix: "app"})
	in1 := rtkittest.Listen(srv.dial(t, "r:1"), noteNew)
	in2 := rtkittest.Listen(srv.dial(t, "r:2"), noteNew)
	in3 := rtkittest.Listen(srv.dial(t, "r:1,r:x"), noteNew)

	em := adapter.NewEmitter(r.Client(t), adapter.Options{Prefix: "app"})
	worker := newNamespace() // the worker's copy of the contract
	require.NoError(t, rtkit.Emit(worker.Via(em).To("r:1"), noteNew, Note{Text: "room", ID: 7, Tags: []string{"t"}}))
	require.NoError(t, rtkit.Emit(worker.Via(em).To("r:1", "r:2").Except("r:x"), noteNew, Note{Text: "rooms-except"}))
	err := rtkit.Emit(worker.Via(em), noteNew, Note{Text: ""})
	require.Error(t, err, "a payload that breaks the contract is refused before publishing")
	require.NoError(t, rtkit.Emit(worker.Via(em), noteNew, Note{Text: "end"}))

	first, err := next(in1, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, Note{Text: "room", ID: 7, Tags: []string{"t"}}, first)
	assert.Equal(t, []string{"rooms-except"}, drain(t, in1))
	assert.Equal(t, []string{"rooms-except"}, drain(t, in2))
	assert.Equal(t, []string{"room"}, drain(t, in3))
}

// TestEmitterRedisDown returns ErrUnavailable within the timeout.
func TestEmitterRedisDown(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	r.Stop()
	em := adapter.NewEmitter(rdb, adapter.Options{Timeout: 200 * time.Millisecond})
	began := time.Now()
	err := em.Publish(context.Background(), "/chat", nil, nil, "note:new", []byte(`{"text":"x","id":1}`))
	assert.True(t, errors.Is(err, adapter.ErrUnavailable), "%v", err)
	assert.Less(t, time.Since(began), 2*time.Second)
}

// TestPrefixesIsolate checks that servers with different prefixes on one
// Redis do not see each other's broadcasts.
func TestPrefixesIsolate(t *testing.T) {
	r := redistest.Start(t)
	a := redisNode(t, r, adapter.Options{Prefix: "one"})
	b := redisNode(t, r, adapter.Options{Prefix: "two"})
	in := rtkittest.Listen(b.dial(t, ""), noteNew)
	require.NoError(t, rtkit.Emit(a.ns, noteNew, Note{Text: "other app"}))
	em := adapter.NewEmitter(r.Client(t), adapter.Options{Prefix: "two"})
	require.NoError(t, rtkit.Emit(newNamespace().Via(em), noteNew, Note{Text: "end"}))
	assert.Empty(t, drain(t, in))
}

func TestFromURL(t *testing.T) {
	for _, bad := range []string{"http://127.0.0.1:6379", "127.0.0.1:6379", "redis://127.0.0.1:6379/notadb", "::"} {
		_, err := adapter.FromURL(bad, adapter.Options{})
		assert.Error(t, err, bad)
	}
	a, err := adapter.FromURL("rediss://user:secret@127.0.0.1:1/2", adapter.Options{})
	require.NoError(t, err, "rediss:// is accepted (TLS)")
	require.NoError(t, a.Close(context.Background()))
	require.NoError(t, a.Close(context.Background()), "a second Close is a no-op")
	st := a.State(context.Background())
	assert.Equal(t, rtkit.AdapterState{Name: "redis-sharded", Healthy: false, Detail: "closed"}, st)
}

func TestStateAndHealth(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	a := adapter.Redis(rdb, adapter.Options{Timeout: 200 * time.Millisecond, Logger: quiet()})
	n := startNode(t, a, nil)
	ctx := context.Background()
	assert.Equal(t, rtkit.AdapterState{Name: "redis-sharded", Healthy: true}, a.State(ctx))
	h := n.srv.RT.Health(ctx)
	assert.Equal(t, "ok", h.Status)
	assert.Equal(t, "redis-sharded", h.Adapter.Name)
	require.NoError(t, a.Close(ctx))
	assert.NoError(t, rdb.Ping(ctx).Err(), "Close leaves a caller's client open")
}

func TestMemory(t *testing.T) {
	m := adapter.Memory()
	assert.Equal(t, rtkit.AdapterState{Name: "memory", Healthy: true}, m.State(context.Background()))
	assert.NoError(t, m.Close(context.Background()))
	n := startNode(t, m, nil)
	in := rtkittest.Listen(n.dial(t, "r:1"), noteNew)
	require.NoError(t, rtkit.Emit(n.ns.To("r:1"), noteNew, Note{Text: "end"}))
	assert.Empty(t, drain(t, in))
}

func TestRedisPanicsOnNilClient(t *testing.T) {
	assert.PanicsWithValue(t, "adapter: Redis: nil client", func() { adapter.Redis(nil, adapter.Options{}) })
	assert.PanicsWithValue(t, "adapter: NewEmitter: nil client", func() { adapter.NewEmitter(nil, adapter.Options{}) })
}
