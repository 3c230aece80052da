package hostile_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/hostile"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// TestMalformedPacketsAnswered sends packets that parse but make no sense
// to rtkit: each gets an acknowledgement with the right code, on a
// connection that stays open.
func TestMalformedPacketsAnswered(t *testing.T) {
	s := start(t, nil)
	bystander := s.dial(t, user())
	cases := []struct{ name, frame, code string }{
		{"null payload", `42/app,1["echo",null]`, "VALIDATION_ERROR"},
		{"no payload", `42/app,2["echo"]`, "VALIDATION_ERROR"},
		{"empty object", `42/app,3["echo",{}]`, "VALIDATION_ERROR"},
		{"wrong type", `42/app,4["echo",{"text":7}]`, "VALIDATION_ERROR"},
		{"unknown event", `42/app,5["nope",{}]`, "UNKNOWN_EVENT"},
		{"client-sent error", `42/app,6["error",{"text":"x"}]`, "UNKNOWN_EVENT"},
		{"auth event as payload", `42/app,7["auth:expired",{}]`, "UNKNOWN_EVENT"},
		// The largest id the parser takes (19 digits), answered exactly.
		{"huge ack id", `42/app,9999999999999999999["echo",{"text":"x"}]`, ""},
		{"event name of 10 kB", `42/app,9["` + strings.Repeat("e", 10_000) + `",{}]`, "UNKNOWN_EVENT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := s.join(t)
			c.Send(tc.frame)
			id := tc.frame[strings.Index(tc.frame, ",")+1 : strings.Index(tc.frame, "[")]
			prefix := "43/app," + id
			for {
				f := c.Read()
				if strings.HasPrefix(f, prefix+"[") {
					assert.Equal(t, tc.code, ackCode(t, strings.TrimPrefix(f, prefix)), "frame %.80s", tc.frame)
					break
				}
			}
			c.Send(`42/app,77["echo",{"text":"after"}]`)
			assert.Equal(t, "", ackCode(t, c.Ack("/app", 77)), "the connection still serves")
		})
	}
	s.healthy(t, bystander)
}

// TestProtocolViolationsCloseTheConnection sends what the Engine.IO and
// Socket.IO parsers refuse: the server closes that one connection (as the
// official server does) and the others go on.
func TestProtocolViolationsCloseTheConnection(t *testing.T) {
	s := start(t, nil)
	bystander := s.dial(t, user())
	cases := []struct{ name, frame string }{
		{"unknown Engine.IO type", "9hello"},
		{"empty frame", ""},
		{"unknown Socket.IO type", "49/app,"},
		{"non-digit Socket.IO type", "4x"},
		{"42[null]", `42/app,[null]`},
		{"42[]", `42/app,[]`},
		{"42[{}]", `42/app,[{}]`},
		{"object instead of array", `42/app,{"a":1}`},
		{"truncated JSON", `42/app,1["echo",{"text":"x"`},
		{"negative ack id", `42/app,-1["echo",{"text":"x"}]`},
		{"ack id of 20 digits", `42/app,18446744073709551615["echo",{"text":"x"}]`},
		{"ack id beyond uint64", `42/app,18446744073709551616["echo",{"text":"x"}]`},
		{"client-sent connect", `42/app,["connect",{}]`},
		{"client-sent disconnect", `42/app,["disconnect","bye"]`},
		{"client-sent disconnecting", `42/app,["disconnecting"]`},
		{"client-sent connect_error", `42/app,["connect_error",{}]`},
		{"client-sent newListener", `42/app,["newListener","x"]`},
		{"placeholder beyond attachments", `451-/app,1["echo",{"_placeholder":true,"num":3}]`},
		{"too many attachments", `4511-/app,1["echo",{}]`},
		{"huge attachment count", `4599999999999999999999-/app,["echo",{}]`},
		{"namespace of 1 kB", `40/` + strings.Repeat("n", 1024) + `,`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := s.join(t)
			c.Send(tc.frame)
			if tc.name == "placeholder beyond attachments" {
				// The attachment arrives: the placeholder points past it.
				_ = c.Conn().WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
			}
			assert.True(t, c.Closed(3*time.Second), "the server closes the connection")
		})
	}
	s.healthy(t, bystander)
}

// TestBinaryWithoutAnnouncement sends a binary frame nobody announced and
// a text frame in the middle of an announced binary packet.
func TestBinaryWithoutAnnouncement(t *testing.T) {
	s := start(t, nil)
	bystander := s.dial(t, user())

	c, _ := s.join(t)
	require.NoError(t, c.Conn().WriteMessage(websocket.BinaryMessage, []byte{4, 1, 2}))
	assert.True(t, c.Closed(3*time.Second), "a binary frame without a packet closes the connection")

	c, _ = s.join(t)
	c.Send(`451-/app,1["echo",{"_placeholder":true,"num":0}]`)
	c.Send(`42/app,2["echo",{"text":"x"}]`)
	assert.True(t, c.Closed(3*time.Second), "text inside a binary packet closes the connection")

	// A binary packet announcing no attachment is handed over at once
	// (its placeholder is a plain object, refused by validation), but the
	// underlying parser keeps waiting for attachments: the next text frame
	// closes the connection. Only the offender is affected.
	c, _ = s.join(t)
	c.Send(`450-/app,8["echo",{"_placeholder":true,"num":0}]`)
	assert.Equal(t, "VALIDATION_ERROR", ackCode(t, c.Ack("/app", 8)))
	c.Send(`42/app,9["echo",{"text":"x"}]`)
	assert.True(t, c.Closed(3*time.Second))

	c, _ = s.join(t)
	c.Send(`451-/app,1["echo",{"text":{"_placeholder":true,"num":0}}]`)
	require.NoError(t, c.Conn().WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}))
	assert.Equal(t, "VALIDATION_ERROR", ackCode(t, c.Ack("/app", 1)), "a real attachment is refused with a clear error")
	s.healthy(t, bystander)
}

// TestOversizedFrame sends one byte more than the maximum payload: the
// server closes that connection only.
func TestOversizedFrame(t *testing.T) {
	s := start(t, func(c *hostile.Config) { c.MaxPayload = 16 << 10 })
	bystander := s.dial(t, user())
	c, _ := s.join(t)
	frame := `42/app,1["echo",{"text":"` + strings.Repeat("x", 16<<10) + `"}]`
	_ = c.Conn().WriteMessage(websocket.TextMessage, []byte(frame))
	assert.True(t, c.Closed(3*time.Second))
	c, _ = s.join(t)
	_ = c.Conn().WriteMessage(websocket.BinaryMessage, make([]byte, 32<<10))
	assert.True(t, c.Closed(3*time.Second), "an oversized binary frame closes too")
	s.healthy(t, bystander)
}

// TestEngineIOOddities covers Engine.IO packets a client should not send
// on an open websocket: the server ignores or closes, and stays up.
func TestEngineIOOddities(t *testing.T) {
	s := start(t, nil)
	bystander := s.dial(t, user())
	for _, frame := range []string{"5", "6", "3", "3probe", "2probe", "0", "1"} {
		c, _ := s.join(t)
		c.Send(frame)
		// Either the connection closes or it still serves.
		c.Send(`42/app,1["echo",{"text":"x"}]`)
		for {
			f, err := c.TryRead(2 * time.Second)
			if err != nil {
				require.False(t, sioraw.Timeout(err), "%q: the connection neither closed nor served", frame)
				t.Logf("%q: connection closed", frame)
				break
			}
			if strings.HasPrefix(f, `43/app,1[`) {
				t.Logf("%q: ignored", frame)
				break
			}
		}
	}
	s.healthy(t, bystander)
}

// TestNamespaceOddities: a CONNECT whose namespace has no comma, and the
// main namespace "/", which no rtkit server mounts.
func TestNamespaceOddities(t *testing.T) {
	s := start(t, nil)
	c := sioraw.Dial(t, s.URL, nil)
	assert.Equal(t, `44/app{"token":"x"},{"data":{"code":"NOT_FOUND"},"message":"Invalid namespace"}`, c.Connect(`/app{"token":"x"}`, nil))
	c.Send(`40`)
	f := c.Read()
	t.Logf("CONNECT to the main namespace: %s", f)
	assert.False(t, strings.HasPrefix(f, "40{"), "the main namespace is not served: %s", f)
}
