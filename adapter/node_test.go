package adapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/adapter/internal/nodepeer"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// The tests of this file put this package's adapter and a Node.js
// socket.io 4.8 server with @socket.io/redis-adapter 8.3 in one cluster on
// a real redis-server, and run every cluster operation in both
// directions, sharded and classic. The rtkit side of the namespace is a
// recorder (local_test.go), so that what the adapter hands to rtkit is
// checked exactly; the tests with rtkit servers are in the other files.

// mixed is one Node.js server and one adapter namespace in a cluster.
type mixed struct {
	peer *nodepeer.Peer
	rec  *recorder
	ns   rtkit.NamespaceAdapter
	rdb  redis.UniversalClient
}

func startMixed(t *testing.T, classic bool, cluster *redistest.Cluster) mixed {
	t.Helper()
	var rdb redis.UniversalClient
	cfg := nodepeer.Config{Classic: classic}
	if cluster != nil {
		rdb, cfg.Cluster = cluster.Client(t), cluster.Addrs()
	} else {
		r := redistest.Start(t)
		rdb, cfg.RedisURL = r.Client(t), r.URL()
	}
	peer := nodepeer.Start(t, cfg)
	a := adapter.Redis(rdb, adapter.Options{Classic: classic, Logger: quiet()})
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	rec := newRecorder(rtkit.RemoteSocket{ID: "rtkitsock1", Rooms: []string{"r:1"}, Address: "127.0.0.1",
		Query: map[string][]string{"v": {"2"}}, Connected: time.UnixMilli(1_700_000_000_000)})
	ns, err := a.Open(context.Background(), "/chat", rec)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ns.Close() })
	m := mixed{peer: peer, rec: rec, ns: ns, rdb: rdb}
	require.Eventually(t, func() bool {
		n, err := ns.ServerCount(context.Background())
		return err == nil && n == 2
	}, 10*time.Second, 20*time.Millisecond, "both servers counted")
	return m
}

func (m mixed) expect(t *testing.T, op string) call {
	t.Helper()
	c, ok := m.rec.next(5 * time.Second)
	require.True(t, ok, "no %s reached the rtkit side", op)
	require.Equal(t, op, c.op, "%+v", c)
	return c
}

func TestNodeMixedCluster(t *testing.T) {
	for _, classic := range []bool{false, true} {
		name := map[bool]string{false: "Sharded", true: "Classic"}[classic]
		t.Run(name, func(t *testing.T) { testMixed(t, startMixed(t, classic, nil)) })
	}
}

// TestNodeMixedRedisCluster runs the sharded checks on a Redis Cluster of
// three primaries.
func TestNodeMixedRedisCluster(t *testing.T) {
	testMixed(t, startMixed(t, false, redistest.StartCluster(t, 3)))
}

func testMixed(t *testing.T, m mixed) {
	ctx := context.Background()
	t.Run("NodeBroadcastsReachRtkit", func(t *testing.T) {
		m.peer.Must(t, "emit", map[string]any{"rooms": []string{"r:1"}, "except": []string{"r:x"},
			"event": "note:new", "args": []any{map[string]any{"text": "from node", "id": 5}}})
		c := m.expect(t, "deliver")
		assert.Equal(t, []any{"note:new", json.RawMessage(`{"id":5,"text":"from node"}`)}, c.args)
		assert.Equal(t, []string{"r:1"}, c.sel.Rooms)
		assert.Equal(t, []string{"r:x"}, c.sel.Except)
		assert.False(t, c.sel.Logged)

		m.peer.Must(t, "emit", map[string]any{"event": "all", "args": []any{1}})
		c = m.expect(t, "deliver")
		assert.Equal(t, []any{"all", json.RawMessage(`1`)}, c.args)
		assert.Empty(t, c.sel.Rooms, "the whole namespace")
	})

	t.Run("OfficialEmitterReachesRtkit", func(t *testing.T) {
		m.peer.Must(t, "emitterEmit", map[string]any{"rooms": []string{"r:2"}, "event": "note:new",
			"args": []any{map[string]any{"text": "from emitter", "id": 6}}})
		c := m.expect(t, "deliver")
		assert.Equal(t, []any{"note:new", json.RawMessage(`{"id":6,"text":"from emitter"}`)}, c.args)
		assert.Equal(t, []string{"r:2"}, c.sel.Rooms)
		m.peer.Must(t, "emitterSocketsJoin", map[string]any{"rooms": []string{"r:2"}, "join": []string{"r:3"}})
		c = m.expect(t, "join")
		assert.Equal(t, []string{"r:3"}, c.rooms)
	})

	t.Run("RtkitBroadcastsReachNode", func(t *testing.T) {
		in := sioraw.Join(t, m.peer.URL, "/chat", map[string]any{"rooms": "r:1"})
		out := sioraw.Join(t, m.peer.URL, "/chat", map[string]any{"rooms": "r:1,r:x"})
		require.NoError(t, m.ns.Broadcast(ctx, rtkit.Packet{Args: []any{"note:new", json.RawMessage(`{"text":"from rtkit","id":9007199254740993}`)}},
			rtkit.Selection{Rooms: []string{"r:1"}, Except: []string{"r:x"}}))
		require.NoError(t, m.ns.Broadcast(ctx, rtkit.Packet{Args: []any{"note:new", json.RawMessage(`{"text":"end"}`)}}, rtkit.Selection{}))
		assert.Equal(t, `42/chat,["note:new",{"text":"from rtkit","id":9007199254740992}]`, in.Read())
		assert.Equal(t, `42/chat,["note:new",{"text":"end"}]`, in.Read())
		assert.Equal(t, `42/chat,["note:new",{"text":"end"}]`, out.Read(), "except r:x")
	})

	t.Run("NodeRoomOperationsReachRtkit", func(t *testing.T) {
		m.peer.Must(t, "socketsJoin", map[string]any{"rooms": []string{"r:1"}, "join": []string{"r:5"}})
		c := m.expect(t, "join")
		assert.Equal(t, rtkit.Selection{Rooms: []string{"r:1"}, Except: []string{}}, c.sel)
		assert.Equal(t, []string{"r:5"}, c.rooms)
		m.peer.Must(t, "socketsLeave", map[string]any{"rooms": []string{"r:1"}, "leave": []string{"r:5"}})
		assert.Equal(t, []string{"r:5"}, m.expect(t, "leave").rooms)
		m.peer.Must(t, "disconnectSockets", map[string]any{"rooms": []string{"r:5"}, "close": true})
		c = m.expect(t, "disconnect")
		assert.True(t, c.close)
		assert.Equal(t, []string{"r:5"}, c.sel.Rooms)
	})

	t.Run("RtkitRoomOperationsReachNode", func(t *testing.T) {
		c := sioraw.Join(t, m.peer.URL, "/chat", map[string]any{"rooms": "r:7"})
		sid := nodeSocketIn(t, m, "r:7")
		require.NoError(t, m.ns.SocketsJoin(ctx, rtkit.Selection{Rooms: []string{"r:7"}}, []string{"r:8"}))
		require.Eventually(t, func() bool {
			return string(m.peer.Must(t, "localRooms", map[string]any{"sid": sid})) == roomsJSON(sid, "r:7", "r:8")
		}, 5*time.Second, 20*time.Millisecond)
		require.NoError(t, m.ns.SocketsLeave(ctx, rtkit.Selection{Rooms: []string{sid}}, []string{"r:7"}))
		require.Eventually(t, func() bool {
			return string(m.peer.Must(t, "localRooms", map[string]any{"sid": sid})) == roomsJSON(sid, "r:8")
		}, 5*time.Second, 20*time.Millisecond)
		require.NoError(t, m.ns.DisconnectSockets(ctx, rtkit.Selection{Rooms: []string{"r:8"}}, true))
		assert.True(t, c.Closed(5*time.Second))
	})

	t.Run("FetchSockets", func(t *testing.T) {
		_ = sioraw.Join(t, m.peer.URL, "/chat", map[string]any{"rooms": "r:9"})
		var got []struct {
			ID    string   `json:"id"`
			Rooms []string `json:"rooms"`
		}
		require.NoError(t, json.Unmarshal(m.peer.Must(t, "fetchSockets", map[string]any{"rooms": []string{"r:9"}}), &got))
		ids := []string{}
		for _, s := range got {
			ids = append(ids, s.ID)
			if s.ID == "rtkitsock1" {
				assert.Equal(t, []string{"r:1", "rtkitsock1"}, s.Rooms)
			}
		}
		assert.Contains(t, ids, "rtkitsock1", "Node's fetchSockets sees the rtkit socket")
		assert.Len(t, ids, 2)

		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var remote []rtkit.RemoteSocket
		servers, err := m.ns.FetchSockets(fctx, rtkit.Selection{Rooms: []string{"r:9"}}, func(s []rtkit.RemoteSocket) { remote = append(remote, s...) })
		require.NoError(t, err)
		assert.Equal(t, 1, servers)
		require.Len(t, remote, 1)
		assert.Equal(t, []string{"r:9"}, remote[0].Rooms, "rooms without the id room")
		assert.Equal(t, "127.0.0.1", strings.TrimPrefix(remote[0].Address, "::ffff:"))
		assert.WithinDuration(t, time.Now(), remote[0].Connected, time.Minute)
	})

	t.Run("ServerSideEmitWithAck", func(t *testing.T) {
		var res struct {
			Answers []json.RawMessage `json:"answers"`
			Error   string            `json:"error"`
		}
		require.NoError(t, json.Unmarshal(m.peer.Must(t, "serverSideEmitWithAck",
			map[string]any{"event": "node:who", "args": []any{map[string]any{}}}), &res))
		assert.Empty(t, res.Error)
		require.Len(t, res.Answers, 1)
		assert.JSONEq(t, `{"success":true,"data":{"pid":1}}`, string(res.Answers[0]), "rtkit answers Node")
		c := m.expect(t, "event")
		assert.Equal(t, []any{"node:who", json.RawMessage(`{}`)}, c.args)

		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var answers [][]any
		servers, err := m.ns.ServerSideEmit(sctx, []any{"node:who", json.RawMessage(`{"q":1}`)}, func(a []any) { answers = append(answers, a) })
		require.NoError(t, err)
		assert.Equal(t, 1, servers)
		assert.Equal(t, [][]any{{json.RawMessage(`{"from":"node","got":"node:who"}`)}}, answers, "Node answers rtkit")
		select {
		case args := <-m.peer.ServerEvents():
			assert.Equal(t, []json.RawMessage{json.RawMessage(`"node:who"`), json.RawMessage(`{"q":1}`)}, args)
		case <-time.After(5 * time.Second):
			t.Fatal("Node saw no server-side event")
		}

		_, err = m.ns.ServerSideEmit(ctx, []any{"note:hello", json.RawMessage(`1`)}, nil)
		require.NoError(t, err)
		select {
		case args := <-m.peer.ServerEvents():
			assert.Equal(t, []json.RawMessage{json.RawMessage(`"note:hello"`), json.RawMessage(`1`)}, args)
		case <-time.After(5 * time.Second):
			t.Fatal("Node saw no server-side event")
		}
	})

	t.Run("BroadcastWithAcks", func(t *testing.T) {
		var res struct {
			Answers []json.RawMessage `json:"answers"`
			Error   string            `json:"error"`
		}
		require.NoError(t, json.Unmarshal(m.peer.Must(t, "emitWithAck", map[string]any{"rooms": []string{"r:rt"},
			"event": "note:ask", "args": []any{map[string]any{"q": "?"}}, "timeout": 3000}), &res))
		assert.Empty(t, res.Error)
		assert.Equal(t, []json.RawMessage{json.RawMessage(`{"n":7}`)}, res.Answers, "the rtkit socket's answer reaches Node")
		c := m.expect(t, "acks")
		assert.Equal(t, []any{"note:ask", json.RawMessage(`{"q":"?"}`)}, c.args)

		// A Node client that answers, and one that does not: the
		// operation ends with ctx.
		answering := sioraw.Join(t, m.peer.URL, "/chat", map[string]any{"rooms": "r:ask"})
		_ = sioraw.Join(t, m.peer.URL, "/chat", map[string]any{"rooms": "r:ask"})
		bctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		defer cancel()
		done := make(chan struct{})
		var counts []int
		var answers []rtkit.AckAnswer
		var servers int
		var err error
		go func() {
			defer close(done)
			servers, err = m.ns.BroadcastWithAck(bctx, rtkit.Packet{Args: []any{"note:ask", json.RawMessage(`{"q":"x"}`)}},
				rtkit.Selection{Rooms: []string{"r:ask"}}, func(n int) { counts = append(counts, n) },
				func(a rtkit.AckAnswer) { answers = append(answers, a) })
		}()
		frame := answering.Read()
		match := regexp.MustCompile(`^42/chat,(\d+)\["note:ask",\{"q":"x"\}\]$`).FindStringSubmatch(frame)
		require.NotNil(t, match, frame)
		id, _ := strconv.Atoi(match[1])
		answering.Send(fmt.Sprintf(`43/chat,%d[{"n":3}]`, id))
		<-done
		require.NoError(t, err)
		assert.Equal(t, 1, servers)
		assert.Equal(t, []int{2}, counts)
		assert.Equal(t, []rtkit.AckAnswer{{Args: []any{json.RawMessage(`{"n":3}`)}}}, answers)
	})
}

// nodeSocketIn returns the id of the one Node socket in room.
func nodeSocketIn(t *testing.T, m mixed, room string) string {
	t.Helper()
	var got []struct {
		ID string `json:"id"`
	}
	require.Eventually(t, func() bool {
		got = nil
		_ = json.Unmarshal(m.peer.Must(t, "fetchSockets", map[string]any{"rooms": []string{room}}), &got)
		return len(got) >= 1
	}, 5*time.Second, 20*time.Millisecond)
	for _, s := range got {
		if s.ID != "rtkitsock1" {
			return s.ID
		}
	}
	t.Fatal("no Node socket in " + room)
	return ""
}

func roomsJSON(rooms ...string) string {
	sort.Strings(rooms)
	b, _ := json.Marshal(rooms)
	return string(b)
}
