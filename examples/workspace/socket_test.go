package main

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// refusal dials and returns the connect_error the server answered with.
func refusal(t *testing.T, ta *testApp, ns string, opts ...rtkittest.DialOption) *rtkittest.ConnectError {
	t.Helper()
	c, err := ta.sio().TryDial(t, ns, opts...)
	if c != nil {
		c.Close()
	}
	var ce *rtkittest.ConnectError
	require.True(t, errors.As(err, &ce), "want connect_error, got %v", err)
	return ce
}

func TestSocketAuthentication(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	u := signUp(t, ta, "ann@example.com")

	for _, ns := range []string{"/notifications", "/documents"} {
		ce := refusal(t, ta, ns)
		assert.Equal(t, "Authentication required", ce.Message, ns)
		assert.Equal(t, "UNAUTHORIZED", ce.Code)
		ce = refusal(t, ta, ns, withToken("not-a-session"))
		assert.Equal(t, "Invalid session", ce.Message, ns)
		assert.Equal(t, "UNAUTHORIZED", ce.Code)

		// The three ways to present the session.
		for name, opt := range map[string]rtkittest.DialOption{
			"auth.token": withToken(u.Token),
			"bearer":     rtkittest.WithHeader(http.Header{"Authorization": {"Bearer " + u.Token}}),
			"cookie":     rtkittest.WithHeader(http.Header{"Cookie": {"rtkit_session=" + u.Token}}),
		} {
			c, err := ta.sio().TryDial(t, ns, opt)
			require.NoError(t, err, "%s %s", ns, name)
			c.Close()
		}
	}
}

func TestNotificationsNamespace(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann, bob, admin := signUp(t, ta, "ann@example.com"), signUp(t, ta, "bob@example.com"), signInAdmin(t, ta)
	c := ta.sio().Dial(t, "/notifications", withToken(ann.Token))
	news := rtkittest.Listen(c, realtime.NotificationNew)
	updates := rtkittest.Listen(c, realtime.NotificationUpdated)

	// Channels: own, own sub-channels and broadcast; nothing else.
	for _, ch := range []string{"user:" + ann.ID, "user:" + ann.ID + ":alerts", "user:" + ann.ID + ":a:b", "broadcast"} {
		out, err := rtkittest.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: ch})
		require.Nil(t, err, ch)
		assert.Equal(t, ch, out.Channel)
	}
	for _, ch := range []string{"user:" + bob.ID, "user:" + bob.ID + ":x", "document:" + uuid.NewString(), "lobby", "rtkit.auth:user:" + bob.ID, c.ID()} {
		_, err := rtkittest.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: ch})
		require.NotNil(t, err, ch)
		assert.Equal(t, rtkit.CodeForbidden, err.Code, ch)
	}
	for _, ch := range []string{"", string(make([]byte, 101))} {
		_, err := rtkittest.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: ch})
		require.NotNil(t, err)
		assert.Equal(t, rtkit.CodeValidation, err.Code)
	}
	out, err := rtkittest.Call(waitCtx(t), c, realtime.UnsubscribeChannel, realtime.ChannelIn{Channel: "user:" + ann.ID + ":alerts"})
	require.Nil(t, err)
	assert.Equal(t, "user:"+ann.ID+":alerts", out.Channel)
	_, err = rtkittest.Call(waitCtx(t), c, realtime.UnsubscribeChannel, realtime.ChannelIn{Channel: "rtkit.auth:user:" + ann.ID})
	require.NotNil(t, err, "the server's own rooms cannot be left")
	assert.Equal(t, rtkit.CodeForbidden, err.Code)

	// A REST notification reaches the user's room (joined on connect).
	res := call(t, "POST", ta.URL+"/api/notifications", admin.Token, map[string]any{"userId": ann.ID, "type": "warning", "title": "T", "message": "M"})
	require.Equal(t, http.StatusCreated, res.Status)
	var created realtime.Notification
	res.Decode(t, &created)
	got, gerr := news.Next(waitCtx(t))
	require.NoError(t, gerr)
	assert.Equal(t, created, got)
	assert.Equal(t, "warning", got.Type)
	assert.False(t, got.Read)

	// A broadcast reaches subscribers of "broadcast".
	res = call(t, "POST", ta.URL+"/api/notifications", admin.Token, map[string]any{"broadcast": true, "type": "info", "title": "All", "message": "hands"})
	require.Equal(t, http.StatusCreated, res.Status)
	got, gerr = news.Next(waitCtx(t))
	require.NoError(t, gerr)
	assert.Equal(t, "All", got.Title)

	// mark:read answers the updated notification and tells the user's sockets.
	read, err := rtkittest.Call(waitCtx(t), c, realtime.MarkRead, realtime.MarkReadIn{NotificationID: created.ID})
	require.Nil(t, err)
	assert.True(t, read.Read)
	assert.Equal(t, created.ID, read.ID)
	upd, gerr := updates.Next(waitCtx(t))
	require.NoError(t, gerr)
	assert.True(t, upd.Read)
	_, err = rtkittest.Call(waitCtx(t), c, realtime.MarkRead, realtime.MarkReadIn{NotificationID: uuid.New()})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeNotFound, err.Code)
	bobs := call(t, "POST", ta.URL+"/api/notifications", bob.Token, map[string]any{"type": "info", "title": "B", "message": "M"})
	var bobNote realtime.Notification
	bobs.Decode(t, &bobNote)
	_, err = rtkittest.Call(waitCtx(t), c, realtime.MarkRead, realtime.MarkReadIn{NotificationID: bobNote.ID})
	require.NotNil(t, err, "another user's notification")
	assert.Equal(t, rtkit.CodeNotFound, err.Code)
	env, err := rtkittest.CallRaw(waitCtx(t), c, "mark:read", map[string]any{"notificationId": "nope"})
	require.Nil(t, err)
	require.NotNil(t, env.Error)
	assert.Equal(t, rtkit.CodeValidation, env.Error.Code)

	// The REST read emits notification:updated too.
	res = call(t, "POST", ta.URL+"/api/notifications", ann.Token, map[string]any{"type": "error", "title": "Own", "message": "M"})
	res.Decode(t, &created)
	got, gerr = news.Next(waitCtx(t))
	require.NoError(t, gerr)
	assert.Equal(t, created.ID, got.ID, "ann's own notification, not bob's")
	require.Equal(t, http.StatusOK, call(t, "POST", ta.URL+"/api/notifications/"+created.ID.String()+"/read", ann.Token, nil).Status)
	upd, gerr = updates.Next(waitCtx(t))
	require.NoError(t, gerr)
	assert.Equal(t, created.ID, upd.ID)
	assert.True(t, upd.Read)
	assert.Zero(t, news.Len()+updates.Len(), "bob's notification did not reach ann")
}

func TestDocumentsNamespace(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann, bob := signUp(t, ta, "ann@example.com"), signUp(t, ta, "bob@example.com")
	owner := ta.sio().Dial(t, "/documents", withToken(ann.Token))
	follower := ta.sio().Dial(t, "/documents", withToken(ann.Token))
	stranger := ta.sio().Dial(t, "/documents", withToken(bob.Token))
	ownerUpd, ownerDel := rtkittest.Listen(owner, realtime.DocumentUpdated), rtkittest.Listen(owner, realtime.DocumentDeletedEvent)
	folUpd, folDel := rtkittest.Listen(follower, realtime.DocumentUpdated), rtkittest.Listen(follower, realtime.DocumentDeletedEvent)
	strUpd := rtkittest.Listen(stranger, realtime.DocumentUpdated)

	res := call(t, "POST", ta.URL+"/api/documents", ann.Token, map[string]any{"title": "Plan", "content": "x"})
	require.Equal(t, http.StatusCreated, res.Status)
	var doc struct {
		ID        uuid.UUID `json:"id"`
		Title     string    `json:"title"`
		UpdatedAt time.Time `json:"updatedAt"`
	}
	res.Decode(t, &doc)

	sum, err := rtkittest.Call(waitCtx(t), follower, realtime.DocumentSubscribe, realtime.DocumentRef{DocumentID: doc.ID})
	require.Nil(t, err)
	assert.Equal(t, realtime.DocumentSummary{ID: doc.ID, Title: "Plan", UpdatedAt: doc.UpdatedAt}, sum)
	for _, id := range []uuid.UUID{doc.ID, uuid.New()} {
		_, err = rtkittest.Call(waitCtx(t), stranger, realtime.DocumentSubscribe, realtime.DocumentRef{DocumentID: id})
		require.NotNil(t, err)
		assert.Equal(t, rtkit.CodeNotFound, err.Code)
	}

	res = call(t, "PATCH", ta.URL+"/api/documents/"+doc.ID.String(), ann.Token, map[string]any{"title": "Plan B"})
	require.Equal(t, http.StatusOK, res.Status)
	var patched struct {
		UpdatedAt time.Time `json:"updatedAt"`
	}
	res.Decode(t, &patched)
	want := realtime.DocumentSummary{ID: doc.ID, Title: "Plan B", UpdatedAt: patched.UpdatedAt}
	for name, in := range map[string]*rtkittest.Inbox[realtime.DocumentSummary]{"owner room": ownerUpd, "document room": folUpd} {
		got, gerr := in.Next(waitCtx(t))
		require.NoError(t, gerr, name)
		assert.Equal(t, want, got, name)
	}

	// Unsubscribed, the follower still hears through its user room; the
	// stranger never does.
	ref, err := rtkittest.Call(waitCtx(t), follower, realtime.DocumentUnsubscribe, realtime.DocumentRef{DocumentID: doc.ID})
	require.Nil(t, err)
	assert.Equal(t, doc.ID, ref.DocumentID)

	require.Equal(t, http.StatusNoContent, call(t, "DELETE", ta.URL+"/api/documents/"+doc.ID.String(), ann.Token, nil).Status)
	for name, in := range map[string]*rtkittest.Inbox[realtime.DocumentDeleted]{"owner": ownerDel, "follower": folDel} {
		got, gerr := in.Next(waitCtx(t))
		require.NoError(t, gerr, name)
		assert.Equal(t, doc.ID, got.ID, name)
	}
	assert.Zero(t, ownerUpd.Len()+folUpd.Len(), "each socket gets an event once, even in both rooms")

	// The stranger's first event is about its own document: nothing of
	// ann's reached it before (one socket's events arrive in order).
	res = call(t, "POST", ta.URL+"/api/documents", bob.Token, map[string]any{"title": "Bob's"})
	require.Equal(t, http.StatusCreated, res.Status)
	bobsID := res.JSON(t)["id"].(string)
	require.Equal(t, http.StatusOK, call(t, "PATCH", ta.URL+"/api/documents/"+bobsID, bob.Token, map[string]any{"title": "Bob's B"}).Status)
	got, gerr := strUpd.Next(waitCtx(t))
	require.NoError(t, gerr)
	assert.Equal(t, bobsID, got.ID.String(), "the stranger heard nothing of ann's document")
	assert.Zero(t, strUpd.Len())
}

func TestSignOutDisconnectsSockets(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	u := signUp(t, ta, "ann@example.com")
	other := call(t, "POST", ta.URL+"/api/auth/sign-in", "", map[string]any{"email": "ann@example.com", "password": "correct horse"})
	var otherSession struct {
		Token string `json:"token"`
	}
	other.Decode(t, &otherSession)

	notes := ta.sio().Dial(t, "/notifications", withToken(u.Token))
	docs := ta.sio().Dial(t, "/documents", withToken(u.Token))
	kept := ta.sio().Dial(t, "/documents", withToken(otherSession.Token))
	expired := rtkittest.Listen(notes, auth.ExpiredEvent)

	require.Equal(t, http.StatusNoContent, call(t, "POST", ta.URL+"/api/auth/sign-out", u.Token, nil).Status)
	require.Eventually(t, func() bool { return !notes.Connected() && !docs.Connected() }, 5*time.Second, 10*time.Millisecond,
		"the session's sockets are disconnected in both namespaces")
	notice, err := expired.Next(waitCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "revoked", notice.Reason)
	assert.True(t, kept.Connected(), "the user's other session stays")

	ce := refusal(t, ta, "/notifications", withToken(u.Token))
	assert.Equal(t, "Invalid session", ce.Message)
}

func TestSocketRateLimit(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SOCKET_RATE_LIMIT": "3/1m"})
	u := signUp(t, ta, "ann@example.com")
	c := ta.sio().Dial(t, "/notifications", withToken(u.Token))
	for range 3 {
		_, err := rtkittest.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: "broadcast"})
		require.Nil(t, err)
	}
	env, err := rtkittest.CallRaw(waitCtx(t), c, "subscribe:channel", map[string]any{"channel": "broadcast"})
	require.Nil(t, err)
	require.NotNil(t, env.Error)
	assert.Equal(t, rtkit.CodeRateLimited, env.Error.Code)
	assert.Positive(t, env.Error.RetryAfterMs)
}

func TestHealthCountsSockets(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	u := signUp(t, ta, "ann@example.com")
	ta.sio().Dial(t, "/notifications", withToken(u.Token))
	ta.sio().Dial(t, "/documents", withToken(u.Token))
	ta.sio().Dial(t, "/documents", withToken(u.Token))
	var h struct {
		SocketIO struct {
			Connected  int `json:"connected"`
			Namespaces []struct {
				Name      string `json:"name"`
				Connected int    `json:"connected"`
			} `json:"namespaces"`
		} `json:"socketio"`
	}
	call(t, "GET", ta.URL+"/health", signInAdmin(t, ta).Token, nil).Decode(t, &h)
	assert.Equal(t, 3, h.SocketIO.Connected)
	require.Len(t, h.SocketIO.Namespaces, 2)
	assert.Equal(t, "/documents", h.SocketIO.Namespaces[0].Name)
	assert.Equal(t, 2, h.SocketIO.Namespaces[0].Connected)
	assert.Equal(t, 1, h.SocketIO.Namespaces[1].Connected)
}

func TestSocketIODisabled(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SOCKET_IO_ENABLED": "false"})
	u := signUp(t, ta, "ann@example.com")
	res := call(t, "POST", ta.URL+"/api/documents", u.Token, map[string]any{"title": "REST only"})
	require.Equal(t, http.StatusCreated, res.Status)
	id := res.JSON(t)["id"].(string)
	assert.Equal(t, http.StatusOK, call(t, "PATCH", ta.URL+"/api/documents/"+id, u.Token, map[string]any{"title": "x"}).Status)
	assert.Equal(t, http.StatusNoContent, call(t, "POST", ta.URL+"/api/auth/sign-out", u.Token, nil).Status)

	res = call(t, "GET", ta.URL+"/health", signInAdmin(t, ta).Token, nil)
	require.Equal(t, http.StatusOK, res.Status)
	assert.JSONEq(t, `{"status":"ok","socketio":{"enabled":false,"connected":0,"namespaces":[]},
		"adapter":{"kind":"none","ok":true},"store":{"kind":"sqlite","ok":true}}`, string(res.Body))
	assert.Equal(t, http.StatusNotFound, call(t, "GET", ta.URL+"/socket.io/?EIO=4&transport=polling", "", nil).Status)
}

func TestCustomSocketIOPath(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SOCKET_IO_PATH": "/rt"})
	u := signUp(t, ta, "ann@example.com")
	c := ta.sio().Dial(t, "/documents", withToken(u.Token))
	assert.True(t, c.Connected())
	res := call(t, "GET", ta.URL+"/rt/?EIO=4&transport=polling", "", nil)
	assert.Equal(t, http.StatusOK, res.Status, "engine.io handshake at the configured path")
}

// TestConnectionStateRecovery drops a socket's transport, changes its
// document while it is away, and checks that it comes back with the same
// id, its rooms, and the event it missed.
func TestConnectionStateRecovery(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	u := signUp(t, ta, "ann@example.com")
	res := call(t, "POST", ta.URL+"/api/documents", u.Token, map[string]any{"title": "Plan"})
	require.Equal(t, http.StatusCreated, res.Status)
	id := res.JSON(t)["id"].(string)

	c := ta.sio().Dial(t, "/documents", withToken(u.Token), rtkittest.WithReconnection())
	updates := rtkittest.Listen(c, realtime.DocumentUpdated)
	_, err := rtkittest.Call(waitCtx(t), c, realtime.DocumentSubscribe, realtime.DocumentRef{DocumentID: uuid.MustParse(id)})
	require.Nil(t, err)
	// Recovery needs one event delivered first (it sets the client's offset).
	require.Equal(t, http.StatusOK, call(t, "PATCH", ta.URL+"/api/documents/"+id, u.Token, map[string]any{"title": "v1"}).Status)
	_, gerr := updates.Next(waitCtx(t))
	require.NoError(t, gerr)

	before := c.ID()
	c.DropTransport()
	require.Eventually(t, func() bool { return !c.Connected() }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, http.StatusOK, call(t, "PATCH", ta.URL+"/api/documents/"+id, u.Token, map[string]any{"title": "while away"}).Status)
	require.Eventually(t, c.Connected, 10*time.Second, 10*time.Millisecond)

	got, gerr := updates.Next(waitCtx(t))
	require.NoError(t, gerr, "the missed event is replayed")
	assert.Equal(t, "while away", got.Title)
	assert.Equal(t, before, c.ID(), "same socket id")
	assert.True(t, c.Raw().Recovered())
}

// TestSessionExpiry checks that a socket is told and disconnected when its
// session ends, and that the REST API refuses the session from then on.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SESSION_TTL": "1s"})
	u := signUp(t, ta, "ann@example.com")
	c := ta.sio().Dial(t, "/notifications", withToken(u.Token))
	expired := rtkittest.Listen(c, auth.ExpiredEvent)
	notice, err := expired.Next(waitCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "expired", notice.Reason)
	require.Eventually(t, func() bool { return !c.Connected() }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, http.StatusUnauthorized, call(t, "GET", ta.URL+"/api/auth/get-session", u.Token, nil).Status)
}
