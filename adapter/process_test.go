package adapter_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/chatcontract"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The tests of this file run rtkit servers as separate OS processes: the
// program in internal/rtkitnode, built once per test run, started two or
// three times against one redis-server, all on 127.0.0.1.

// Relay asks a node process to emit note:new to a room.
type Relay = chatcontract.Relay

var relayEv = chatcontract.RelayEvent

const (
	// chatChannel is the sharded channel of /chat with the default prefix:
	// one subscriber per node process once it is ready.
	chatChannel = "socket.io#/chat#"
	// nodeStartWait bounds a node's start (its "listening" line).
	nodeStartWait = 10 * time.Second
	// nodeStopWait is how long a node gets to exit after SIGTERM before it
	// is killed.
	nodeStopWait = 5 * time.Second
)

// nodePkg is the node program.
const nodePkg = "github.com/rtkit-go/rtkit/internal/rtkitnode"

// buildNode builds the node program into a temporary folder of t.
func buildNode(t testing.TB) string { return proctest.Build(t, nodePkg) }

// nodeProc is one rtkitnode process.
type nodeProc struct {
	*proctest.Proc
	url string // http://127.0.0.1:PORT
}

// startNodeProc starts a node process connected to r and waits for its
// address. With -watch-stdin, the node also shuts down when its standard
// input ends, so that nodes do not outlive a test process that dies
// without its cleanups. The process is stopped (SIGTERM, then SIGKILL
// after nodeStopWait) and waited for when the test ends; its log is shown
// if the test failed.
func startNodeProc(t testing.TB, bin string, r *redistest.Server, name string, args ...string) *nodeProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-watch-stdin"}, args...)...)
	cmd.Env = append(os.Environ(), "REDIS_URL="+r.URL(), "PORT=0")
	p, addr := proctest.StartListening(t, name, cmd, nodeStartWait, nodeStopWait)
	return &nodeProc{Proc: p, url: "http://" + addr}
}

// stop stops the node as the end of the test does (SIGTERM, then SIGKILL
// after nodeStopWait) and fails the test if it had to be killed or exited
// with an error.
func (p *nodeProc) stop(t testing.TB) { p.Terminate(t) }

// kill sends SIGKILL to the node and waits for it.
func (p *nodeProc) kill() { _ = p.Kill() }

// procDialer dials node processes with rtkittest's client.
type procDialer struct{}

func newProcDialer(*testing.T) procDialer { return procDialer{} }

// dial connects a client to p's /chat, in rooms (comma-separated), and
// listens to note:new.
func (d procDialer) dial(t testing.TB, p *nodeProc, rooms string) (*rtkittest.Client, *rtkittest.Inbox[Note]) {
	t.Helper()
	s := rtkittest.Remote(p.url, "")
	c := s.Dial(t, "/chat", rtkittest.WithAuth(map[string]any{"rooms": rooms}))
	return c, rtkittest.Listen(c, noteNew)
}

// waitSubscribers waits until n processes subscribe to /chat's channel.
func waitSubscribers(t testing.TB, r *redistest.Server, n int64) {
	t.Helper()
	rdb := r.Client(t)
	var got int64
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		res, err := rdb.PubSubShardNumSub(ctx, chatChannel).Result()
		got = res[chatChannel]
		return err == nil && got == n
	}, 5*time.Second, 20*time.Millisecond, "want %d subscribers of %s", n, chatChannel)
}

// relayTo makes the node of c emit note:new {text, id} to room, and waits
// until that node has handled it (hence published it to Redis).
func relayTo(t *testing.T, c *rtkittest.Client, room, text string, id int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := rtkittest.Call(ctx, c, relayEv, Relay{Room: room, Text: text, ID: id})
	require.Nil(t, err, "relay %s to %s", text, room)
}

// TestProcesses runs the cross-node checks with two and with three rtkit
// server processes against one redis-server.
func TestProcesses(t *testing.T) {
	r := redistest.Start(t)
	bin := buildNode(t)
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%dProcesses", n), func(t *testing.T) {
			began := time.Now()
			d := newProcDialer(t)
			nodes := make([]*nodeProc, n)
			for i := range nodes {
				nodes[i] = startNodeProc(t, bin, r, fmt.Sprint("node", i+1))
			}
			waitSubscribers(t, r, int64(n))
			t.Logf("%d node processes ready in %v", n, time.Since(began).Round(time.Millisecond))

			t.Run("RelayToRoom", func(t *testing.T) { testProcRelayToRoom(t, d, nodes) })
			t.Run("Emitter", func(t *testing.T) { testProcEmitter(t, r, d, nodes) })
			t.Run("OrderToSocketOnAnotherProcess", func(t *testing.T) { testProcOrder(t, d, nodes) })
		})
	}
	t.Run("KillOneOfThree", func(t *testing.T) { testProcKill(t, r, bin) })
}

// testProcRelayToRoom: a relay on the first process reaches the clients in
// the room on every process (its own included) and no client outside it.
func testProcRelayToRoom(t *testing.T, d procDialer, nodes []*nodeProc) {
	sender, _ := d.dial(t, nodes[0], "")
	var in, out []*rtkittest.Inbox[Note]
	for _, p := range nodes {
		_, i := d.dial(t, p, "r:1")
		_, o := d.dial(t, p, "r:2")
		in, out = append(in, i), append(out, o)
	}
	relayTo(t, sender, "r:1", "room", 42)
	// One sender and one socket: the markers follow "room" on every node.
	relayTo(t, sender, "r:1", "end", 0)
	relayTo(t, sender, "r:2", "end", 0)
	for i := range nodes {
		first, err := next(in[i], 5*time.Second)
		require.NoError(t, err, "%s: r:1 client", nodes[i].Name)
		assert.Equal(t, Note{Text: "room", ID: 42}, first, "%s: r:1 client", nodes[i].Name)
		assert.Empty(t, drain(t, in[i]), "%s: r:1 client", nodes[i].Name)
		assert.Empty(t, drain(t, out[i]), "%s: the r:2 client gets nothing before its end marker", nodes[i].Name)
	}
}

// testProcEmitter: a typed emit through an Emitter of this (test) process
// reaches the room's clients on every node process, and no one else.
func testProcEmitter(t *testing.T, r *redistest.Server, d procDialer, nodes []*nodeProc) {
	var in, out []*rtkittest.Inbox[Note]
	for _, p := range nodes {
		_, i := d.dial(t, p, "r:1")
		_, o := d.dial(t, p, "r:2")
		in, out = append(in, i), append(out, o)
	}
	em := adapter.NewEmitter(r.Client(t), adapter.Options{})
	worker := newNamespace() // the worker's copy of the contract
	require.NoError(t, rtkit.Emit(worker.Via(em).To("r:1"), noteNew, Note{Text: "from worker", ID: 7, Tags: []string{"t"}}))
	require.Error(t, rtkit.Emit(worker.Via(em).To("r:1"), noteNew, Note{}), "a payload that breaks the contract is refused")
	require.NoError(t, rtkit.Emit(worker.Via(em), noteNew, Note{Text: "end"}))
	for i := range nodes {
		assert.Equal(t, []string{"from worker"}, drain(t, in[i]), "%s: r:1 client", nodes[i].Name)
		assert.Empty(t, drain(t, out[i]), "%s: r:2 client", nodes[i].Name)
	}
}

// testProcOrder: 50 relays sent without waiting by one client of the first
// process to one socket of the last process arrive in order.
func testProcOrder(t *testing.T, d procDialer, nodes []*nodeProc) {
	sender, _ := d.dial(t, nodes[0], "")
	target, in := d.dial(t, nodes[len(nodes)-1], "")
	_, bystander := d.dial(t, nodes[len(nodes)-1], "")
	var want []string
	for i := range 50 {
		text := fmt.Sprint("n", i)
		want = append(want, text)
		require.NoError(t, rtkittest.Send(sender, relayEv, Relay{Room: target.ID(), Text: text, ID: int64(i)}))
	}
	relayTo(t, sender, target.ID(), "end", 0)
	assert.Equal(t, want, drain(t, in))
	assert.Zero(t, bystander.Len(), "another socket of that process got nothing")
}

// testProcKill: with three processes, one killed with SIGKILL leaves the
// other two delivering to each other and from an emitter.
func testProcKill(t *testing.T, r *redistest.Server, bin string) {
	d := newProcDialer(t)
	nodes := []*nodeProc{
		startNodeProc(t, bin, r, "node1"),
		startNodeProc(t, bin, r, "node2"),
		startNodeProc(t, bin, r, "node3"),
	}
	waitSubscribers(t, r, 3)
	sender, _ := d.dial(t, nodes[0], "")
	_, in1 := d.dial(t, nodes[0], "r:1")
	_, in2 := d.dial(t, nodes[1], "r:1")
	doomed, _ := d.dial(t, nodes[2], "r:1")

	relayTo(t, sender, "r:1", "before", 1)
	requireNote(t, "before", in1, in2)

	require.Error(t, nodes[2].Kill(), "node3 was killed")
	waitSubscribers(t, r, 2)
	require.Eventually(t, func() bool { return !doomed.Connected() }, 5*time.Second, 20*time.Millisecond,
		"node3's client sees its connection gone")

	relayTo(t, sender, "r:1", "after kill", 2)
	relayTo(t, sender, "r:1", "end", 0)
	assert.Equal(t, []string{"after kill"}, drain(t, in1), "node1's own client")
	assert.Equal(t, []string{"after kill"}, drain(t, in2), "node2's client, across Redis")

	em := adapter.NewEmitter(r.Client(t), adapter.Options{})
	worker := newNamespace()
	require.NoError(t, rtkit.Emit(worker.Via(em).To("r:1"), noteNew, Note{Text: "from worker"}))
	require.NoError(t, rtkit.Emit(worker.Via(em), noteNew, Note{Text: "end"}))
	assert.Equal(t, []string{"from worker"}, drain(t, in1))
	assert.Equal(t, []string{"from worker"}, drain(t, in2))
}
