package wire_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/adapter/internal/wire"
)

// TestMessageRoundTrip: every message type decodes to what was encoded,
// payloads byte-exact (key order, integers beyond 2^53).
func TestMessageRoundTrip(t *testing.T) {
	payload := json.RawMessage(`{"z":1,"a":[true,null,-9223372036854775808,18446744073709551615,0.25,"é\u0000"]}`)
	sel := wire.Selection{Rooms: []string{"r:1", "r:2"}, Except: []string{"x"}}
	cases := []wire.Message{
		{Type: wire.InitialHeartbeat},
		{Type: wire.Heartbeat},
		{Type: wire.AdapterClose},
		{Type: wire.Broadcast, Sel: sel, Flags: wire.Flags{Volatile: true, Compress: true, Logged: true},
			Packet: wire.Packet{Type: wire.PacketEvent, Nsp: "/chat", Args: []any{"ev", payload, []byte{0, 255}}}},
		{Type: wire.Broadcast, RequestID: "req", Sel: sel, Flags: wire.Flags{Timeout: 1500},
			Packet: wire.Packet{Type: wire.PacketEvent, Nsp: "/chat", Args: []any{"ev"}}},
		{Type: wire.SocketsJoin, Sel: sel, Rooms: []string{"a"}},
		{Type: wire.SocketsLeave, Sel: sel, Rooms: []string{"a", "b"}},
		{Type: wire.DisconnectSockets, Sel: sel, Close: true},
		{Type: wire.FetchSockets, Sel: sel, RequestID: "r1"},
		{Type: wire.FetchSocketsResponse, RequestID: "r1", Sockets: []wire.Socket{{ID: "s", Handshake: json.RawMessage(`{"auth":{}}`),
			Rooms: []string{"s"}, Data: json.RawMessage(`null`)}}},
		{Type: wire.ServerSideEmit, Args: []any{"who", payload}},
		{Type: wire.ServerSideEmit, RequestID: "r2", Args: []any{"who"}},
		{Type: wire.ServerSideEmitResponse, RequestID: "r2", Answer: payload},
		{Type: wire.BroadcastClientCount, RequestID: "r3", ClientCount: 12},
		{Type: wire.BroadcastAck, RequestID: "r3", Answer: []byte("bin")},
		{Type: wire.BroadcastAck, RequestID: "r3", AckSocket: "s1", AckGone: true},
		{Type: wire.ServerSideEmitResponse, RequestID: "r4"},
	}
	for _, m := range cases {
		m.UID, m.Nsp = "uid1", "/chat"
		b, err := wire.EncodeMessage(&m)
		require.NoError(t, err, "type %d", m.Type)
		got, err := wire.DecodeMessage(b)
		require.NoError(t, err, "type %d", m.Type)
		if m.Sel.Rooms == nil && got.Sel.Rooms != nil && len(got.Sel.Rooms) == 0 {
			got.Sel = wire.Selection{}
		}
		if m.Type == wire.SocketsJoin || m.Type == wire.DisconnectSockets || m.Type == wire.FetchSockets ||
			m.Type == wire.SocketsLeave || m.Type == wire.Broadcast {
			assert.Equal(t, m.Sel, got.Sel)
		}
		assert.Equal(t, &m, got, "type %d", m.Type)
	}
}

func TestClassicRoundTrip(t *testing.T) {
	p := wire.Packet{Type: wire.PacketEvent, Nsp: "/n", Args: []any{"ev", json.RawMessage(`{"b":2,"a":1}`)}}
	sel := wire.Selection{Rooms: []string{"r"}, Except: []string{}}
	b, err := wire.EncodeClassicBroadcast("u", p, sel, wire.Flags{Volatile: true})
	require.NoError(t, err)
	uid, gp, gsel, f, err := wire.DecodeClassicBroadcast(b)
	require.NoError(t, err)
	assert.Equal(t, "u", uid)
	assert.Equal(t, p, gp)
	assert.Equal(t, sel, gsel)
	assert.Equal(t, wire.Flags{Volatile: true}, f)
	assert.Equal(t, "socket.io#/n#r#", wire.BroadcastChannel("socket.io", "/n", sel))
	assert.Equal(t, "socket.io#/n#", wire.BroadcastChannel("socket.io", "/n", wire.Selection{Rooms: []string{"a", "b"}}))

	reqs := []wire.Request{
		{Type: wire.ReqRemoteJoin, UID: "u", Sel: sel, Rooms: []string{"a"}},
		{Type: wire.ReqRemoteLeave, UID: "u", Sel: sel, Rooms: []string{"a"}},
		{Type: wire.ReqRemoteDisconnect, UID: "u", Sel: sel, Close: true},
		{Type: wire.ReqRemoteFetch, UID: "u", RequestID: "q", Sel: sel},
		{Type: wire.ReqServerSideEmit, UID: "u", Args: []any{"ev", json.RawMessage(`1`)}},
		{Type: wire.ReqServerSideEmit, UID: "u", RequestID: "q", Args: []any{"ev"}},
		{Type: wire.ReqBroadcast, UID: "u", RequestID: "q", Sel: sel, Flags: wire.Flags{Timeout: 10}, Packet: p},
	}
	for _, r := range reqs {
		b, err := wire.EncodeRequest(&r)
		require.NoError(t, err)
		got, err := wire.DecodeRequest(b)
		require.NoError(t, err)
		assert.Equal(t, &r, got)
	}
	resps := []wire.Response{
		{Type: wire.ReqNone, RequestID: "q", Sockets: []wire.Socket{{ID: "s", Handshake: json.RawMessage(`{}`), Rooms: []string{"s"}, Data: json.RawMessage(`1`)}}},
		{Type: wire.ReqNone, RequestID: "q", IDs: []string{"a", "b"}},
		{Type: wire.ReqServerSideEmit, RequestID: "q", Answer: json.RawMessage(`{"x":1}`)},
		{Type: wire.ReqBroadcastClientCount, RequestID: "q", ClientCount: 3},
		{Type: wire.ReqBroadcastAck, RequestID: "q", Answer: []byte{1}},
		{Type: wire.ReqBroadcastAck, RequestID: "q", AckSocket: "s", AckGone: true},
	}
	for _, r := range resps {
		b, err := wire.EncodeResponse(&r)
		require.NoError(t, err)
		got, err := wire.DecodeResponse(b)
		require.NoError(t, err)
		assert.Equal(t, &r, got)
	}
}

// TestOlderJoinRequest: the classic adapter's older form of a join (one
// socket id, one room) reads as a selection of that socket.
func TestOlderJoinRequest(t *testing.T) {
	r, err := wire.DecodeRequest([]byte(`{"uid":"u","requestId":"q","type":2,"sid":"abc","room":"r"}`))
	require.NoError(t, err)
	assert.Equal(t, &wire.Request{Type: wire.ReqRemoteJoin, UID: "u", RequestID: "q",
		Sel: wire.Selection{Rooms: []string{"abc"}}, Rooms: []string{"r"}}, r)
}

// TestNumericRooms: Node rooms may be numbers; they become their text.
func TestNumericRooms(t *testing.T) {
	m, err := wire.DecodeMessage([]byte(`{"uid":"u","nsp":"/","type":4,"data":{"opts":{"rooms":[1,"a"],"except":[],"flags":{}},"rooms":[2.5]}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"1", "a"}, m.Sel.Rooms)
	assert.Equal(t, []string{"2.5"}, m.Rooms)
}

// TestHostileMessages: what no Node server writes is refused with
// ErrMalformed, never a panic.
func TestHostileMessages(t *testing.T) {
	deep := strings.Repeat("\x91", 100000) + "\xc0" // arrays nested 100,000 deep
	deepJSON := `{"uid":"u","nsp":"/","type":9,"data":{"packet":["e",` + strings.Repeat("[", 100000) + `]}}`
	bad := map[string][]byte{
		"empty":             nil,
		"truncated":         {0x84, 0xa3, 'u', 'i'},
		"not an object":     []byte(`["x"]`),
		"no uid":            []byte(`{"nsp":"/","type":2}`),
		"unknown type":      []byte(`{"uid":"u","nsp":"/","type":99,"data":{}}`),
		"fetch without id":  []byte(`{"uid":"u","nsp":"/","type":7,"data":{"opts":{"rooms":[],"except":[]}}}`),
		"no opts":           []byte(`{"uid":"u","nsp":"/","type":4,"data":{"rooms":["a"]}}`),
		"room object":       []byte(`{"uid":"u","nsp":"/","type":4,"data":{"opts":{"rooms":[{}],"except":[]},"rooms":[]}}`),
		"not an event":      []byte(`{"uid":"u","nsp":"/","type":3,"data":{"packet":{"type":1,"data":[]},"opts":{"rooms":[],"except":[]}}}`),
		"event name number": []byte(`{"uid":"u","nsp":"/","type":3,"data":{"packet":{"type":2,"data":[1]},"opts":{"rooms":[],"except":[]}}}`),
		"no event":          []byte(`{"uid":"u","nsp":"/","type":9,"data":{"packet":[]}}`),
		"deep msgpack":      []byte(deep),
		"deep json":         []byte(deepJSON),
		"map key is array":  {0x81, 0x91, 0xc0, 0xc0},
	}
	for name, b := range bad {
		_, err := wire.DecodeMessage(b)
		assert.True(t, errors.Is(err, wire.ErrMalformed), "%s: %v", name, err)
	}
	for name, b := range map[string][]byte{
		"json":       []byte(`{"uid":"u"}`),
		"short":      {0x92, 0xa1, 'u', 0xc0},
		"no packet":  {0x93, 0xa1, 'u', 0xc0, 0x80},
		"bad packet": {0x93, 0xa1, 'u', 0x81, 0xa4, 't', 'y', 'p', 'e', 0x01, 0x80},
	} {
		_, _, _, _, err := wire.DecodeClassicBroadcast(b)
		assert.True(t, errors.Is(err, wire.ErrMalformed), "%s: %v", name, err)
	}
	_, err := wire.DecodeRequest([]byte(`{"uid":"u"}`))
	assert.True(t, errors.Is(err, wire.ErrMalformed), "request without a type: %v", err)
	_, err = wire.DecodeRequest([]byte(`{"type":5,"opts":{"rooms":[],"except":[]}}`))
	assert.True(t, errors.Is(err, wire.ErrMalformed), "fetch without requestId: %v", err)
	_, err = wire.DecodeResponse([]byte(`{"type":6}`))
	assert.True(t, errors.Is(err, wire.ErrMalformed), "response without requestId: %v", err)

	_, err = wire.EncodeMessage(&wire.Message{Type: wire.Broadcast, Packet: wire.Packet{Args: []any{"e", json.RawMessage(`{"a":`)}}})
	assert.Error(t, err, "a payload that is not JSON")
	_, err = wire.EncodeMessage(&wire.Message{Type: wire.Broadcast, Packet: wire.Packet{Args: []any{"e", json.RawMessage(`1 2`)}}})
	assert.Error(t, err, "two JSON values")
}

// TestForgedPlaceholder: a sender cannot make its data look like a binary
// attachment: only this process's decoder writes placeholders.
func TestForgedPlaceholder(t *testing.T) {
	// MessagePack with one attachment and, beside it, an object shaped as
	// socket.io's placeholder.
	m := &wire.Message{Type: wire.ServerSideEmit, UID: "u", Nsp: "/", Args: []any{"e", []byte{1},
		json.RawMessage(`{"_placeholder":true,"num":0}`)}}
	b, err := wire.EncodeMessage(m)
	require.NoError(t, err)
	got, err := wire.DecodeMessage(b)
	require.NoError(t, err)
	assert.Equal(t, []any{"e", []byte{1}, json.RawMessage(`{"_placeholder":true,"num":0}`)}, got.Args)
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"uid":"u","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["e",1]},"opts":{"rooms":[],"except":[],"flags":{}}}}`))
	m := &wire.Message{Type: wire.Broadcast, UID: "u", Nsp: "/", Packet: wire.Packet{Args: []any{"e", []byte{1}, json.RawMessage(`{"a":[1]}`)}}}
	b, _ := wire.EncodeMessage(m)
	f.Add(b)
	b, _ = wire.EncodeClassicBroadcast("u", m.Packet, wire.Selection{}, wire.Flags{})
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := wire.DecodeMessage(b); err == nil {
			if _, err := wire.EncodeMessage(m); err != nil && m.Type != wire.ServerSideEmit {
				t.Fatalf("decoded message does not encode: %v", err)
			}
		}
		_, _, _, _, _ = wire.DecodeClassicBroadcast(b)
		_, _ = wire.DecodeRequest(b)
		_, _ = wire.DecodeResponse(b)
	})
}
