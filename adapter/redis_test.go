package adapter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestRedisCrossNodePayloads checks that typed emits made on server A reach
// the clients of server B as JSON (not as binary attachments, with exact
// numbers), to a room, to the whole namespace and to several rooms minus
// an excluded one, in the order they were emitted.
func TestRedisCrossNodePayloads(t *testing.T) {
	r := redistest.Start(t)
	a := redisNode(t, r, adapter.Options{})
	viaURL, err := adapter.FromURL(r.URL(), adapter.Options{})
	require.NoError(t, err)
	b := startNode(t, viaURL, nil)

	c1 := b.dial(t, "r:1")
	c2 := b.dial(t, "r:2")
	c3 := b.dial(t, "r:1,r:x")
	in1, in2, in3 := rtkittest.Listen(c1, noteNew), rtkittest.Listen(c2, noteNew), rtkittest.Listen(c3, noteNew)

	full := Note{Text: "room", ID: 1<<52 + 1, Tags: []string{"a", "é"}, Meta: &Meta{Score: 0.5, Seen: true}}
	require.NoError(t, rtkit.Emit(a.ns.To("r:1"), noteNew, full))
	require.NoError(t, rtkit.Emit(a.ns, noteNew, Note{Text: "all", ID: -9007199254740993}))
	require.NoError(t, rtkit.Emit(a.ns.To("r:1", "r:2").Except("r:x"), noteNew, Note{Text: "rooms-except"}))
	require.NoError(t, rtkit.Emit(a.ns, noteNew, Note{Text: "end"}))

	first, err := next(in1, 5*time.Second)
	require.NoError(t, err, "the payload decodes as JSON into Note")
	assert.Equal(t, full, first, "every field crosses")
	assert.Equal(t, []string{"all", "rooms-except"}, drain(t, in1))
	assert.Equal(t, []string{"all", "rooms-except"}, drain(t, in2))
	assert.Equal(t, []string{"room", "all"}, drain(t, in3))
}

// TestRedisExactNumbers reads frames as server B writes them: a payload
// emitted on A arrives as one JSON text frame, an int64 beyond 2^53 intact
// (the Go client itself would round it into a float64 on reading).
func TestRedisExactNumbers(t *testing.T) {
	r := redistest.Start(t)
	a := redisNode(t, r, adapter.Options{})
	b := redisNode(t, r, adapter.Options{})
	raw := sioraw.Join(t, b.srv.URL, "/chat", map[string]any{"rooms": "r:1"})

	require.NoError(t, rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: "big", ID: 1<<60 + 1, Meta: &Meta{Score: 0.1}}))
	frame := raw.Read()
	require.True(t, strings.HasPrefix(frame, `42/chat,["note:new",{`), "an event with a JSON object: %s", frame)
	var args []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(frame, "42/chat,")), &args))
	d := json.NewDecoder(bytes.NewReader(args[1]))
	d.UseNumber()
	var got map[string]any
	require.NoError(t, d.Decode(&got))
	assert.Equal(t, json.Number("1152921504606846977"), got["id"])
	assert.Equal(t, "big", got["text"])
	assert.Equal(t, map[string]any{"score": json.Number("0.1"), "seen": false}, got["meta"])
}

// TestRedisOutage kills Redis under two servers: local delivery goes on at
// once, emits stay bounded, the process stays idle, errors are logged at
// most once a second, Health shows the outage, and cross-node delivery
// resumes by itself when Redis is back.
func TestRedisOutage(t *testing.T) {
	r := redistest.Start(t)
	logs := &countingHandler{} // node A's adapter only
	a := redisNode(t, r, adapter.Options{Timeout: 300 * time.Millisecond, Logger: slog.New(logs)})
	b := redisNode(t, r, adapter.Options{Timeout: 300 * time.Millisecond, Logger: quiet()})
	local, remote := a.dial(t, "r:1"), b.dial(t, "r:1")
	inLocal, inRemote := rtkittest.Listen(local, noteNew), rtkittest.Listen(remote, noteNew)

	require.NoError(t, rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: "before"}))
	requireNote(t, "before", inLocal, inRemote)

	r.Stop()
	ctx := context.Background()
	require.Eventually(t, func() bool {
		return a.srv.RT.Health(ctx).Status == "degraded"
	}, 3*time.Second, 50*time.Millisecond, "Health reports the outage")
	assert.False(t, b.srv.RT.Health(ctx).Adapter.Healthy)

	cpu0, wall0, logs0 := processCPU(t), time.Now(), logs.count()
	time.Sleep(3 * time.Second)
	cpu, wall := processCPU(t)-cpu0, time.Since(wall0)
	logged := logs.count() - logs0
	t.Logf("outage: process CPU %v over %v (%.1f%%), %d error lines logged",
		cpu.Round(time.Millisecond), wall.Round(time.Millisecond), 100*cpu.Seconds()/wall.Seconds(), logged)
	assert.Less(t, cpu, 600*time.Millisecond, "no busy loop while Redis is down")
	assert.LessOrEqual(t, logged, 4, "errors logged at most once a second")

	for i := range 5 {
		began := time.Now()
		require.NoError(t, rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: fmt.Sprint("down-", i)}))
		assert.Less(t, time.Since(began), time.Second, "emit bounded by Options.Timeout")
		n, err := next(inLocal, time.Second)
		require.NoError(t, err, "local delivery does not wait for Redis")
		assert.Equal(t, fmt.Sprint("down-", i), n.Text)
	}

	r.Restart()
	i := 0
	require.Eventually(t, func() bool {
		i++
		_ = rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: fmt.Sprint("after-", i)})
		for inRemote.Len() > 0 {
			if n, err := next(inRemote, time.Second); err == nil && n.Text != "" && n.Text[:5] == "after" {
				return true
			}
		}
		return false
	}, 10*time.Second, 100*time.Millisecond, "cross-node delivery resumes by itself")
	assert.Equal(t, "ok", a.srv.RT.Health(ctx).Status)
}

// processCPU is the user+system CPU time this process has used.
func processCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestRedisTurnsRecoveryOffByDefault: recovery cannot work through Redis,
// so a server with a Redis adapter has it off unless asked for, and
// broadcasts carry no offset argument after the payload.
func TestRedisTurnsRecoveryOffByDefault(t *testing.T) {
	r := redistest.Start(t)
	a := redisNode(t, r, adapter.Options{})
	raw := sioraw.Join(t, a.srv.URL, "/chat", map[string]any{"rooms": "r:1"})
	require.NoError(t, rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: "x"}))
	var args []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(raw.Read(), "42/chat,")), &args))
	assert.Len(t, args, 2, "event name and payload, no recovery offset")
}
