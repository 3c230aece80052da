package hostile_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/hostile"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestOtherUsersRooms tries every way into another user's room: joining
// it by name (and by names that resemble it), speaking in it without
// joining, asking for it in the handshake, joining another socket's own
// room, and a team the token does not name. Nothing gets through, and the
// victim receives nothing.
func TestOtherUsersRooms(t *testing.T) {
	s := start(t, func(c *hostile.Config) { c.EventsPerSecond = 1000 })
	victim, mallory := user(), user()
	v := s.dial(t, victim)
	inbox := rtkittest.Listen(v, hostile.Said)
	m := s.Dial(t, hostile.Namespace, rtkittest.WithAuth(map[string]any{
		"token": token(mallory), "rooms": "user:" + victim, "room": "user:" + victim}))

	for _, room := range []string{
		"user:" + victim,
		"user:" + victim + ":inbox",
		"user:" + victim + " ",
		"User:" + victim,
		"user:{userId}",
		"user:*",
		"user:",
		"team:red",
		"team:",
		"admin",
		v.ID(),
		"\x00user:" + victim,
		strings.Repeat("user:", 100),
	} {
		_, err := rtkittest.Call(ctx5(t), m, hostile.Join, hostile.JoinIn{Room: room})
		require.NotNil(t, err, "joined %q", room)
		assert.Contains(t, []rtkit.Code{rtkit.CodeForbidden, rtkit.CodeValidation}, err.Code, "room %q: %v", room, err)

		_, err = rtkittest.Call(ctx5(t), m, hostile.Say, hostile.SayIn{Room: room, Text: "hi"})
		require.NotNil(t, err, "spoke in %q", room)
	}
	// Mallory's own rooms work, so the refusals above are not an accident.
	_, err := rtkittest.Call(ctx5(t), m, hostile.Say, hostile.SayIn{Room: "user:" + mallory, Text: "me"})
	require.Nil(t, err)

	// A token naming team "red" joins it; the victim's token does not.
	red := s.Dial(t, hostile.Namespace, rtkittest.WithAuth(map[string]any{"token": hostile.Token(key, user(), "s-red", "red", time.Hour)}))
	_, err = rtkittest.Call(ctx5(t), red, hostile.Join, hostile.JoinIn{Room: "team:red"})
	require.Nil(t, err)

	// The raw protocol has no way in either: a client-sent "join" event
	// is unknown.
	rc, _ := s.join(t)
	rc.Send(`42/app,1["join","user:` + victim + `"]`)
	assert.Equal(t, "UNKNOWN_EVENT", ackCode(t, rc.Ack("/app", 1)))

	// Broadcasts to the lobby reach the victim; nothing else did.
	_, err = rtkittest.Call(ctx5(t), m, hostile.Say, hostile.SayIn{Room: "lobby", Text: "public"})
	require.Nil(t, err)
	got, nerr := inbox.Next(ctx5(t))
	require.NoError(t, nerr)
	assert.Equal(t, "public", got.Text, "the first message the victim gets is the public one")
	assert.Equal(t, "lobby", got.Room)
}

// TestNoRoomWithoutPolicy checks the raw wire for the same thing from a
// socket that never authenticated: not even the lobby.
func TestNoRoomWithoutPolicy(t *testing.T) {
	s := start(t, nil)
	rc := sioraw.Dial(t, s.URL, nil)
	assert.Contains(t, rc.Connect(hostile.Namespace, map[string]any{"rooms": "lobby"}), "Authentication required")
}
