package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/ratelimit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func TestPerSocketLimitHoldsExactly(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(100)})))
	c := ts.Dial(t, "/rl")
	began := time.Now()
	for i := range 100 {
		code, _ := call(t, c, evPing, i)
		require.Equal(t, rtkit.Code(""), code, "event %d is under the limit", i+1)
	}
	// Past 100, only the tokens refilled meanwhile (one per 600 ms) may
	// pass; on a fast machine that is none.
	extra := 0
	for {
		code, wait := call(t, c, evPing, 100+extra)
		if code == rtkit.CodeRateLimited {
			assert.Positive(t, wait)
			assert.LessOrEqual(t, wait, 600*time.Millisecond, "one event refills every 600 ms")
			break
		}
		extra++
		require.Less(t, extra, 10)
	}
	assert.LessOrEqual(t, extra, int(time.Since(began)/(600*time.Millisecond)),
		"beyond 100, only refilled tokens are accepted")

	other := ts.Dial(t, "/rl")
	code, _ := call(t, other, evPing, 0)
	assert.Equal(t, rtkit.Code(""), code, "another socket has its own budget")
}

func TestRetryAfterIsHonest(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.Limit{Events: 5, Per: 500 * time.Millisecond}})))
	c := ts.Dial(t, "/rl")
	for i := range 5 {
		code, _ := call(t, c, evPing, i)
		require.Equal(t, rtkit.Code(""), code)
	}
	code, wait := call(t, c, evPing, 5)
	require.Equal(t, rtkit.CodeRateLimited, code)
	require.Positive(t, wait)
	time.Sleep(wait)
	code, _ = call(t, c, evPing, 6)
	assert.Equal(t, rtkit.Code(""), code, "a retry after retryAfterMs succeeds")
}

func TestPerUserBudgetIsShared(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Events(ratelimit.Config{
		User: ratelimit.PerMinute(10), UserKey: userFromAuth,
	})))
	a := ts.Dial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "ada"}))
	b := ts.Dial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "ada"}))
	other := ts.Dial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "bob"}))
	for i := range 10 {
		c := a
		if i%2 == 1 {
			c = b
		}
		code, _ := call(t, c, evPing, i)
		require.Equal(t, rtkit.Code(""), code, "event %d", i+1)
	}
	for _, c := range []*rtkittest.Client{a, b} {
		code, _ := call(t, c, evPing, 10)
		assert.Equal(t, rtkit.CodeRateLimited, code, "both sockets of the user are out of budget")
	}
	code, _ := call(t, other, evPing, 0)
	assert.Equal(t, rtkit.Code(""), code, "another user is not")
}

func TestEventCost(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(12)})))
	c := ts.Dial(t, "/rl")
	for i := range 2 {
		code, _ := call(t, c, evSubscribe, i)
		require.Equal(t, rtkit.Code(""), code, "subscription %d costs 5 of 12", i+1)
	}
	code, _ := call(t, c, evSubscribe, 2)
	assert.Equal(t, rtkit.CodeRateLimited, code, "a third would need 15")
	for i := range 2 {
		code, _ = call(t, c, evPing, i)
		assert.Equal(t, rtkit.Code(""), code, "the 2 left serve cheap events")
	}
	code, _ = call(t, c, evPing, 2)
	assert.Equal(t, rtkit.CodeRateLimited, code)
}

func TestUnknownEventsCount(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(3)})))
	c := ts.Dial(t, "/rl")
	for range 3 {
		env, err := rtkittest.CallRaw(ctx5(t), c, "no:such:event")
		require.Nil(t, err)
		require.Equal(t, rtkit.CodeUnknownEvent, env.Error.Code)
	}
	env, err := rtkittest.CallRaw(ctx5(t), c, "no:such:event")
	require.Nil(t, err)
	assert.Equal(t, rtkit.CodeRateLimited, env.Error.Code, "a flood of unknown events is limited too")
}

func TestDisconnectAfterRepeatedViolations(t *testing.T) {
	disconnected := make(chan string, 1)
	ts := start(t, newNamespace(
		ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(2), DisconnectAfter: 3, Logger: quiet()}),
		rtkit.OnDisconnect(func(_ *rtkit.Socket, reason string) { disconnected <- reason })))
	c := ts.Dial(t, "/rl")
	for i := range 2 {
		code, _ := call(t, c, evPing, i)
		require.Equal(t, rtkit.Code(""), code)
	}
	for i := range 3 {
		env, err := rtkittest.CallRaw(ctx5(t), c, "ping", ping{N: i})
		require.Nil(t, err)
		require.Equal(t, rtkit.CodeRateLimited, env.Error.Code, "refusal %d is still answered", i+1)
		if i == 2 {
			assert.Contains(t, env.Error.Message, "disconnecting", "the last refusal says why the socket goes")
		}
	}
	select {
	case reason := <-disconnected:
		assert.Equal(t, "server namespace disconnect", reason)
	case <-time.After(3 * time.Second):
		t.Fatal("the socket was not disconnected")
	}
	require.Eventually(t, func() bool { return !c.Connected() }, 3*time.Second, 10*time.Millisecond)
}

func TestErrorEventWithoutAck(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(1)})))
	c := ts.Dial(t, "/rl")
	errs := rtkittest.ListenErrors(c)
	require.NoError(t, rtkittest.Send(c, evPing, ping{}))
	require.NoError(t, rtkittest.Send(c, evPing, ping{}))
	e, err := errs.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, rtkit.CodeRateLimited, e.Code)
	assert.Equal(t, "ping", e.Event)
	assert.Positive(t, e.RetryAfterMs)
}

func TestLimitsAppearInSpec(t *testing.T) {
	srv := rtkit.NewServer(rtkit.WithLogger(quiet()))
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	srv.Mount(newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(100), DisconnectAfter: 5})))
	sp := srv.Spec()
	ns := sp.Namespaces[0]
	assert.Equal(t, map[string]any{"socket": ratelimit.PerMinute(100), "disconnectAfter": 5}, ns.Annotations["rateLimit"])
	costs := map[string]any{}
	for _, e := range ns.Events {
		costs[e.Name] = e.Annotations["rateLimitCost"]
	}
	assert.Equal(t, map[string]any{"expensive:subscribe": 5, "ping": nil,
		"rtkit:resync": nil, "rtkit:offset": nil}, costs) // with the recovery events every namespace declares
}

func TestRefusalsWithoutAckAreToldOncePerWait(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(1)})))
	c := ts.Dial(t, "/rl")
	errs := rtkittest.ListenErrors(c)
	for range 10 {
		require.NoError(t, rtkittest.Send(c, evPing, ping{}))
	}
	e, err := errs.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, rtkit.CodeRateLimited, e.Code)
	// An acknowledged call is always answered, and its answer comes after
	// the refusals of the events sent before it.
	code, _ := call(t, c, evPing, 0)
	assert.Equal(t, rtkit.CodeRateLimited, code)
	assert.Zero(t, errs.Len(), "9 excess events without acknowledgement, one error event")
}
