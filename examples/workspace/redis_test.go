package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/pgtest"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestTwoProcessesOnRedis runs two application processes on one
// PostgreSQL database and one redis-server and checks that they act as one: a session made on one is
// valid on the other, REST calls on one reach sockets on the other, and a
// sign-out on one disconnects the session's sockets on the other.
func TestTwoProcessesOnRedis(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	shared := map[string]string{"REDIS_URL": rs.URL(), "DATABASE_URL": pgtest.Start(t).NewDatabase(t)}
	p1 := startProc(t, "p1", shared)
	p2 := startProc(t, "p2", shared)

	for _, p := range []*proc{p1, p2} {
		res := call(t, "GET", p.URL+"/health", signInAdmin(t, p.testApp()).Token, nil)
		require.Equal(t, http.StatusOK, res.Status)
		h := res.JSON(t)
		assert.Equal(t, map[string]any{"kind": "redis", "ok": true}, h["adapter"])
		assert.Equal(t, map[string]any{"kind": "postgres", "ok": true}, h["store"])
	}

	ann := signUp(t, p1.testApp(), "ann@example.com")
	res := call(t, "GET", p2.URL+"/api/auth/get-session", ann.Token, nil)
	require.Equal(t, http.StatusOK, res.Status, "the session made on process 1 is valid on process 2")
	dup := call(t, "POST", p2.URL+"/api/auth/sign-up", "", map[string]any{"email": "ann@example.com", "password": "12345678", "name": "A"})
	assert.Equal(t, http.StatusConflict, dup.Status, "one user base")

	docs2 := p2.sio().Dial(t, "/documents", withToken(ann.Token))
	notes1 := p1.sio().Dial(t, "/notifications", withToken(ann.Token))
	updated := rtkittest.Listen(docs2, realtime.DocumentUpdated)
	deleted := rtkittest.Listen(docs2, realtime.DocumentDeletedEvent)
	news := rtkittest.Listen(notes1, realtime.NotificationNew)

	res = call(t, "POST", p1.URL+"/api/documents", ann.Token, map[string]any{"title": "Shared"})
	require.Equal(t, http.StatusCreated, res.Status)
	id := uuid.MustParse(res.JSON(t)["id"].(string))
	sum, cerr := rtkittest.Call(waitCtx(t), docs2, realtime.DocumentSubscribe, realtime.DocumentRef{DocumentID: id})
	require.Nil(t, cerr, "process 2 knows the document made on process 1")
	assert.Equal(t, "Shared", sum.Title)

	require.Equal(t, http.StatusOK, call(t, "PATCH", p1.URL+"/api/documents/"+id.String(), ann.Token, map[string]any{"title": "Shared B"}).Status)
	got, err := updated.Next(waitCtx(t))
	require.NoError(t, err, "PATCH on process 1 reaches a socket on process 2")
	assert.Equal(t, "Shared B", got.Title)

	require.Equal(t, http.StatusCreated, call(t, "POST", p2.URL+"/api/notifications", ann.Token,
		map[string]any{"type": "success", "title": "Cross", "message": "process"}).Status)
	note, err := news.Next(waitCtx(t))
	require.NoError(t, err, "a notification made on process 2 reaches a socket on process 1")
	assert.Equal(t, "Cross", note.Title)

	require.Equal(t, http.StatusNoContent, call(t, "DELETE", p2.URL+"/api/documents/"+id.String(), ann.Token, nil).Status)
	del, err := deleted.Next(waitCtx(t))
	require.NoError(t, err)
	assert.Equal(t, id, del.ID)

	// Sign-out on process 1 disconnects the session's sockets on both.
	require.Equal(t, http.StatusNoContent, call(t, "POST", p1.URL+"/api/auth/sign-out", ann.Token, nil).Status)
	require.Eventually(t, func() bool { return !docs2.Connected() && !notes1.Connected() }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, http.StatusUnauthorized, call(t, "GET", p2.URL+"/api/auth/get-session", ann.Token, nil).Status)
	ce := refusal(t, p2.testApp(), "/documents", withToken(ann.Token))
	assert.Equal(t, "Invalid session", ce.Message)
}

// TestHealthWhileRedisIsDown checks that /health answers 503 "degraded"
// while Redis is down, and 200 again once it is back.
func TestHealthWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	ta := startApp(t, map[string]string{"REDIS_URL": rs.URL()})
	u := signUp(t, ta, "ann@example.com")
	ta.sio().Dial(t, "/documents", withToken(u.Token))
	require.Equal(t, http.StatusOK, call(t, "GET", ta.URL+"/health", "", nil).Status)

	admin := signInAdmin(t, ta)
	rs.Stop()
	res := call(t, "GET", ta.URL+"/health", "", nil)
	assert.Equal(t, http.StatusServiceUnavailable, res.Status)
	assert.JSONEq(t, `{"status":"degraded"}`, string(res.Body))
	h := call(t, "GET", ta.URL+"/health", admin.Token, nil).JSON(t)
	assert.Equal(t, map[string]any{"kind": "redis", "ok": false}, h["adapter"])
	assert.Equal(t, map[string]any{"kind": "sqlite", "ok": true}, h["store"], "the data is not in Redis")
	res = call(t, "GET", ta.URL+"/api/auth/get-session", u.Token, nil)
	assert.Equal(t, http.StatusOK, res.Status, "sessions live in the database")

	rs.Restart()
	require.Eventually(t, func() bool {
		return call(t, "GET", ta.URL+"/health", "", nil).Status == http.StatusOK
	}, 10*time.Second, 100*time.Millisecond, "healthy again once Redis is back")
}
