package redistest

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// startWait bounds how long a redis-server takes to answer.
const startWait = 5 * time.Second

// startTries bounds the ports tried for one server: redis-server binds
// its port itself, so a port found free may be taken before it does.
const startTries = 5

// process is a redis-server a test started.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it exited and was waited for
}

// kill kills the process by its PID and waits for it.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// launch starts redis-server with args, to listen on addr, and waits
// until the server answering there is this process (its INFO names its
// PID). It returns nil when the process exited first: it could not bind
// addr, which another process took. It fails t when neither happens
// within startWait.
func launch(t testing.TB, addr string, args ...string) *process {
	t.Helper()
	cmd := exec.Command("redis-server", args...)
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer func() { _ = rdb.Close() }()
	want := "process_id:" + strconv.Itoa(cmd.Process.Pid) + "\r\n"
	deadline := time.Now().Add(startWait)
	for {
		select {
		case <-p.done:
			return nil
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := rdb.Info(ctx, "server").Result()
		cancel()
		if err == nil && strings.Contains(info, want) {
			return p
		}
		if time.Now().After(deadline) {
			p.kill()
			t.Fatalf("redis-server %s did not answer within %v", addr, startWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	return port
}
