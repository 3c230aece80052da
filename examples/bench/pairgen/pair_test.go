package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/internal/redistest"
)

// benchBinary is the /bench server (examples/bench), built once per test
// run; TestMain removes it.
var benchBinary = proctest.NewBinary("github.com/rtkit-go/rtkit/examples/bench")

// The run's sockets own goroutines: none may be left behind.
func TestMain(m *testing.M) {
	code := leakcheck.Run(m)
	benchBinary.Remove()
	os.Exit(code)
}

var quiet = slog.New(slog.DiscardHandler)

// startBench runs examples/bench on a free port of 127.0.0.1 with args and
// returns its URL (ws://…) and PID; the test stops it by its PID.
func startBench(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(benchBinary.Path(t), append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	p, addr := proctest.StartListening(t, name, cmd, 20*time.Second, 5*time.Second)
	return "ws://" + addr, p.Cmd.Process.Pid
}

// smallRun is a short run's configuration against two servers.
func smallRun(urls [2]string, pids [3]int) config {
	return config{
		urls: urls, pids: pids, nsp: "/bench",
		n: 40, singles: 3, burst: 5,
		gap: time.Millisecond, step: 10 * time.Second, dialConc: 8,
		timeout: time.Minute, label: "rtkit", rep: 1,
	}
}

// TestPairThroughRedis runs the generator as redispair.sh does, at a small
// N: two rtkit servers joined by the Redis adapter on a real redis-server.
// Every broadcast reaches all sockets, half of them through Redis on the
// second server, and every figure of the run is there.
func TestPairThroughRedis(t *testing.T) {
	rds := redistest.Start(t)
	urlA, pidA := startBench(t, "bench A", "-redis", rds.URL())
	urlB, pidB := startBench(t, "bench B", "-redis", rds.URL())

	cfg := smallRun([2]string{urlA, urlB}, [3]int{pidA, pidB, 0})
	res, err := measure(context.Background(), cfg, quiet)
	require.NoError(t, err)
	require.True(t, res.Complete, "notes: %v", res.Notes)
	assert.Equal(t, "rtkit", res.Server)
	assert.Equal(t, "fanout n=40", res.Scenario)

	M := res.Metrics
	assert.Equal(t, float64(40*5), M["burst_msgs"], "every socket got every broadcast of the burst")
	assert.Equal(t, float64(20*5), M["burst_msgs_a"], "half of them on the first server")
	assert.Equal(t, float64(20*5), M["burst_msgs_b"], "and half through Redis on the second")
	assert.Zero(t, M["unknown_msgs"])
	assert.Zero(t, M["repeated_msgs"])
	for _, k := range []string{"single_all_p50_ms", "single_first_a_p50_ms", "single_first_b_p50_ms",
		"single_all_a_p50_ms", "single_all_b_p50_ms", "burst_msgs_per_s", "conns_per_s", "rss_n_mib", "rss_n_b_mib"} {
		assert.Positive(t, M[k], k)
	}
	assert.GreaterOrEqual(t, M["single_all_p50_ms"], M["single_all_b_p50_ms"], "all N is the later of the two servers")
	assert.GreaterOrEqual(t, M["single_all_b_p50_ms"], M["single_first_b_p50_ms"])
	for _, k := range []string{"single_server_cpu_ms_per_bcast", "single_cpu_a_ms_per_bcast", "single_cpu_b_ms_per_bcast",
		"burst_server_cpu_us_per_msg", "burst_cpu_a_us_per_msg", "burst_cpu_b_us_per_msg", "single_bg_cores", "burst_bg_cores"} {
		assert.Contains(t, M, k)
		assert.GreaterOrEqual(t, M[k], 0.0, k)
	}
}

// TestPairWithoutAdapter: two servers that share no adapter never deliver
// the first server's broadcasts on the second. The run stops by itself
// after its warm-up tries, with an error that says what arrived where.
func TestPairWithoutAdapter(t *testing.T) {
	urlA, pidA := startBench(t, "bench A")
	urlB, pidB := startBench(t, "bench B")

	cfg := smallRun([2]string{urlA, urlB}, [3]int{pidA, pidB, 0})
	cfg.step = 200 * time.Millisecond
	start := time.Now()
	res, err := measure(context.Background(), cfg, quiet)
	require.Error(t, err)
	assert.Nil(t, res)
	assert.Contains(t, err.Error(), "20 of 20 on the first server, 0 of 20 on the second")
	assert.Less(t, time.Since(start), cfg.timeout, "bounded by the warm-up tries, not the run's limit")
}

// TestRunTimeout: a run whose limit passes while it waits ends with the
// context's error and leaves no socket or goroutine behind (TestMain).
func TestRunTimeout(t *testing.T) {
	urlA, pidA := startBench(t, "bench A")
	urlB, pidB := startBench(t, "bench B")

	cfg := smallRun([2]string{urlA, urlB}, [3]int{pidA, pidB, 0})
	cfg.timeout = 500 * time.Millisecond // within the first warm-up's step
	res, err := measure(context.Background(), cfg, quiet)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Nil(t, res)
}

// TestDialRefused: a server that is not there is an error naming the
// socket, and the sockets opened before are closed (TestMain).
func TestDialRefused(t *testing.T) {
	urlA, pidA := startBench(t, "bench A")
	cfg := smallRun([2]string{urlA, "ws://127.0.0.1:1"}, [3]int{pidA, 0, 0})
	_, err := measure(context.Background(), cfg, quiet)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ws://127.0.0.1:1")
}

// TestNamespaceRefused: a namespace the server does not serve is refused
// with the server's CONNECT_ERROR, not waited for.
func TestNamespaceRefused(t *testing.T) {
	urlA, pidA := startBench(t, "bench A")
	urlB, pidB := startBench(t, "bench B")
	cfg := smallRun([2]string{urlA, urlB}, [3]int{pidA, pidB, 0})
	cfg.nsp = "/nope"
	_, err := measure(context.Background(), cfg, quiet)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "namespace /nope refused")
}
