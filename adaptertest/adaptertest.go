// Package adaptertest is the conformance suite for rtkit.Adapter
// implementations, in the spirit of testing/slogtest: whoever writes an
// adapter runs Run from a test of their own, and rtkit's adapters run it
// too (the in-memory one and package adapter's Redis ones).
//
// Run checks the adapter at two levels:
//
//   - the interface itself ("Interface/…" subtests): namespace adapters
//     opened on several adapters of one deployment, each with a recording
//     rtkit.LocalNamespace, check that broadcasts, room operations and
//     disconnections reach every other server once, in order, with their
//     arguments (JSON, binary, plain values), selection and Logged mark,
//     never the sender; that socket listings, server events and broadcasts
//     with acknowledgement gather every other server's answers and end
//     with the caller's context; that namespaces are apart and a closed
//     namespace adapter leaves the cluster;
//   - end to end ("Servers/…" subtests): rtkit servers sharing the
//     deployment, with real Socket.IO clients over 127.0.0.1, check room
//     and namespace broadcasts, exclusions, order, a socket on another
//     server, health, publishers, acknowledgements across servers with a
//     deadline (rtkit.EmitWithAcks), counts and listings (Rooms.Count,
//     Rooms.Fetch), server events (rtkit.EmitServers) and room joins,
//     leaves and disconnections decided on one server.
//
// With one server (an in-memory adapter), the cases that cross servers
// degenerate into local delivery or are skipped.
package adaptertest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// Harness describes the implementation under test.
type Harness struct {
	// Servers is the number of rtkit servers to start (at least 1); each
	// gets its own adapter from NewAdapter. Use 1 for adapters that do not
	// cross processes.
	Servers int
	// NewAdapter returns a new adapter connected to the shared deployment
	// (the same Redis, say): one per server. Run passes it to one server,
	// whose Shutdown closes it, or opens namespaces on it directly and
	// closes it when the test ends.
	NewAdapter func(t *testing.T) rtkit.Adapter
	// NewDeliveryLog, when set, returns a delivery log every server of
	// the deployment shares (package redislog's, say): the end-to-end
	// cases then run with connection state recovery on, where every emit
	// reaches rtkit servers through the log and other peers through the
	// adapter, marked Logged.
	NewDeliveryLog func(t *testing.T) rtkit.DeliveryLog
	// NewPublisher, when set, returns a publisher for processes without a
	// server, reaching the same deployment; the emitter cases are skipped
	// without it.
	NewPublisher func(t *testing.T) rtkit.Publisher
}

// Note is the payload of the suite's event.
type Note struct {
	Text string   `json:"text" jsonschema:"minLength=1"`
	Seq  int      `json:"seq"`
	Tags []string `json:"tags,omitempty"`
}

var noteNew = rtkit.NewEvent[Note, rtkit.NoAck]("conformance:note")

// namespace declares /conformance as every server (and publisher) does:
// rooms "room:{id}", joined at connection from auth.rooms, the events of
// the suite, and the server event handler of server index.
func namespace(index int) *rtkit.Namespace {
	ns := rtkit.NewNamespace("/conformance",
		rtkit.WithRoom("room:{id}", rtkit.Anyone),
		rtkit.AutoJoin(func(_ context.Context, s *rtkit.Socket) []string {
			raw, _ := s.Handshake().Auth["rooms"].(string)
			if raw == "" {
				return nil
			}
			return strings.Split(raw, ",")
		}))
	rtkit.Emits(ns, noteNew)
	rtkit.Emits(ns, askEv)
	rtkit.HandleServer(ns, pingEv, func(_ context.Context, p Ping) (Pong, error) {
		if p.Seq == forbiddenSeq {
			return Pong{}, rtkit.NewError(rtkit.CodeForbidden, "refused")
		}
		return Pong{Seq: p.Seq, Server: index}, nil
	})
	return ns
}

type server struct {
	ns *rtkit.Namespace
	ts *rtkittest.Server
}

type client struct {
	c  *rtkittest.Client
	in *rtkittest.Inbox[Note]
}

// Run runs the whole suite as subtests of t: RunInterface, then
// RunServers. Every subtest starts its own adapters and servers.
func Run(t *testing.T, h Harness) {
	t.Helper()
	t.Run("Interface", func(t *testing.T) { RunInterface(t, h) })
	t.Run("Servers", func(t *testing.T) { RunServers(t, h) })
}

// RunInterface runs the cases that check the adapter's side of the
// interface directly, without servers, as subtests of t.
func RunInterface(t *testing.T, h Harness) {
	t.Helper()
	check(t, h)
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Alone", testIfaceAlone},
		{"Broadcast", testIfaceBroadcast},
		{"Order", testIfaceOrder},
		{"Namespaces", testIfaceNamespaces},
		{"RoomOps", testIfaceRoomOps},
		{"FetchSockets", testIfaceFetch},
		{"ServerEvents", testIfaceServerEvents},
		{"BroadcastWithAck", testIfaceBroadcastWithAck},
		{"Close", testIfaceClose},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, h) })
	}
}

// RunServers runs the end-to-end cases, with rtkit servers and Socket.IO
// clients, as subtests of t.
func RunServers(t *testing.T, h Harness) {
	t.Helper()
	check(t, h)
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"EmitToRoom", testEmitToRoom},
		{"EmitToAll", testEmitToAll},
		{"EmitToRoomsExcept", testEmitToRoomsExcept},
		{"EmitToSocketOnAnotherServer", testEmitToSocket},
		{"OrderFromOneServer", testOrder},
		{"Health", testHealth},
		{"Publisher", testPublisher},
		{"AcksAcrossServers", testAcks},
		{"AcksTimeout", testAcksTimeout},
		{"CountAndFetch", testCount},
		{"ServerEvents", testServerEvents},
		{"RoomOpsAcrossServers", testRoomOps},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, h) })
	}
}

func check(t *testing.T, h Harness) {
	t.Helper()
	if h.Servers < 1 || h.NewAdapter == nil {
		t.Fatal("adaptertest: Harness needs Servers >= 1 and NewAdapter")
	}
}

func start(t *testing.T, h Harness) []server {
	t.Helper()
	out := make([]server, h.Servers)
	for i := range out {
		ns := namespace(i)
		opts := []rtkit.ServerOption{rtkit.WithAdapter(h.NewAdapter(t)), rtkit.WithLogger(slog.New(slog.DiscardHandler))}
		if h.NewDeliveryLog != nil {
			opts = append(opts, rtkit.WithDeliveryLog(h.NewDeliveryLog(t)))
		}
		srv := rtkit.NewServer(opts...)
		srv.Mount(ns)
		out[i] = server{ns: ns, ts: rtkittest.Start(t, srv)}
	}
	return out
}

func (s server) dial(t *testing.T, rooms string) client {
	t.Helper()
	c := s.ts.Dial(t, "/conformance", rtkittest.WithAuth(map[string]any{"rooms": rooms}))
	return client{c: c, in: rtkittest.Listen(c, noteNew)}
}

// ends returns the emitting and the receiving server: the first and the
// last (the same one when there is only one).
func ends(ss []server) (server, server) { return ss[0], ss[len(ss)-1] }

// end emits the end marker to every socket and returns, for each client,
// the texts received before it.
func end(t *testing.T, from rtkit.Target, cs ...client) [][]string {
	t.Helper()
	if err := rtkit.Emit(from, noteNew, Note{Text: "end"}); err != nil {
		t.Fatalf("emit end: %v", err)
	}
	out := make([][]string, len(cs))
	for i, c := range cs {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			n, err := c.in.Next(ctx)
			cancel()
			if err != nil {
				t.Fatalf("client %d: after %v: %v", i, out[i], err)
			}
			if n.Text == "end" {
				break
			}
			out[i] = append(out[i], n.Text)
		}
	}
	return out
}

func emit(t *testing.T, to rtkit.Target, text string) {
	t.Helper()
	if err := rtkit.Emit(to, noteNew, Note{Text: text, Tags: []string{"a", "b"}}); err != nil {
		t.Fatalf("emit %s: %v", text, err)
	}
}

func expect(t *testing.T, got [][]string, want ...[]string) {
	t.Helper()
	for i := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Errorf("client %d received %v, want %v", i, got[i], want[i])
		}
	}
}

func testEmitToRoom(t *testing.T, h Harness) {
	ss := start(t, h)
	a, b := ends(ss)
	in, out, here := b.dial(t, "room:1"), b.dial(t, "room:2"), a.dial(t, "room:1")
	emit(t, a.ns.To("room:1"), "room")
	expect(t, end(t, a.ns, in, out, here), []string{"room"}, nil, []string{"room"})
}

func testEmitToAll(t *testing.T, h Harness) {
	ss := start(t, h)
	a, b := ends(ss)
	cs := []client{b.dial(t, ""), b.dial(t, "room:1"), a.dial(t, "")}
	emit(t, a.ns, "all")
	expect(t, end(t, a.ns, cs...), []string{"all"}, []string{"all"}, []string{"all"})
}

func testEmitToRoomsExcept(t *testing.T, h Harness) {
	ss := start(t, h)
	a, b := ends(ss)
	one, two, excluded, none := b.dial(t, "room:1"), b.dial(t, "room:2"), b.dial(t, "room:1,room:x"), b.dial(t, "room:3")
	both := b.dial(t, "room:1,room:2")
	emit(t, a.ns.To("room:1", "room:2").Except("room:x"), "rooms")
	expect(t, end(t, a.ns, one, two, excluded, none, both),
		[]string{"rooms"}, []string{"rooms"}, nil, nil, []string{"rooms"}) // one copy for a socket in both rooms
}

func testEmitToSocket(t *testing.T, h Harness) {
	ss := start(t, h)
	a, b := ends(ss)
	target, other := b.dial(t, ""), b.dial(t, "")
	var ids []string
	for s := range b.ns.Sockets() {
		ids = append(ids, s.ID())
	}
	if len(ids) != 2 {
		t.Fatalf("server has %d sockets, want 2", len(ids))
	}
	// Whichever socket is ids[0], exactly one client gets the emit.
	emit(t, a.ns.To(ids[0]), "socket")
	got := end(t, a.ns, target, other)
	if len(got[0])+len(got[1]) != 1 {
		t.Errorf("received %v and %v, want one copy in all", got[0], got[1])
	}
}

func testOrder(t *testing.T, h Harness) {
	ss := start(t, h)
	a, b := ends(ss)
	c := b.dial(t, "room:1")
	var want []string
	for i := range 200 {
		text := fmt.Sprint("n", i)
		want = append(want, text)
		emit(t, a.ns.To("room:1"), text)
	}
	expect(t, end(t, a.ns, c), want)
}

func testHealth(t *testing.T, h Harness) {
	for i, s := range start(t, h) {
		if st := s.ts.RT.Health(context.Background()); st.Status != "ok" || !st.Adapter.Healthy || st.Adapter.Name == "" {
			t.Errorf("server %d: health %+v", i, st)
		}
	}
}

func testPublisher(t *testing.T, h Harness) {
	if h.NewPublisher == nil {
		t.Skip("no publisher")
	}
	ss := start(t, h)
	pub := h.NewPublisher(t)
	worker := namespace(-1)
	var cs []client
	for _, s := range ss {
		cs = append(cs, s.dial(t, "room:1"), s.dial(t, "room:2"), s.dial(t, "room:1,room:x"))
	}
	emit(t, worker.Via(pub).To("room:1"), "room")
	emit(t, worker.Via(pub).To("room:1", "room:2").Except("room:x"), "rooms")
	if err := rtkit.Emit(worker.Via(pub), noteNew, Note{}); err == nil {
		t.Error("a payload that breaks the contract was published")
	}
	got := end(t, worker.Via(pub), cs...)
	for i := 0; i < len(cs); i += 3 {
		expect(t, got[i:i+3], []string{"room", "rooms"}, []string{"rooms"}, []string{"room"})
	}
}
