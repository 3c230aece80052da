package main

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
)

// dialClient connects the typed client to ns of the application with
// token, reconnecting quickly, and closes it when the test ends.
func dialClient(t *testing.T, ta *testApp, ns string, o client.Options) *client.Client {
	t.Helper()
	if o.Reconnect.Initial == 0 {
		o.Reconnect = client.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	}
	c, err := client.Dial(waitCtx(t), ta.URL+ns, o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func token(tok string) client.Options {
	return client.Options{Credentials: client.Credentials{Token: tok}}
}

func TestClientTypedCallsAndErrorCodes(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SOCKET_RATE_LIMIT": "30/1m"})
	ann, bob := signUp(t, ta, "ann@example.com"), signUp(t, ta, "bob@example.com")

	// Refused connections.
	_, err := client.Dial(waitCtx(t), ta.URL+"/notifications", client.Options{})
	var ce *client.ConnectError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, rtkit.CodeUnauthorized, ce.Code)
	assert.Equal(t, "Authentication required", ce.Message)
	// The session as a cookie, as browsers send it.
	c, err := client.Dial(waitCtx(t), ta.URL+"/notifications", client.Options{Credentials: client.Credentials{
		Cookies: []*http.Cookie{{Name: "rtkit_session", Value: ann.Token}}}})
	require.NoError(t, err)
	require.NoError(t, c.Close())

	c = dialClient(t, ta, "/notifications", token(ann.Token))
	out, err := client.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: "broadcast"})
	require.NoError(t, err)
	assert.Equal(t, "broadcast", out.Channel)

	_, err = client.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: "user:" + bob.ID})
	assert.Equal(t, rtkit.CodeForbidden, rtkit.CodeOf(err))
	assert.Equal(t, "channel not allowed", client.AsError(err).Message)

	_, err = client.Call(waitCtx(t), c, realtime.MarkRead, realtime.MarkReadIn{NotificationID: uuid.New()})
	assert.Equal(t, rtkit.CodeNotFound, rtkit.CodeOf(err))

	_, err = client.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: ""})
	e := client.AsError(err)
	assert.Equal(t, rtkit.CodeValidation, e.Code)
	assert.Equal(t, "/channel", e.Details[0].Path)

	_, err = client.Call(waitCtx(t), c, rtkit.NewEvent[realtime.ChannelIn, realtime.ChannelOut]("no:such"), realtime.ChannelIn{Channel: "x"})
	assert.Equal(t, rtkit.CodeUnknownEvent, rtkit.CodeOf(err))

	// The server's own validation, with the client's switched off.
	raw := dialClient(t, ta, "/notifications", client.Options{Credentials: client.Credentials{Token: ann.Token}, Validation: client.ValidateNone})
	_, err = client.Call(waitCtx(t), raw, realtime.SubscribeChannel, realtime.ChannelIn{Channel: ""})
	e = client.AsError(err)
	assert.Equal(t, rtkit.CodeValidation, e.Code)
	assert.Equal(t, "invalid payload", e.Message)
	assert.Equal(t, "/channel", e.Details[0].Path)

	// RATE_LIMITED with its retry-after, once the socket's budget is spent.
	var limited *rtkit.Error
	for range 40 {
		_, err := client.Call(waitCtx(t), raw, realtime.SubscribeChannel, realtime.ChannelIn{Channel: "broadcast"})
		if rtkit.CodeOf(err) == rtkit.CodeRateLimited {
			limited = client.AsError(err)
			break
		}
		require.NoError(t, err)
	}
	require.NotNil(t, limited, "30 events a minute, 40 sent")
	assert.Positive(t, limited.RetryAfter)
}

// notifier creates notifications for a user over REST.
func notify(t *testing.T, ta *testApp, tok string, title string) {
	t.Helper()
	res := call(t, "POST", ta.URL+"/api/notifications", tok, map[string]any{"type": "info", "title": title, "message": "m"})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
}

func TestClientListensAcrossTransportDrop(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann := signUp(t, ta, "ann@example.com")
	var mu sync.Mutex
	var titles []string
	var infos []client.ConnectInfo
	var resyncs int
	changed := make(chan struct{}, 1)
	poke := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	away, back := make(chan struct{}, 1), make(chan struct{})
	c := dialClient(t, ta, "/notifications", client.Options{
		Credentials: client.Credentials{Token: ann.Token},
		Refresh: func(context.Context) (client.Credentials, error) {
			away <- struct{}{}
			<-back // notifications are created while the client is away
			return client.Credentials{Token: ann.Token}, nil
		},
		OnConnect: func(i client.ConnectInfo) { mu.Lock(); infos = append(infos, i); mu.Unlock(); poke() },
		OnResync:  func(rtkit.Resync) { mu.Lock(); resyncs++; mu.Unlock() },
	})
	client.On(c, realtime.NotificationNew, func(n realtime.Notification) {
		mu.Lock()
		titles = append(titles, n.Title)
		mu.Unlock()
		poke()
	})
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			select {
			case <-changed:
			case <-deadline:
				t.Fatalf("waiting for %s: %v", what, titles)
			}
		}
	}
	var want []string
	for i := range 30 {
		title := "n" + string(rune('A'+i%26)) + string(rune('0'+i/26))
		want = append(want, title)
		if i == 10 {
			waitUntil("the first ten", func() bool { return len(titles) == 10 })
			c.DropTransport()
			<-away
		}
		if i == 20 {
			close(back)
		}
		notify(t, ta, ann.Token, title)
	}
	waitUntil("every notification", func() bool { return len(titles) >= 30 })
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, want, titles, "none missed, none twice, in order")
	require.Len(t, infos, 2)
	assert.True(t, infos[1].Recovered)
	assert.Zero(t, resyncs)
}

func TestClientRefreshesCredentialsBeforeReconnecting(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann := signUp(t, ta, "ann@example.com")
	// The new session's token, for every Refresh once it exists: an
	// attempt that fails (a busy machine) is followed by another one,
	// which must get the token too.
	var fresh atomic.Pointer[string]
	ready := make(chan struct{})
	var infos []client.ConnectInfo
	var mu sync.Mutex
	connected := make(chan struct{}, 2)
	c := dialClient(t, ta, "/notifications", client.Options{
		Credentials: client.Credentials{Token: ann.Token},
		Refresh: func(ctx context.Context) (client.Credentials, error) {
			select {
			case <-ready:
				return client.Credentials{Token: *fresh.Load()}, nil
			case <-ctx.Done():
				return client.Credentials{}, ctx.Err()
			}
		},
		OnConnect: func(i client.ConnectInfo) { mu.Lock(); infos = append(infos, i); mu.Unlock(); connected <- struct{}{} },
	})
	<-connected
	// The first session ends (sign-out); a new one is signed in.
	res := call(t, "POST", ta.URL+"/api/auth/sign-in", "", map[string]any{"email": "ann@example.com", "password": "correct horse"})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var in struct{ Token string }
	res.Decode(t, &in)
	require.Equal(t, http.StatusNoContent, call(t, "POST", ta.URL+"/api/auth/sign-out", ann.Token, nil).Status)
	fresh.Store(&in.Token)
	close(ready)
	// Sign-out ended the socket of the first session.
	select {
	case <-connected:
	case <-time.After(20 * time.Second):
		t.Fatalf("no reconnection; client: %v", c.Err())
	}
	out, err := client.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: "user:" + ann.ID})
	require.NoError(t, err, "connected under the new session")
	assert.Equal(t, "user:"+ann.ID, out.Channel)
}

// Many goroutines share one client; run with -race.
func TestClientConcurrentCalls(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SOCKET_RATE_LIMIT": "10000/1m"})
	ann := signUp(t, ta, "ann@example.com")
	c := dialClient(t, ta, "/notifications", token(ann.Token))
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for w := range 20 {
		wg.Go(func() {
			for i := range 10 {
				ch := "user:" + ann.ID + ":w" + string(rune('a'+w)) + string(rune('a'+i))
				out, err := client.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: ch})
				switch {
				case err != nil:
					errs <- err
				case out.Channel != ch:
					errs <- errors.New("answer of another call: " + out.Channel)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
