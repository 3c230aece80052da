package ratelimit_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/ratelimit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// redisServer is a redis-server process this test started, on 127.0.0.1.
type redisServer struct {
	t    *testing.T
	port string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatal("redis-server is required (./.ci/test.sh installs it)")
		}
		t.Skip("needs redis-server (./.ci/test.sh installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	r := &redisServer{t: t, port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisServer) addr() string { return "127.0.0.1:" + r.port }

func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", r.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes")
	require.NoError(r.t, r.cmd.Start())
	rdb := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer func() { _ = rdb.Close() }()
	require.Eventually(r.t, func() bool {
		return rdb.Ping(context.Background()).Err() == nil
	}, 5*time.Second, 20*time.Millisecond, "redis-server did not start")
}

// stop kills the process this test started, by its PID, and waits for it.
func (r *redisServer) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

func TestRedisStoreSharedByTwoServers(t *testing.T) {
	r := startRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	cfg := ratelimit.Config{
		User: ratelimit.PerMinute(10), UserKey: userFromAuth,
		Store: ratelimit.NewRedisStore(rdb, ratelimit.RedisOptions{Prefix: "test:" + t.Name() + ":"}),
	}
	one := start(t, newNamespace(ratelimit.Events(cfg)))
	two := start(t, newNamespace(ratelimit.Events(cfg)))
	a := one.Dial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "ada"}))
	b := two.Dial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "ada"}))
	for i := range 10 {
		c := a
		if i >= 5 {
			c = b
		}
		code, _ := call(t, c, evPing, i)
		require.Equal(t, rtkit.Code(""), code, "event %d", i+1)
	}
	for _, c := range []*rtkittest.Client{a, b} {
		code, wait := call(t, c, evPing, 10)
		assert.Equal(t, rtkit.CodeRateLimited, code, "one budget across both servers")
		assert.Positive(t, wait)
		assert.LessOrEqual(t, wait, 6*time.Second, "one event refills every 6 s")
	}
}

func TestRedisDownFailsClosedOrOpenWithoutHanging(t *testing.T) {
	r := startRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	store := ratelimit.NewRedisStore(rdb, ratelimit.RedisOptions{Prefix: "test:" + t.Name() + ":", Timeout: 150 * time.Millisecond})
	closedNS := newNamespace(ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(100), Store: store, Logger: quiet()}))
	openNS := rtkit.NewNamespace("/open", ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(100), Store: store, FailOpen: true, Logger: quiet()}))
	rtkit.Handle(openNS, evPing, func(_ context.Context, _ *rtkit.Socket, in ping) (pong, error) { return pong(in), nil })
	srv := rtkit.NewServer(rtkit.WithLogger(quiet()))
	srv.Mount(closedNS, openNS)
	ts := rtkittest.Start(t, srv)
	closed, open := ts.Dial(t, "/rl"), ts.Dial(t, "/open")

	code, _ := call(t, closed, evPing, 0)
	require.Equal(t, rtkit.Code(""), code)

	r.stop() // Redis goes away mid-test
	began := time.Now()
	code, wait := call(t, closed, evPing, 1)
	assert.Equal(t, rtkit.CodeRateLimited, code, "fail closed by default")
	assert.Equal(t, time.Second, wait)
	code, _ = call(t, open, evPing, 1)
	assert.Equal(t, rtkit.Code(""), code, "FailOpen lets the event through")
	assert.Less(t, time.Since(began), 2*time.Second, "bounded by the store timeout, no hang")

	r.start() // and comes back
	require.Eventually(t, func() bool {
		code, _ := call(t, closed, evPing, 2)
		return code == ""
	}, 5*time.Second, 50*time.Millisecond, "limits work again once Redis is back")
}
