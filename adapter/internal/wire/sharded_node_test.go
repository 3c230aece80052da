package wire_test

import (
	"context"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/adapter/internal/nodepeer"
	"github.com/rtkit-go/rtkit/adapter/internal/wire"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// The tests of this file read what a Node.js socket.io 4.8 server with
// @socket.io/redis-adapter 8.3's sharded adapter publishes, and publish
// what this package encodes for it to act on: a spy subscribed to the
// namespace's channel counts as one more server for Node, which then asks
// it too and waits for its answers.

const (
	prefix = "socket.io"
	nsp    = "/chat"
	spyUID = "0123456789abcdef"
)

// spy is a raw subscription to some channels, and a client to publish.
type spy struct {
	t   *testing.T
	ch  <-chan *redis.Message
	pub *redis.Client
}

func (s spy) next() *redis.Message {
	s.t.Helper()
	select {
	case m := <-s.ch:
		return m
	case <-time.After(5 * time.Second):
		s.t.Fatal("nothing published within 5 s")
		return nil
	}
}

func shardedSpy(t *testing.T, rdb *redis.Client) spy {
	ps := rdb.SSubscribe(context.Background(), wire.Channel(prefix, nsp), wire.ResponseChannel(prefix, nsp, spyUID))
	t.Cleanup(func() { _ = ps.Close() })
	for range 2 {
		_, err := ps.Receive(context.Background())
		require.NoError(t, err)
	}
	return spy{t: t, ch: ps.Channel(), pub: rdb}
}

// shardedMessage reads the next message published on the namespace's
// channel and decodes it.
func (s spy) shardedMessage() (*wire.Message, []byte) {
	s.t.Helper()
	m := s.next()
	msg, err := wire.DecodeMessage([]byte(m.Payload))
	require.NoError(s.t, err, "%q", m.Payload)
	return msg, []byte(m.Payload)
}

func waitShardSubscribers(t *testing.T, rdb *redis.Client, channel string, n int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		res, err := rdb.PubSubShardNumSub(context.Background(), channel).Result()
		return err == nil && res[channel] == n
	}, 10*time.Second, 20*time.Millisecond, "%d subscribers of %s", n, channel)
}

func spublish(t *testing.T, rdb *redis.Client, channel string, b []byte) {
	t.Helper()
	require.NoError(t, rdb.SPublish(context.Background(), channel, b).Err())
}

func TestShardedNodeBroadcasts(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	peer := nodepeer.Start(t, nodepeer.Config{RedisURL: r.URL()})
	waitShardSubscribers(t, rdb, wire.Channel(prefix, nsp), 1)
	s := shardedSpy(t, rdb)

	// No binary data: Node writes JSON.
	peer.Must(t, "emit", map[string]any{"rooms": []string{"r:1", "r:2"}, "except": []string{"r:x"},
		"event": "note:new", "args": []any{map[string]any{"text": "hi", "id": 42, "tags": []string{"é"}}, 1.5, nil}})
	m, raw := s.shardedMessage()
	assert.Equal(t, byte('{'), raw[0], "JSON")
	assert.Equal(t, wire.Broadcast, m.Type)
	assert.Equal(t, peer.UID, m.UID)
	assert.Equal(t, nsp, m.Nsp)
	assert.Empty(t, m.RequestID)
	assert.Equal(t, wire.Selection{Rooms: []string{"r:1", "r:2"}, Except: []string{"r:x"}}, m.Sel)
	assert.Equal(t, wire.PacketEvent, m.Packet.Type)
	assert.Equal(t, nsp, m.Packet.Nsp)
	assert.Equal(t, []any{"note:new", json.RawMessage(`{"id":42,"tags":["é"],"text":"hi"}`),
		json.RawMessage(`1.5`), json.RawMessage(`null`)}, m.Packet.Args)

	// Binary data: Node writes MessagePack.
	peer.Must(t, "emit", map[string]any{"event": "file", "args": []any{
		map[string]any{"$bin": "AAEC/w=="}, map[string]any{"name": "a", "body": map[string]any{"$bin": "aGk="}, "n": 3}}})
	m, raw = s.shardedMessage()
	assert.NotEqual(t, byte('{'), raw[0], "MessagePack")
	assert.Equal(t, wire.Broadcast, m.Type)
	assert.Equal(t, wire.Selection{Rooms: []string{}, Except: []string{}}, m.Sel)
	require.Len(t, m.Packet.Args, 3)
	assert.Equal(t, "file", m.Packet.Args[0])
	assert.Equal(t, []byte{0, 1, 2, 255}, m.Packet.Args[1])
	assert.Equal(t, map[string]any{"name": "a", "body": []byte("hi"), "n": int64(3)}, m.Packet.Args[2])
}

func TestShardedNodeClusterOperations(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	peer := nodepeer.Start(t, nodepeer.Config{RedisURL: r.URL()})
	waitShardSubscribers(t, rdb, wire.Channel(prefix, nsp), 1)
	s := shardedSpy(t, rdb)

	peer.Must(t, "socketsJoin", map[string]any{"rooms": []string{"r:1"}, "except": []string{"r:2"}, "join": []string{"a", "b"}})
	m, _ := s.shardedMessage()
	assert.Equal(t, &wire.Message{Type: wire.SocketsJoin, UID: peer.UID, Nsp: nsp,
		Sel: wire.Selection{Rooms: []string{"r:1"}, Except: []string{"r:2"}}, Rooms: []string{"a", "b"}}, m)

	peer.Must(t, "socketsLeave", map[string]any{"rooms": []string{"r:1"}, "leave": "a"})
	m, _ = s.shardedMessage()
	assert.Equal(t, wire.SocketsLeave, m.Type)
	assert.Equal(t, []string{"a"}, m.Rooms)

	peer.Must(t, "disconnectSockets", map[string]any{"rooms": []string{"r:9"}, "close": true})
	m, _ = s.shardedMessage()
	assert.Equal(t, &wire.Message{Type: wire.DisconnectSockets, UID: peer.UID, Nsp: nsp,
		Sel: wire.Selection{Rooms: []string{"r:9"}, Except: []string{}}, Close: true}, m)

	peer.Must(t, "serverSideEmit", map[string]any{"event": "node:who", "args": []any{map[string]any{"x": 9007199254740991}}})
	m, _ = s.shardedMessage()
	assert.Equal(t, wire.ServerSideEmit, m.Type)
	assert.Empty(t, m.RequestID)
	assert.Equal(t, []any{"node:who", json.RawMessage(`{"x":9007199254740991}`)}, m.Args)
}

// TestShardedNodeRequests: Node's fetchSockets, serverSideEmitWithAck and
// emitWithAck ask the spy, which answers with what EncodeMessage writes;
// Node's results carry the answers.
func TestShardedNodeRequests(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	peer := nodepeer.Start(t, nodepeer.Config{RedisURL: r.URL()})
	waitShardSubscribers(t, rdb, wire.Channel(prefix, nsp), 1)
	s := shardedSpy(t, rdb)
	respond := func(to string, m *wire.Message) {
		t.Helper()
		m.UID, m.Nsp = spyUID, nsp
		b, err := wire.EncodeMessage(m)
		require.NoError(t, err)
		spublish(t, rdb, wire.ResponseChannel(prefix, nsp, to), b)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	do := func(op string, args map[string]any) <-chan peerResult { return doAsync(ctx, peer, op, args) }

	// fetchSockets
	res := do("fetchSockets", map[string]any{"rooms": []string{"r:1"}})
	m, _ := s.shardedMessage()
	require.Equal(t, wire.FetchSockets, m.Type)
	assert.Equal(t, []string{"r:1"}, m.Sel.Rooms)
	require.NotEmpty(t, m.RequestID)
	respond(m.UID, &wire.Message{Type: wire.FetchSocketsResponse, RequestID: m.RequestID, Sockets: []wire.Socket{{
		ID: "go-socket-1", Handshake: json.RawMessage(`{"auth":{"rooms":"r:1"},"time":"now"}`),
		Rooms: []string{"go-socket-1", "r:1"}, Data: json.RawMessage(`{"user":"ann","big":12345678901}`),
	}}})
	got := <-res
	require.NoError(t, got.err)
	assert.JSONEq(t, `[{"id":"go-socket-1","rooms":["go-socket-1","r:1"],"data":{"user":"ann","big":12345678901},"auth":{"rooms":"r:1"}}]`,
		string(got.raw))

	// serverSideEmitWithAck
	res = do("serverSideEmitWithAck", map[string]any{"event": "node:who", "args": []any{map[string]any{"q": 1}}})
	m, _ = s.shardedMessage()
	require.Equal(t, wire.ServerSideEmit, m.Type)
	require.NotEmpty(t, m.RequestID)
	respond(m.UID, &wire.Message{Type: wire.ServerSideEmitResponse, RequestID: m.RequestID,
		Answer: json.RawMessage(`{"pid":7,"name":"go"}`)})
	got = <-res
	require.NoError(t, got.err)
	assert.JSONEq(t, `{"answers":[{"pid":7,"name":"go"}]}`, string(got.raw))

	// emitWithAck: one client count, then the clients' answers.
	res = do("emitWithAck", map[string]any{"rooms": []string{"r:1"}, "event": "note:ask",
		"args": []any{map[string]any{"q": "?"}}, "timeout": 3000})
	m, _ = s.shardedMessage()
	require.Equal(t, wire.Broadcast, m.Type)
	require.NotEmpty(t, m.RequestID)
	assert.Equal(t, int64(3000), m.Flags.Timeout)
	respond(m.UID, &wire.Message{Type: wire.BroadcastClientCount, RequestID: m.RequestID, ClientCount: 2})
	respond(m.UID, &wire.Message{Type: wire.BroadcastAck, RequestID: m.RequestID, Answer: json.RawMessage(`{"n":1}`)})
	respond(m.UID, &wire.Message{Type: wire.BroadcastAck, RequestID: m.RequestID, Answer: []byte{7}})
	got = <-res
	require.NoError(t, got.err)
	assert.JSONEq(t, `{"answers":[{"n":1},{"$bin":"Bw=="}]}`, string(got.raw))
}

// TestShardedNodeActsOnEncodedMessages: what EncodeMessage writes, Node
// acts on: a broadcast reaches its client as the same JSON (and binary),
// joins, leaves and disconnections reach its sockets, a server-side event
// its handlers.
func TestShardedNodeActsOnEncodedMessages(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	peer := nodepeer.Start(t, nodepeer.Config{RedisURL: r.URL()})
	channel := wire.Channel(prefix, nsp)
	waitShardSubscribers(t, rdb, channel, 1)
	c := sioraw.Join(t, peer.URL, nsp, map[string]any{"rooms": "r:1"})
	sid := connectedID(t, peer)
	publish := func(m *wire.Message) {
		t.Helper()
		m.UID, m.Nsp = spyUID, nsp
		b, err := wire.EncodeMessage(m)
		require.NoError(t, err)
		spublish(t, rdb, channel, b)
	}

	publish(&wire.Message{Type: wire.Broadcast, Sel: wire.Selection{Rooms: []string{"r:1"}, Except: []string{"r:x"}},
		Flags:  wire.Flags{Logged: true},
		Packet: wire.Packet{Args: []any{"note:new", json.RawMessage(`{"text":"big","id":1152921504606846977,"meta":{"score":0.1,"seen":false}}`)}}})
	// Node reads numbers as float64: 2^60+1 arrives as 2^60, written
	// the shortest way JavaScript writes it.
	assert.Equal(t, `42/chat,["note:new",{"text":"big","id":1152921504606847000,"meta":{"score":0.1,"seen":false}}]`, c.Read())

	publish(&wire.Message{Type: wire.Broadcast, Packet: wire.Packet{Args: []any{"file", []byte{1, 2}}}})
	assert.Equal(t, `451-/chat,["file",{"_placeholder":true,"num":0}]`, c.Read())
	typ, bin, err := c.Conn().ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, websocket.BinaryMessage, typ)
	assert.Equal(t, []byte{1, 2}, bin)

	publish(&wire.Message{Type: wire.SocketsJoin, Sel: wire.Selection{Rooms: []string{"r:1"}}, Rooms: []string{"r:5", "r:6"}})
	require.Eventually(t, func() bool {
		return string(peer.Must(t, "localRooms", map[string]any{"sid": sid})) == sortedJSON(sid, "r:1", "r:5", "r:6")
	}, 5*time.Second, 20*time.Millisecond)
	publish(&wire.Message{Type: wire.SocketsLeave, Sel: wire.Selection{Rooms: []string{sid}}, Rooms: []string{"r:5"}})
	require.Eventually(t, func() bool {
		return string(peer.Must(t, "localRooms", map[string]any{"sid": sid})) == sortedJSON(sid, "r:1", "r:6")
	}, 5*time.Second, 20*time.Millisecond)

	publish(&wire.Message{Type: wire.ServerSideEmit, Args: []any{"node:who", json.RawMessage(`{"n":1}`), []byte{9}}})
	select {
	case args := <-peer.ServerEvents():
		assert.Equal(t, []json.RawMessage{json.RawMessage(`"node:who"`), json.RawMessage(`{"n":1}`),
			json.RawMessage(`{"$bin":"CQ=="}`)}, args)
	case <-time.After(5 * time.Second):
		t.Fatal("no server-side event")
	}

	publish(&wire.Message{Type: wire.DisconnectSockets, Sel: wire.Selection{Rooms: []string{"r:6"}}, Close: true})
	assert.True(t, c.Closed(5*time.Second), "Node closed the socket's connection")
}

// connectedID returns the id of the only socket of /chat on the peer.
// peerResult is the outcome of one operation of the Node peer.
type peerResult struct {
	raw json.RawMessage
	err error
}

// doAsync runs one operation of the Node peer in its own goroutine, for
// operations that wait for answers the test publishes meanwhile.
func doAsync(ctx context.Context, peer *nodepeer.Peer, op string, args map[string]any) <-chan peerResult {
	ch := make(chan peerResult, 1)
	go func() {
		raw, err := peer.Do(ctx, op, args)
		ch <- peerResult{raw, err}
	}()
	return ch
}

func connectedID(t *testing.T, peer *nodepeer.Peer) string {
	t.Helper()
	var list []struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(peer.Must(t, "fetchSockets", map[string]any{}), &list))
	require.Len(t, list, 1)
	return list[0].ID
}

// sortedJSON is rooms sorted as JavaScript sorts strings (by UTF-16 code
// units; these are ASCII), as JSON: what the peer's localRooms returns.
func sortedJSON(rooms ...string) string {
	sort.Strings(rooms)
	b, _ := json.Marshal(rooms)
	return string(b)
}
