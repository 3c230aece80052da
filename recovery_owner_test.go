package rtkit_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// userNamespace states each socket's identity from auth.user (as package
// auth does from its principal) and puts it in its own room user:{id}.
func userNamespace(name string) *rtkit.Namespace {
	ns := rtkit.NewNamespace(name,
		rtkit.WithConnectFunc(func(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
			u, _ := s.Handshake().Auth["user"].(string)
			s.SetIdentity(u)
			return ctx, nil
		}),
		rtkit.WithRoom("user:{id}", func(_ context.Context, s *rtkit.Socket, p rtkit.RoomParams) error {
			if p["id"] != s.Identity() {
				return rtkit.NewError(rtkit.CodeForbidden, "not yours")
			}
			return nil
		}),
		rtkit.AutoJoin(func(_ context.Context, s *rtkit.Socket) []string { return []string{"user:" + s.Identity()} }))
	rtkit.Emits(ns, evNote)
	return ns
}

// connectIDs connects rc to nsp and returns the sid and pid of CONNECT.
func connectIDs(t *testing.T, rc *sioraw.Client, nsp string, auth map[string]any) (sid, pid string) {
	t.Helper()
	body, ok := strings.CutPrefix(rc.Connect(nsp, auth), "40"+nsp+",")
	require.True(t, ok, "connect refused")
	var c struct{ Sid, Pid string }
	require.NoError(t, json.Unmarshal([]byte(body), &c))
	return c.Sid, c.Pid
}

// A client presenting user A's recovery pid and offset with user B's
// identity gets a fresh session: another socket id and pid, none of A's
// rooms or missed events, the same resync an unknown pid gets. A's session
// stays saved, and A recovers it afterwards with its events replayed.
func TestRecoveryRefusesAnotherIdentitysSession(t *testing.T) {
	ns := userNamespace("/own")
	ts := startWithNamespace(t, ns)

	rcA := sioraw.Dial(t, ts.URL, nil)
	sidA, pidA := connectIDs(t, rcA, "/own", map[string]any{"user": "a"})
	a := session{pid: pidA}
	require.NoError(t, rtkit.Emit(ns.To("user:a"), evNote, Note{Seq: 1}))
	require.Equal(t, 1, readNote(t, rcA, "/own", &a))
	away(t, rcA, ts, "/own")
	require.NoError(t, rtkit.Emit(ns.To("user:a"), evNote, Note{Seq: 2})) // missed by A

	rcB := sioraw.Dial(t, ts.URL, nil)
	stolen := map[string]any{"user": "b", "pid": a.pid, "offset": a.offset}
	fresh(t, ns, rcB, stolen, sidA, a.pid)

	rcA2 := sioraw.Dial(t, ts.URL, nil)
	sidA2, pidA2 := connectIDs(t, rcA2, "/own", map[string]any{"user": "a", "pid": a.pid, "offset": a.offset})
	assert.Equal(t, sidA, sidA2, "A recovers its socket id")
	assert.Equal(t, a.pid, pidA2, "A recovers its session")
	assert.Equal(t, 2, readNote(t, rcA2, "/own", &a), "A's missed event is replayed")
	assert.Equal(t, 3, readNote(t, rcA2, "/own", &a))
}

// fresh checks that B, presenting A's session, got a fresh one of its own.
func fresh(t *testing.T, ns *rtkit.Namespace, rcB *sioraw.Client, stolen map[string]any, sidA, pidA string) {
	t.Helper()
	sidB, pidB := connectIDs(t, rcB, "/own", stolen)
	assert.NotEqual(t, sidA, sidB, "B does not get A's socket id")
	assert.NotEqual(t, pidA, pidB, "B does not get A's session")
	args := rawEvent(t, "/own", rcB.Read())
	assert.JSONEq(t, `"rtkit:resync"`, string(args[0]))
	assert.JSONEq(t, `{"reason":"unknown_session"}`, string(args[1]), "as for a pid the server does not know")
	require.NoError(t, rtkit.Emit(ns.To("user:a"), evNote, Note{Seq: 3})) // A's room: not for B
	require.NoError(t, rtkit.Emit(ns.To("user:b"), evNote, Note{Seq: 50}))
	b := session{pid: pidB}
	assert.Equal(t, 50, readNote(t, rcB, "/own", &b), "B got none of A's events, only its own")
}

// Without an identity (no middleware states one) recovery works as before.
func TestRecoveryWithoutIdentity(t *testing.T) {
	ns := feedNamespace("/noid")
	ts := startWithNamespace(t, ns)
	rc, s := joinRaw(t, ts, "/noid", nil)
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 1}))
	require.Equal(t, 1, readNote(t, rc, "/noid", &s))
	away(t, rc, ts, "/noid")
	require.NoError(t, rtkit.Emit(ns.To("feed"), evNote, Note{Seq: 2}))
	rc2, s2 := joinRaw(t, ts, "/noid", map[string]any{"pid": s.pid, "offset": s.offset})
	assert.Equal(t, s.pid, s2.pid)
	assert.Equal(t, 2, readNote(t, rc2, "/noid", &s))
}
