package rtkit_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// rawEvent decodes a frame `42/ns,[...]` into its arguments.
func rawEvent(t *testing.T, nsp, frame string) []json.RawMessage {
	t.Helper()
	body, ok := strings.CutPrefix(frame, "42"+nsp+",")
	require.True(t, ok, "not an event frame: %q", frame)
	var args []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &args))
	return args
}

// session is what a raw client keeps to recover: its pid and last offset.
type session struct{ pid, offset string }

// joinRaw connects a raw client to nsp and returns it with its pid.
func joinRaw(t *testing.T, ts *rtkittest.Server, nsp string, auth map[string]any) (*sioraw.Client, session) {
	t.Helper()
	rc := sioraw.Dial(t, ts.URL, nil)
	frame := rc.Connect(nsp, auth)
	body, ok := strings.CutPrefix(frame, "40"+nsp+",")
	require.True(t, ok, "connect refused: %q", frame)
	var c struct {
		Pid string `json:"pid"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &c))
	require.NotEmpty(t, c.Pid, "recovery is on: CONNECT carries a pid")
	return rc, session{pid: c.Pid}
}

// readNote reads one note event and returns its seq, updating the offset.
func readNote(t *testing.T, rc *sioraw.Client, nsp string, s *session) int {
	t.Helper()
	args := rawEvent(t, nsp, rc.Read())
	require.Len(t, args, 3, "note, payload, offset")
	var n Note
	require.NoError(t, json.Unmarshal(args[1], &n))
	require.NoError(t, json.Unmarshal(args[2], &s.offset))
	return n.Seq
}

// away closes the raw connection and waits until the server saw it.
func away(t *testing.T, rc *sioraw.Client, ts *rtkittest.Server, nsp string) {
	t.Helper()
	_ = rc.Conn().Close()
	require.Eventually(t, func() bool { return ts.RT.Health(context.Background()).Sockets[nsp] == 0 },
		2*time.Second, 5*time.Millisecond)
}

func feedNamespace(name string, opts ...rtkit.NamespaceOption) *rtkit.Namespace {
	ns := rtkit.NewNamespace(name, append([]rtkit.NamespaceOption{
		rtkit.WithRoom("feed", rtkit.Anyone),
		rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"feed"} }),
	}, opts...)...)
	rtkit.Emits(ns, evNote)
	return ns
}

func TestResyncUnknownSession(t *testing.T) {
	ns := feedNamespace("/r")
	ts := startWithNamespace(t, ns)
	rc, _ := joinRaw(t, ts, "/r", map[string]any{"pid": "no-such-session", "offset": "whatever"})
	args := rawEvent(t, "/r", rc.Read())
	require.Len(t, args, 3)
	assert.JSONEq(t, `"rtkit:resync"`, string(args[0]))
	assert.JSONEq(t, `{"reason":"unknown_session"}`, string(args[1]))
	var offset string
	require.NoError(t, json.Unmarshal(args[2], &offset), "the resync event gives the client an offset")

	// A pid without an offset (a client that got no event before it lost
	// its connection) is not recovered either, and is told so.
	rc2, _ := joinRaw(t, ts, "/r", map[string]any{"pid": "another"})
	args = rawEvent(t, "/r", rc2.Read())
	assert.JSONEq(t, `{"reason":"unknown_session"}`, string(args[1]))
}

func TestResyncWindowExceeded(t *testing.T) {
	ns := feedNamespace("/w")
	ts := startWithNamespace(t, ns, rtkit.WithDeliveryLog(rtkit.NewMemoryLog(rtkit.MemoryLogOptions{MaxEntries: 5})))
	rc, s := joinRaw(t, ts, "/w", nil)
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 1}))
	require.Equal(t, 1, readNote(t, rc, "/w", &s))
	away(t, rc, ts, "/w")
	for i := 2; i <= 10; i++ { // more than the log keeps
		require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: i}))
	}
	rc2, s2 := joinRaw(t, ts, "/w", map[string]any{"pid": s.pid, "offset": s.offset})
	assert.NotEqual(t, s.pid, s2.pid, "a new session")
	args := rawEvent(t, "/w", rc2.Read())
	assert.JSONEq(t, `"rtkit:resync"`, string(args[0]))
	assert.JSONEq(t, `{"reason":"window_exceeded"}`, string(args[1]))

	// The window in time: entries older than MaxAge are gone too.
	ns2 := feedNamespace("/t")
	ts2 := startWithNamespace(t, ns2, rtkit.WithDeliveryLog(rtkit.NewMemoryLog(rtkit.MemoryLogOptions{MaxAge: 50 * time.Millisecond})))
	rc, s = joinRaw(t, ts2, "/t", nil)
	require.NoError(t, rtkit.Emit(ns2.To("feed"), evNote, Note{Seq: 1}))
	require.Equal(t, 1, readNote(t, rc, "/t", &s))
	away(t, rc, ts2, "/t")
	require.NoError(t, rtkit.Emit(ns2.To("feed"), evNote, Note{Seq: 2}))
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, rtkit.Emit(ns2.To("feed"), evNote, Note{Seq: 3}))
	rc2, _ = joinRaw(t, ts2, "/t", map[string]any{"pid": s.pid, "offset": s.offset})
	args = rawEvent(t, "/t", rc2.Read())
	assert.JSONEq(t, `{"reason":"window_exceeded"}`, string(args[1]))
}

// A recovered socket gets exactly what it missed, then live events, and
// the resync event is not sent.
func TestRecoveryReplaysExactlyWhatWasMissed(t *testing.T) {
	ns := feedNamespace("/x")
	ts := startWithNamespace(t, ns)
	rc, s := joinRaw(t, ts, "/x", nil)
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 1}))
	require.Equal(t, 1, readNote(t, rc, "/x", &s))
	away(t, rc, ts, "/x")
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 2}))
	require.NoError(t, rtkit.Emit(ns.To("elsewhere"), evNote, Note{Seq: 99})) // not for this socket
	require.NoError(t, rtkit.Emit(ns, evNote, Note{Seq: 3}))                  // the whole namespace
	rc2, s2 := joinRaw(t, ts, "/x", map[string]any{"pid": s.pid, "offset": s.offset})
	assert.Equal(t, s.pid, s2.pid, "the same session")
	assert.Equal(t, 2, readNote(t, rc2, "/x", &s))
	assert.Equal(t, 3, readNote(t, rc2, "/x", &s))
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 4}))
	assert.Equal(t, 4, readNote(t, rc2, "/x", &s))
}

// Authentication runs again before anything is replayed: a session
// revoked while the client was away gets a connect_error and no event.
func TestRecoveryRevokedSessionGetsNothing(t *testing.T) {
	var revoked atomic.Bool
	ns := feedNamespace("/a", rtkit.WithConnectFunc(func(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
		if revoked.Load() {
			return nil, rtkit.NewError(rtkit.CodeUnauthorized, "session revoked")
		}
		return ctx, nil
	}))
	ts := startWithNamespace(t, ns)
	rc, s := joinRaw(t, ts, "/a", nil)
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 1}))
	require.Equal(t, 1, readNote(t, rc, "/a", &s))
	away(t, rc, ts, "/a")
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 2}))
	revoked.Store(true)
	rc2 := sioraw.Dial(t, ts.URL, nil)
	frame := rc2.Connect("/a", map[string]any{"pid": s.pid, "offset": s.offset})
	assert.True(t, strings.HasPrefix(frame, "44/a,"), "refused: %q", frame)
	assert.Contains(t, frame, "UNAUTHORIZED")
	// While the refused socket was being recovered, live emits still
	// reach nobody but their recipients, and nothing follows the refusal.
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 3}))
	got, err := rc2.TryRead(300 * time.Millisecond)
	assert.Error(t, err, "nothing after connect_error, got %q", got)
}

// A NotReplayable event reaches connected sockets without an offset and is
// never replayed; one whose payload is a JSON string is followed by null,
// so the client does not take it for an offset.
func TestNotReplayable(t *testing.T) {
	typing := rtkit.NewEvent[string, rtkit.NoAck]("typing", rtkit.NotReplayable())
	ns := feedNamespace("/n")
	rtkit.Emits(ns, typing)
	ts := startWithNamespace(t, ns)
	rc, s := joinRaw(t, ts, "/n", nil)
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 1}))
	require.Equal(t, 1, readNote(t, rc, "/n", &s))
	require.NoError(t, rtkit.Emit(ns.To("feed"), typing, "ann"))
	assert.Equal(t, `42/n,["typing","ann",null]`, rc.Read())
	away(t, rc, ts, "/n")
	require.NoError(t, rtkit.Emit(ns.To("feed"), typing, "bob"))
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 2}))
	rc2, _ := joinRaw(t, ts, "/n", map[string]any{"pid": s.pid, "offset": s.offset})
	assert.Equal(t, 2, readNote(t, rc2, "/n", &s), "the transient event is not replayed")
}

// ResyncEvent can be declared like any event, so that generated docs show
// it.
func TestResyncEventInSpec(t *testing.T) {
	ns := feedNamespace("/s")
	rtkit.Emits(ns, rtkit.ResyncEvent)
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()))
	srv.Mount(ns)
	var names []string
	for _, e := range srv.Spec().Namespaces[0].Events {
		names = append(names, e.Name)
	}
	assert.Contains(t, names, "rtkit:resync")
}

// A client that receives nothing for longer than the window while
// connected still recovers: the server moves connected clients' offsets to
// the head ("rtkit:offset") a few times per window.
func TestIdleClientKeepsAFreshOffset(t *testing.T) {
	const window = 300 * time.Millisecond
	ns := feedNamespace("/i")
	ts := startWithNamespace(t, ns, rtkit.WithRecovery(window))
	rc, s := joinRaw(t, ts, "/i", nil)
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 1}))
	require.Equal(t, 1, readNote(t, rc, "/i", &s))
	// Events for other rooms only, for more than the window.
	for range 8 {
		require.NoError(t, rtkit.Emit(ns.To("other"), evNote, Note{Seq: 99}))
		time.Sleep(window / 5)
	}
	markers := 0
	for {
		frame, err := rc.TryRead(window)
		if err != nil {
			break // the head has not moved since the last marker
		}
		args := rawEvent(t, "/i", frame)
		require.JSONEq(t, `"rtkit:offset"`, string(args[0]), "only offset markers reach this client")
		require.Len(t, args, 2)
		require.NoError(t, json.Unmarshal(args[1], &s.offset))
		markers++
	}
	require.Positive(t, markers)
	away(t, rc, ts, "/i")
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 2}))
	rc2, s2 := joinRaw(t, ts, "/i", map[string]any{"pid": s.pid, "offset": s.offset})
	assert.Equal(t, s.pid, s2.pid, "recovered")
	assert.Equal(t, 2, readNote(t, rc2, "/i", &s))
}
