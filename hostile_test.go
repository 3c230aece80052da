package rtkit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func nested(depth int) any {
	var v any = "leaf"
	for range depth {
		v = []any{v}
	}
	return v
}

// TestBadPayloadsGetClearErrors sends what a hostile or buggy client would,
// through the real Go client, and checks each answer and that the server
// and a bystander are unaffected.
func TestBadPayloadsGetClearErrors(t *testing.T) {
	ts, _ := startTest(t)
	bystander := ts.Dial(t, "/test")
	c := ts.Dial(t, "/test")
	cases := []struct {
		name   string
		args   []any
		detail string
	}{
		{"string instead of object", []any{"hello"}, "want object"},
		{"number instead of object", []any{42}, "want object"},
		{"array instead of object", []any{[]any{1, 2}}, "want object"},
		{"null", []any{nil}, "want object"},
		{"no payload", nil, "want object"},
		{"two payloads", []any{map[string]any{"channel": "a"}, map[string]any{"channel": "b"}}, "expected one payload argument, got 2"},
		{"huge string", []any{map[string]any{"channel": strings.Repeat("x", 500_000)}}, "maxLength"},
		{"deeply nested", []any{map[string]any{"channel": nested(5000)}}, "nested too deeply"},
		{"binary attachment", []any{[]byte{1, 2, 3}}, "binary data is not accepted"},
		{"binary inside object", []any{map[string]any{"channel": []byte("abc")}}, "binary data is not accepted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := failure(t, c, "subscribe", tc.args...)
			assert.Equal(t, rtkit.CodeValidation, e.Code)
			require.NotEmpty(t, e.Details)
			assert.Contains(t, e.Details[0].Message, tc.detail)
		})
	}
	out, err := rtkittest.Call(ctx5(t), bystander, evSubscribe, SubscribeIn{Channel: "fine"})
	require.Nil(t, err)
	assert.True(t, out.Joined)
	_, err = rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "fine"})
	require.Nil(t, err, "the offending client is still served")
}

// TestMalformedFrames writes frames by hand: the server answers or closes
// that one connection, never crashes, and other clients go on.
func TestMalformedFrames(t *testing.T) {
	ts, _ := startTest(t)
	bystander := ts.Dial(t, "/test")

	answered := []struct {
		name, frame, code string
	}{
		{"null payload", `42/test,1["subscribe",null]`, "VALIDATION_ERROR"},
		{"empty object", `42/test,2["subscribe",{}]`, "VALIDATION_ERROR"},
		{"unknown event", `42/test,3["what",{}]`, "UNKNOWN_EVENT"},
		{"client-sent error event", `42/test,4["error",{}]`, "UNKNOWN_EVENT"},
		{"deep JSON", `42/test,5["subscribe",{"channel":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + `}]`, "VALIDATION_ERROR"},
	}
	for i, tc := range answered {
		t.Run(tc.name, func(t *testing.T) {
			rc := sioraw.Dial(t, ts.URL, nil)
			require.True(t, strings.HasPrefix(rc.Connect("/test", nil), "40/test,"))
			rc.Send(tc.frame)
			assert.Contains(t, rc.Ack("/test", i+1), `"code":"`+tc.code+`"`)
		})
	}

	closed := []struct{ name, frame string }{
		{"no event name", `42/test,["x"`},
		{"empty array", `42/test,[]`},
		{"non-string event name", `42/test,[{}]`},
		{"ack id beyond uint64", `42/test,99999999999999999999999["subscribe",{}]`},
		{"disconnect as event", `42/test,["disconnect"]`},
		{"too many attachments", `4551-/test,["subscribe",` + strings.Repeat(`{"_placeholder":true,"num":0},`, 50) + `{}]`},
	}
	for _, tc := range closed {
		t.Run(tc.name, func(t *testing.T) {
			rc := sioraw.Dial(t, ts.URL, nil)
			require.True(t, strings.HasPrefix(rc.Connect("/test", nil), "40/test,"))
			rc.Send(tc.frame)
			assert.True(t, rc.Closed(3*time.Second), "the server closes a connection that breaks the protocol")
		})
	}

	_, err := rtkittest.Call(ctx5(t), bystander, evSubscribe, SubscribeIn{Channel: "ok"})
	require.Nil(t, err, "the bystander is unaffected")
}

func TestOversizedFrameClosesOnlyThatConnection(t *testing.T) {
	ts, _ := startTest(t, rtkit.WithMaxPayload(4096))
	bystander := ts.Dial(t, "/test")
	rc := sioraw.Dial(t, ts.URL, nil)
	require.True(t, strings.HasPrefix(rc.Connect("/test", nil), "40/test,"))
	// The server may close while the frame is still being written.
	_ = rc.Conn().WriteMessage(websocket.TextMessage, []byte(`42/test,1["subscribe",{"channel":"`+strings.Repeat("x", 8192)+`"}]`))
	assert.True(t, rc.Closed(3*time.Second))
	_, err := rtkittest.Call(ctx5(t), bystander, evSubscribe, SubscribeIn{Channel: "ok"})
	require.Nil(t, err)
}

// TestUnknownNamespace: a namespace that does not exist is refused with
// data: {code} like every other refusal, which the clients' typed refusal
// (rtkittest.ConnectError) needs.
func TestUnknownNamespace(t *testing.T) {
	ts, _ := startTest(t)
	rc := sioraw.Dial(t, ts.URL, nil)
	assert.Equal(t, `44/nope,{"data":{"code":"NOT_FOUND"},"message":"Invalid namespace"}`, rc.Connect("/nope", nil))

	_, err := ts.TryDial(t, "/nope")
	var ce *rtkittest.ConnectError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, string(rtkit.CodeNotFound), ce.Code)
}

// TestEventRightAfterConnect sends an event the moment the namespace
// CONNECT is acknowledged, as clients that emit on "connect" do. The
// underlying server registers the socket only after writing the CONNECT
// packet and closes connections whose events arrive in between; rtkit holds
// the connection's reader until the socket is registered.
func TestEventRightAfterConnect(t *testing.T) {
	ts, _ := startTest(t)
	for i := range 300 {
		rc := sioraw.Dial(t, ts.URL, nil)
		rc.Send("40/test,")
		rc.Send(`42/test,1["subscribe",{"channel":"a"}]`)
		got, err := rc.TryRead(3 * time.Second)
		require.NoError(t, err, "iteration %d", i)
		require.True(t, strings.HasPrefix(got, "40/test,"), "iteration %d: %q", i, got)
		got, err = rc.TryRead(3 * time.Second)
		require.NoError(t, err, "iteration %d: the connection was closed", i)
		require.True(t, strings.HasPrefix(got, "43/test,1"), "iteration %d: %q", i, got)
		_ = rc.Conn().Close()
	}
}
