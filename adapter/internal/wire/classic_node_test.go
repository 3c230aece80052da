package wire_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/adapter/internal/nodepeer"
	"github.com/rtkit-go/rtkit/adapter/internal/wire"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// The tests of this file do for @socket.io/redis-adapter's classic
// adapter, and for @socket.io/redis-emitter, what sharded_node_test.go
// does for the sharded adapter. The spy subscribes to the request channel,
// so Node (which counts servers with PUBSUB NUMSUB of that channel)
// counts it as a server.

func classicSpy(t *testing.T, rdb *redis.Client) spy {
	ctx := context.Background()
	ps := rdb.PSubscribe(ctx, wire.Channel(prefix, nsp)+"*")
	require.NoError(t, ps.Subscribe(ctx, wire.RequestChannel(prefix, nsp),
		wire.ClassicResponseChannel(prefix, nsp, ""), wire.ClassicResponseChannel(prefix, nsp, spyUID)))
	t.Cleanup(func() { _ = ps.Close() })
	for range 4 {
		_, err := ps.Receive(ctx)
		require.NoError(t, err)
	}
	return spy{t: t, ch: ps.Channel(), pub: rdb}
}

func waitSubscribers(t *testing.T, rdb *redis.Client, channel string, n int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		res, err := rdb.PubSubNumSub(context.Background(), channel).Result()
		return err == nil && res[channel] == n
	}, 10*time.Second, 20*time.Millisecond, "%d subscribers of %s", n, channel)
}

func startClassic(t *testing.T) (*nodepeer.Peer, *redis.Client) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	peer := nodepeer.Start(t, nodepeer.Config{RedisURL: r.URL(), Classic: true})
	waitSubscribers(t, rdb, wire.RequestChannel(prefix, nsp), 1)
	return peer, rdb
}

func TestClassicNodeBroadcasts(t *testing.T) {
	peer, rdb := startClassic(t)
	s := classicSpy(t, rdb)

	peer.Must(t, "emit", map[string]any{"rooms": []string{"r:1"}, "except": []string{"r:x"},
		"event": "note:new", "args": []any{map[string]any{"id": 42, "text": "hi"}}})
	m := s.next()
	assert.Equal(t, wire.Channel(prefix, nsp)+"r:1#", m.Channel, "one room: the room's channel")
	uid, p, sel, _, err := wire.DecodeClassicBroadcast([]byte(m.Payload))
	require.NoError(t, err)
	assert.Equal(t, peer.UID, uid)
	assert.Equal(t, wire.Packet{Type: wire.PacketEvent, Nsp: nsp, Args: []any{"note:new", json.RawMessage(`{"id":42,"text":"hi"}`)}}, p)
	assert.Equal(t, wire.Selection{Rooms: []string{"r:1"}, Except: []string{"r:x"}}, sel)

	peer.Must(t, "emit", map[string]any{"rooms": []string{"r:1", "r:2"}, "event": "file",
		"args": []any{map[string]any{"$bin": "AQI="}}})
	m = s.next()
	assert.Equal(t, wire.Channel(prefix, nsp), m.Channel)
	_, p, _, _, err = wire.DecodeClassicBroadcast([]byte(m.Payload))
	require.NoError(t, err)
	assert.Equal(t, []any{"file", []byte{1, 2}}, p.Args)

	// The official emitter writes the same format, as sender "emitter".
	peer.Must(t, "emitterEmit", map[string]any{"rooms": []string{"r:3"}, "event": "note:new",
		"args": []any{map[string]any{"id": 1, "text": "from emitter"}}})
	m = s.next()
	assert.Equal(t, wire.Channel(prefix, nsp)+"r:3#", m.Channel)
	uid, p, sel, _, err = wire.DecodeClassicBroadcast([]byte(m.Payload))
	require.NoError(t, err)
	assert.Equal(t, wire.EmitterUID, uid)
	assert.Equal(t, nsp, p.Nsp)
	assert.Equal(t, []any{"note:new", json.RawMessage(`{"id":1,"text":"from emitter"}`)}, p.Args)
	assert.Equal(t, wire.Selection{Rooms: []string{"r:3"}, Except: []string{}}, sel)
}

func TestClassicNodeRequests(t *testing.T) {
	peer, rdb := startClassic(t)
	s := classicSpy(t, rdb)
	request := func() *wire.Request {
		t.Helper()
		m := s.next()
		require.Equal(t, wire.RequestChannel(prefix, nsp), m.Channel)
		r, err := wire.DecodeRequest([]byte(m.Payload))
		require.NoError(t, err, "%q", m.Payload)
		return r
	}

	peer.Must(t, "socketsJoin", map[string]any{"rooms": []string{"r:1"}, "except": []string{"r:2"}, "join": []string{"a"}})
	assert.Equal(t, &wire.Request{Type: wire.ReqRemoteJoin, UID: peer.UID,
		Sel: wire.Selection{Rooms: []string{"r:1"}, Except: []string{"r:2"}}, Rooms: []string{"a"}}, request())
	peer.Must(t, "socketsLeave", map[string]any{"leave": "a"})
	assert.Equal(t, &wire.Request{Type: wire.ReqRemoteLeave, UID: peer.UID,
		Sel: wire.Selection{Rooms: []string{}, Except: []string{}}, Rooms: []string{"a"}}, request())
	peer.Must(t, "disconnectSockets", map[string]any{"rooms": []string{"r:1"}, "close": true})
	assert.Equal(t, &wire.Request{Type: wire.ReqRemoteDisconnect, UID: peer.UID,
		Sel: wire.Selection{Rooms: []string{"r:1"}, Except: []string{}}, Close: true}, request())
	peer.Must(t, "serverSideEmit", map[string]any{"event": "node:who", "args": []any{1}})
	assert.Equal(t, &wire.Request{Type: wire.ReqServerSideEmit, UID: peer.UID,
		Args: []any{"node:who", json.RawMessage(`1`)}}, request())

	// The emitter's requests carry no uid.
	peer.Must(t, "emitterSocketsJoin", map[string]any{"rooms": []string{"r:1"}, "join": []string{"b"}})
	assert.Equal(t, &wire.Request{Type: wire.ReqRemoteJoin,
		Sel: wire.Selection{Rooms: []string{"r:1"}, Except: []string{}}, Rooms: []string{"b"}}, request())
	peer.Must(t, "emitterDisconnectSockets", map[string]any{"rooms": []string{"r:1"}})
	assert.Equal(t, &wire.Request{Type: wire.ReqRemoteDisconnect,
		Sel: wire.Selection{Rooms: []string{"r:1"}, Except: []string{}}}, request())
	peer.Must(t, "emitterServerSideEmit", map[string]any{"event": "node:who", "args": []any{"x"}})
	assert.Equal(t, &wire.Request{Type: wire.ReqServerSideEmit, UID: wire.EmitterUID,
		Args: []any{"node:who", json.RawMessage(`"x"`)}}, request())

	// Requests that wait for answers: the spy answers on Node's own
	// response channel.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	do := func(op string, args map[string]any) <-chan peerResult { return doAsync(ctx, peer, op, args) }
	respond := func(to string, r *wire.Response) {
		t.Helper()
		b, err := wire.EncodeResponse(r)
		require.NoError(t, err)
		require.NoError(t, s.pub.Publish(context.Background(), wire.ClassicResponseChannel(prefix, nsp, to), b).Err())
	}

	res := do("fetchSockets", map[string]any{"rooms": []string{"r:1"}})
	req := request()
	require.Equal(t, wire.ReqRemoteFetch, req.Type)
	require.NotEmpty(t, req.RequestID)
	respond(req.UID, &wire.Response{Type: wire.ReqNone, RequestID: req.RequestID, Sockets: []wire.Socket{{
		ID: "go-1", Handshake: json.RawMessage(`{"auth":{"k":1}}`), Rooms: []string{"go-1", "r:1"}, Data: json.RawMessage(`{"u":2}`)}}})
	got := <-res
	require.NoError(t, got.err)
	assert.JSONEq(t, `[{"id":"go-1","rooms":["go-1","r:1"],"data":{"u":2},"auth":{"k":1}}]`, string(got.raw))

	res = do("serverSideEmitWithAck", map[string]any{"event": "node:who", "args": []any{}})
	req = request()
	require.Equal(t, wire.ReqServerSideEmit, req.Type)
	require.NotEmpty(t, req.RequestID)
	respond(req.UID, &wire.Response{Type: wire.ReqServerSideEmit, RequestID: req.RequestID, Answer: json.RawMessage(`{"pid":3}`)})
	got = <-res
	require.NoError(t, got.err)
	assert.JSONEq(t, `{"answers":[{"pid":3}]}`, string(got.raw))

	res = do("emitWithAck", map[string]any{"rooms": []string{"r:1"}, "event": "note:ask", "args": []any{map[string]any{"q": "?"}}, "timeout": 3000})
	req = request()
	require.Equal(t, wire.ReqBroadcast, req.Type)
	require.NotEmpty(t, req.RequestID)
	assert.Equal(t, int64(3000), req.Flags.Timeout)
	assert.Equal(t, []any{"note:ask", json.RawMessage(`{"q":"?"}`)}, req.Packet.Args)
	respond(req.UID, &wire.Response{Type: wire.ReqBroadcastClientCount, RequestID: req.RequestID, ClientCount: 1})
	respond(req.UID, &wire.Response{Type: wire.ReqBroadcastAck, RequestID: req.RequestID, Answer: json.RawMessage(`{"n":5}`)})
	got = <-res
	require.NoError(t, got.err)
	assert.JSONEq(t, `{"answers":[{"n":5}]}`, string(got.raw))
}

// TestClassicNodeActsOnEncoded: Node's classic adapter acts on what this
// package encodes.
func TestClassicNodeActsOnEncoded(t *testing.T) {
	peer, rdb := startClassic(t)
	c := sioraw.Join(t, peer.URL, nsp, map[string]any{"rooms": "r:1"})
	sid := connectedID(t, peer)
	publish := func(channel string, b []byte, err error) {
		t.Helper()
		require.NoError(t, err)
		require.NoError(t, rdb.Publish(context.Background(), channel, b).Err())
	}

	b, err := wire.EncodeClassicBroadcast(spyUID, wire.Packet{Nsp: nsp, Args: []any{"note:new", json.RawMessage(`{"text":"x","id":-3}`)}},
		wire.Selection{Rooms: []string{"r:1"}}, wire.Flags{})
	publish(wire.BroadcastChannel(prefix, nsp, wire.Selection{Rooms: []string{"r:1"}}), b, err)
	assert.Equal(t, `42/chat,["note:new",{"text":"x","id":-3}]`, c.Read())

	b, err = wire.EncodeRequest(&wire.Request{Type: wire.ReqRemoteJoin, UID: spyUID, Sel: wire.Selection{Rooms: []string{sid}}, Rooms: []string{"r:7"}})
	publish(wire.RequestChannel(prefix, nsp), b, err)
	require.Eventually(t, func() bool {
		return string(peer.Must(t, "localRooms", map[string]any{"sid": sid})) == sortedJSON(sid, "r:1", "r:7")
	}, 5*time.Second, 20*time.Millisecond)

	b, err = wire.EncodeRequest(&wire.Request{Type: wire.ReqServerSideEmit, UID: spyUID, Args: []any{"node:who", json.RawMessage(`[1,2]`)}})
	publish(wire.RequestChannel(prefix, nsp), b, err)
	select {
	case args := <-peer.ServerEvents():
		assert.Equal(t, []json.RawMessage{json.RawMessage(`"node:who"`), json.RawMessage(`[1,2]`)}, args)
	case <-time.After(5 * time.Second):
		t.Fatal("no server-side event")
	}

	b, err = wire.EncodeRequest(&wire.Request{Type: wire.ReqRemoteDisconnect, UID: spyUID, Sel: wire.Selection{Rooms: []string{"r:7"}}, Close: true})
	publish(wire.RequestChannel(prefix, nsp), b, err)
	assert.True(t, c.Closed(5*time.Second), "Node closed the socket's connection")
}
