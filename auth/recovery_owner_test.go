package auth_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

type Mail struct {
	Seq int `json:"seq"`
}

var evMail = rtkit.NewEvent[Mail, rtkit.NoAck]("mail")

// inboxNamespace puts each authenticated socket in its user's inbox room.
func inboxNamespace(name string) *rtkit.Namespace {
	ns := rtkit.NewNamespace(name,
		rtkit.WithRoom("inbox:{id}", func(ctx context.Context, _ *rtkit.Socket, p rtkit.RoomParams) error {
			if u, ok := auth.PrincipalFrom(ctx); !ok || u.UserID != p["id"] {
				return rtkit.NewError(rtkit.CodeForbidden, "not your inbox")
			}
			return nil
		}),
		rtkit.AutoJoin(func(ctx context.Context, _ *rtkit.Socket) []string {
			u, _ := auth.PrincipalFrom(ctx)
			return []string{"inbox:" + u.UserID}
		}))
	rtkit.Emits(ns, evMail)
	return ns
}

// rawConnect connects rc and returns CONNECT's sid and pid, or the refusal.
func rawConnect(t *testing.T, rc *sioraw.Client, nsp string, a map[string]any) (sid, pid, refusal string) {
	t.Helper()
	frame := rc.Connect(nsp, a)
	body, ok := strings.CutPrefix(frame, "40"+nsp+",")
	if !ok {
		return "", "", frame
	}
	var c struct{ Sid, Pid string }
	require.NoError(t, json.Unmarshal([]byte(body), &c))
	return c.Sid, c.Pid, ""
}

// rawArgs reads one event frame of nsp and returns its arguments.
func rawArgs(t *testing.T, rc *sioraw.Client, nsp string) []json.RawMessage {
	t.Helper()
	frame := rc.Read()
	body, ok := strings.CutPrefix(frame, "42"+nsp+",")
	require.True(t, ok, "not an event: %q", frame)
	var args []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &args))
	return args
}

// readMail reads one mail event and returns its seq and offset.
func readMail(t *testing.T, rc *sioraw.Client, nsp string) (int, string) {
	t.Helper()
	args := rawArgs(t, rc, nsp)
	require.Len(t, args, 3, "mail, payload, offset: %s", args)
	require.JSONEq(t, `"mail"`, string(args[0]))
	var m Mail
	var offset string
	require.NoError(t, json.Unmarshal(args[1], &m))
	require.NoError(t, json.Unmarshal(args[2], &offset))
	return m.Seq, offset
}

// Bob, authenticated with his own token, presents Alice's recovery pid and
// offset (stolen from her browser or logs): he does not get her socket, her
// inbox or her missed mail, and Alice recovers all of it afterwards.
func TestStolenRecoverySessionEndToEnd(t *testing.T) {
	bob := auth.Principal{UserID: "u2", Email: "bob@example.com", SessionID: "s2"}
	ns := inboxNamespace("/mail")
	ts, logs := start(t, required(users(map[string]auth.Principal{"tok-alice": alice, "tok-bob": bob})), ns)

	rcA := sioraw.Dial(t, ts.URL, nil)
	sidA, pidA, refused := rawConnect(t, rcA, "/mail", map[string]any{"token": "tok-alice"})
	require.Empty(t, refused)
	require.NoError(t, rtkit.Emit(ns.To("inbox:u1"), evMail, Mail{Seq: 1}))
	_, offsetA := readMail(t, rcA, "/mail")
	_ = rcA.Conn().Close()
	require.Eventually(t, func() bool { return ts.RT.Health(context.Background()).Sockets["/mail"] == 0 },
		2*time.Second, 5*time.Millisecond)
	require.NoError(t, rtkit.Emit(ns.To("inbox:u1"), evMail, Mail{Seq: 2})) // Alice is away

	rcB := sioraw.Dial(t, ts.URL, nil)
	sidB, pidB, refused := rawConnect(t, rcB, "/mail", map[string]any{"token": "tok-bob", "pid": pidA, "offset": offsetA})
	require.Empty(t, refused)
	assert.NotEqual(t, sidA, sidB)
	assert.NotEqual(t, pidA, pidB)
	args := rawArgs(t, rcB, "/mail")
	assert.JSONEq(t, `"rtkit:resync"`, string(args[0]), "told what any unknown pid is told")
	require.NoError(t, rtkit.Emit(ns.To("inbox:u2"), evMail, Mail{Seq: 50}))
	seq, _ := readMail(t, rcB, "/mail")
	assert.Equal(t, 50, seq, "Bob gets his own mail, none of Alice's")
	assert.Contains(t, logs.String(), "the session belongs to another identity", "the operator is told")

	rcA2 := sioraw.Dial(t, ts.URL, nil)
	sidA2, pidA2, refused := rawConnect(t, rcA2, "/mail", map[string]any{"token": "tok-alice", "pid": pidA, "offset": offsetA})
	require.Empty(t, refused)
	assert.Equal(t, sidA, sidA2, "Alice recovers her socket id")
	assert.Equal(t, pidA, pidA2)
	seq, _ = readMail(t, rcA2, "/mail")
	assert.Equal(t, 2, seq, "Alice's missed mail is replayed")
}
