package hostile_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/hostile"
)

func deep(levels int) string { return strings.Repeat("[", levels) + strings.Repeat("]", levels) }

// TestHugeAndDeepPayloads sends payloads built to exhaust a parser or a
// validator, under a 1 MB bound: each gets VALIDATION_ERROR with a short
// answer, or (beyond what the JSON parser takes) the connection closes.
func TestHugeAndDeepPayloads(t *testing.T) {
	s := start(t, func(c *hostile.Config) { c.MaxPayload = 1 << 20 })
	bystander := s.dial(t, user())
	manyKeys := make([]string, 40_000)
	for i := range manyKeys {
		manyKeys[i] = `"k` + strconv.Itoa(i) + `":0`
	}
	answered := []struct{ name, payload string }{
		{"9,990 levels", `{"text":` + deep(9_990) + `}`},
		{"array of 200,000 numbers", `{"text":[` + strings.TrimSuffix(strings.Repeat("0,", 200_000), ",") + `]}`},
		{"string of 900 kB", `{"text":"` + strings.Repeat("x", 900_000) + `"}`},
		{"40,000 unknown keys", `{"text":"x",` + strings.Join(manyKeys, ",") + `}`},
		{"200,000 errors", `[` + strings.TrimSuffix(strings.Repeat(`{"text":1},`, 90_000), ",") + `]`},
		{"number of 1 kB", `{"text":0.` + strings.Repeat("1", 1_000) + `}`},
	}
	for _, tc := range answered {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := s.join(t)
			c.Send(`42/app,1["echo",` + tc.payload + `]`)
			args := c.Ack("/app", 1)
			assert.Equal(t, "VALIDATION_ERROR", ackCode(t, args))
			assert.Less(t, len(args), 4096, "the answer stays small")
		})
	}
	closed := []struct{ name, payload string }{
		// With the event array and the object around it, 10,001 levels.
		{"9,999 levels", `{"text":` + deep(9_999) + `}`},
		{"number beyond float64", `{"text":1` + strings.Repeat("0", 400) + `}`},
		{"100,000 levels", deep(100_000)},
		{"400,000 levels", deep(400_000)},
	}
	for _, tc := range closed {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := s.join(t)
			c.Send(`42/app,1["echo",` + tc.payload + `]`)
			assert.True(t, c.Closed(5*time.Second), "the JSON parser refuses it and the connection closes")
		})
	}
	t.Run("2 MB frame", func(t *testing.T) {
		c, _ := s.join(t)
		_ = c.Conn().WriteMessage(websocket.TextMessage, []byte(`42/app,1["echo",`+deep(1<<20)+`]`))
		assert.True(t, c.Closed(5*time.Second))
	})
	s.healthy(t, bystander)
}

// TestPollingBodies attacks the long-polling transport: oversized and
// malformed bodies, unknown and stolen session ids, and the same deep
// payload as over websocket.
func TestPollingBodies(t *testing.T) {
	s := start(t, func(c *hostile.Config) {
		c.MaxPayload = 64 << 10
		c.Options = []rtkit.ServerOption{rtkit.WithPing(time.Second, time.Second)}
	})
	bystander := s.dial(t, user())

	p, resp, body := s.openPolling(t, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.NotEmpty(t, p.sid)
	resp, body = p.send(`40/app,{"token":"` + token(user()) + `"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	_, body = p.poll()
	require.True(t, strings.HasPrefix(body, "40/app,"), body)

	resp, body = p.send(`42/app,1["echo",` + deep(5000) + `]`)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	_, body = p.poll()
	assert.Contains(t, body, `43/app,1[{"success":false,"error":{"code":"VALIDATION_ERROR"`)

	// Several packets in one body, the first malformed: the session ends
	// and the packet after it is not handled.
	resp, body = p.send(`42/app,[]`, `42/app,2["echo",{"text":"a"}]`)
	t.Logf("malformed packet in a polling body: %d %q", resp.StatusCode, body)
	resp, body = p.poll()
	assert.NotContains(t, body, `43/app,2`, "nothing after the malformed packet is handled: %d %q", resp.StatusCode, body)

	// An oversized body is refused before it is read in full.
	p, _, _ = s.openPolling(t, nil)
	resp, body = p.send(`42/app,1["echo",{"text":"` + strings.Repeat("x", 128<<10) + `"}]`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, body)

	// Unknown and mangled session ids.
	for _, sid := range []string{"AAAAAAAAAAAAAAAAAAAA", strings.Repeat("%41", 3000)} {
		p, _, _ = s.openPolling(t, nil)
		p.sid = sid
		resp, body = p.poll()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	}

	// A body that is not Engine.IO at all: nothing is handled.
	p, _, _ = s.openPolling(t, nil)
	resp, body = p.do(http.MethodPost, "\x00\x01\x02 not a packet\x1e4garbage", nil)
	t.Logf("garbage body: %d %q", resp.StatusCode, body)
	resp, body = p.poll()
	t.Logf("then: %d %q", resp.StatusCode, body)

	// Two concurrent GETs on one session: the official server closes it.
	p, _, _ = s.openPolling(t, nil)
	done := make(chan int, 2)
	for range 2 {
		go func() { r, _ := p.poll(); done <- r.StatusCode }()
	}
	codes := []int{<-done, <-done}
	t.Logf("concurrent polls: %v", codes)

	s.healthy(t, bystander)
}

// TestPollingHandshakeOddities sends handshakes with wrong protocol
// versions and transports.
func TestPollingHandshakeOddities(t *testing.T) {
	s := start(t, nil)
	for _, q := range []string{"EIO=3&transport=polling", "EIO=5&transport=polling", "transport=polling",
		"EIO=4&transport=carrier-pigeon", "EIO=4&transport=websocket", "EIO=4"} {
		resp, err := http.Get(s.URL + "/socket.io/?" + q)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
	}
}
