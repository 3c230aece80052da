package rtkit_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/hub"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// changeLog records what OnSocketChange and OnDisconnect hooks are told,
// as "kind socket detail" lines.
type changeLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *changeLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
}

func (l *changeLog) options() rtkit.Option {
	return rtkit.Options(
		rtkit.OnSocketChange(func(s *rtkit.Socket, c rtkit.SocketChange) {
			switch c.Kind {
			case rtkit.RoomJoined:
				l.add("joined " + s.ID() + " " + c.Room)
			case rtkit.RoomLeft:
				l.add("left " + s.ID() + " " + c.Room)
			case rtkit.TransportUpgraded:
				l.add("upgraded " + s.ID() + " " + string(s.Transport()))
			case rtkit.EventSent:
				args, _ := json.Marshal(c.Args)
				l.add("sent " + s.ID() + " " + c.Event + " " + string(args))
			}
		}),
		rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) {
			l.add("connected " + s.ID() + " " + string(s.Transport()))
		}),
		rtkit.OnDisconnect(func(s *rtkit.Socket, _ string) { l.add("disconnected " + s.ID()) }),
	)
}

// wait waits for a line that begins with line and returns the lines up
// to it.
func (l *changeLog) wait(t *testing.T, line string) []string {
	t.Helper()
	var upTo []string
	require.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		if i := slices.IndexFunc(l.lines, func(s string) bool { return strings.HasPrefix(s, line) }); i >= 0 {
			upTo = slices.Clone(l.lines[:i+1])
			return true
		}
		return false
	}, 5*time.Second, 5*time.Millisecond, "waiting for %q in %v", line, l.snapshot())
	return upTo
}

// waitFor reports whether a line that begins with line comes within d.
func (l *changeLog) waitFor(line string, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if slices.ContainsFunc(l.snapshot(), func(s string) bool { return strings.HasPrefix(s, line) }) {
			return true
		}
	}
	return false
}

func (l *changeLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

func (l *changeLog) count(line string) int {
	n := 0
	for _, s := range l.snapshot() {
		if s == line {
			n++
		}
	}
	return n
}

// TestOnSocketChange: the hooks are told of rooms joined through a room
// policy and through Rooms, not of a join that changes nothing, of rooms
// left, of events sent to the socket (alone or in a broadcast), of the
// transport upgrade, and of every room left at disconnection before the
// OnDisconnect hooks run.
func TestOnSocketChange(t *testing.T) {
	var log changeLog
	ns := newTestNamespace()
	ts := startWithNamespace(t, ns, log.options())
	// The client upgrades once connected, usually after its CONNECT: a
	// few attempts give one that connected over long-polling. The calls
	// below wait for the upgrade: the zishang520 client (v3.0.6) can lose
	// what it sends while it switches transports (Socket.Flush hands the
	// packets to a polling transport that began pausing meanwhile, which
	// discards them), and can miss the server's "3probe" (_probe listens
	// for it only after sending "2probe"), then never upgrades: such an
	// attempt is dialled again.
	var c *rtkittest.Client
	var id string
	for range 5 {
		c = ts.Dial(t, "/test", rtkittest.WithPolling())
		id = c.ID()
		lines := log.wait(t, "connected "+id)
		if lines[len(lines)-1] == "connected "+id+" polling" && log.waitFor("upgraded "+id+" websocket", 5*time.Second) {
			break
		}
		c.Close()
	}
	require.Contains(t, log.snapshot(), "connected "+id+" polling")
	require.Contains(t, log.snapshot(), "upgraded "+id+" websocket")

	_, err := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "team"})
	require.Nil(t, err)
	log.wait(t, "joined "+id+" channel:team") // through the room policy

	ns.To(id).Join("staff", "staff")
	ns.To(id).Join("staff")
	log.wait(t, "joined "+id+" staff")
	ns.To(id).Leave("staff", "nowhere")
	log.wait(t, "left "+id+" staff")
	assert.Equal(t, 1, log.count("joined "+id+" staff"), "joins that change nothing are not reported")
	assert.Zero(t, log.count("left "+id+" nowhere"), "leaving a room the socket is not in is not reported")

	require.NoError(t, rtkit.Emit(ns.To(id), evNote, Note{Seq: 1}))
	require.NoError(t, rtkit.Emit(ns, evNote, Note{Seq: 2}))
	log.wait(t, "sent "+id+` note [{"seq":2,"text":""}`)

	ns.To(id).Join("staff")
	c.Close()
	lines := log.wait(t, "disconnected "+id)
	at := len(lines) - 1
	for lines[at] != "joined "+id+" staff" {
		at--
	}
	var left []string // other lines (rtkit:offset sent) may come between
	for _, l := range lines[at+1 : len(lines)-1] {
		if strings.HasPrefix(l, "left ") {
			left = append(left, l)
		}
	}
	slices.Sort(left)
	assert.Equal(t, []string{"left " + id + " channel:team", "left " + id + " staff"}, left,
		"the rooms are left, then OnDisconnect runs")
}

// TestOnSocketChangeAcrossServers: a socket on server B that another
// server makes join or leave rooms through the adapter is reported by
// B's hooks.
func TestOnSocketChangeAcrossServers(t *testing.T) {
	var log changeLog
	h := hub.New()
	nsA, nsB := newTestNamespace(), newTestNamespace()
	startWithNamespace(t, nsA, rtkit.WithAdapter(h.Adapter(false)))
	tsB := startWithNamespace(t, nsB, rtkit.WithAdapter(h.Adapter(false)), log.options())
	c := tsB.Dial(t, "/test")
	id := c.ID()

	nsA.To(id).Join("from-a")
	log.wait(t, "joined "+id+" from-a")
	nsA.To(id).Leave("from-a")
	log.wait(t, "left "+id+" from-a")
	require.NoError(t, rtkit.Emit(nsA.To(id), evNote, Note{Seq: 7}))
	log.wait(t, "sent "+id+` note [{"seq":7,"text":""}`)
}
