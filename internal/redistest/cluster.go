package redistest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// Cluster is a Redis Cluster of primaries (no replicas) a test started on
// 127.0.0.1, one redis-server process per node, stopped by their PIDs when
// the test ends.
type Cluster struct {
	ports []string
	procs []*process
}

// clusterWait bounds the cluster's creation (all slots served, state ok).
const clusterWait = 20 * time.Second

// StartCluster starts a Redis Cluster of n primaries (n >= 3, what
// redis-cli --cluster create requires) and waits until it serves every
// slot. Without redis-server or redis-cli the test is skipped, or fails
// when CI or RTKIT_STRICT is set.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	need(t, "redis-server", "redis-cli")
	require.GreaterOrEqual(t, n, 3, "a Redis Cluster needs at least 3 primaries")
	c := &Cluster{}
	t.Cleanup(c.stop)
	dir := t.TempDir()
	used := map[int]bool{}
	for i := range n {
		nodeDir := filepath.Join(dir, "node"+strconv.Itoa(i))
		require.NoError(t, os.MkdirAll(nodeDir, 0o755))
		port, p := startNode(t, used, nodeDir)
		c.ports = append(c.ports, port)
		c.procs = append(c.procs, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	require.NoError(t, err, "redis-cli --cluster create: %s", out)
	for _, a := range c.Addrs() {
		rdb := redis.NewClient(&redis.Options{Addr: a})
		require.Eventually(t, func() bool {
			info, err := rdb.ClusterInfo(context.Background()).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok")
		}, clusterWait, 50*time.Millisecond, "cluster state of %s not ok", a)
		_ = rdb.Close()
	}
	return c
}

// Addrs returns the nodes' "127.0.0.1:PORT" addresses.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.ports))
	for i, p := range c.ports {
		out[i] = "127.0.0.1:" + p
	}
	return out
}

// URL returns the cluster's URL in the form the adapter's FromURL reads:
// redis://FIRST?addr=SECOND&addr=THIRD…
func (c *Cluster) URL() string {
	a := c.Addrs()
	u := "redis://" + a[0]
	for i, x := range a[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + x
	}
	return u
}

// Client returns a cluster client, closed when the test ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// NodeClient returns a client of one node (for per-node statistics such as
// CLIENT LIST), closed when the test ends.
func (c *Cluster) NodeClient(t testing.TB, i int) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: c.Addrs()[i]})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// stop kills the processes the test started, by their PIDs.
func (c *Cluster) stop() {
	for _, p := range c.procs {
		p.kill()
	}
	c.procs = nil
}

// startNode starts a cluster node in dir on a port pair found free (see
// freePortPair), on another pair when the node could not bind its own.
func startNode(t testing.TB, used map[int]bool, dir string) (string, *process) {
	t.Helper()
	for range startTries {
		port := freePortPair(t, used)
		p := launch(t, "127.0.0.1:"+port, "--port", port, "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-node-timeout", "2000", "--dir", dir,
			"--save", "", "--appendonly", "no", "--protected-mode", "yes")
		if p != nil {
			return port, p
		}
	}
	t.Fatalf("no Redis Cluster node could bind a free port pair in %d tries", startTries)
	return "", nil
}

// freePortPair returns a port of 127.0.0.1 that, with its cluster bus port
// (port+10000), was free a moment ago and is not in used (whether the node
// then binds it or not), trying a bounded number of candidates.
func freePortPair(t testing.TB, used map[int]bool) string {
	for p := 20000 + os.Getpid()%20000; p < 55536; p += 7 {
		if used[p] {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		_ = ln.Close()
		if err == nil {
			_ = bus.Close()
			used[p] = true
			return strconv.Itoa(p)
		}
	}
	t.Fatal("no free port pair for a Redis Cluster node")
	return ""
}
