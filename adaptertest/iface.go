package adaptertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
)

// The cases of this file check the adapter's side of the interface
// directly, without servers: each adapter opens namespaces with a
// recording rtkit.LocalNamespace, and the cases compare what one adapter
// is asked with what the others' LocalNamespaces receive.

// call is one call of a LocalNamespace method, as recorded.
type call struct {
	op        string // deliver, join, leave, disconnect, server
	packet    rtkit.Packet
	sel       rtkit.Selection
	rooms     []string
	closeConn bool
	args      []any
	acked     bool // server: the sender asked for an acknowledgement
}

// recorder is a LocalNamespace that records calls and answers requests
// with what the case set.
type recorder struct {
	name  string
	calls chan call

	mu        sync.Mutex
	sockets   []rtkit.RemoteSocket
	answers   []rtkit.AckAnswer // BroadcastWithAck: each recipient's answer
	serverAck []any             // ServerEvent: the acknowledgement; nil: never answer
}

func newRecorder(name string) *recorder { return &recorder{name: name, calls: make(chan call, 4096)} }

func (r *recorder) record(c call) {
	select {
	case r.calls <- c:
	default: // a flooding adapter: the case fails on counts
	}
}

func (r *recorder) Deliver(p rtkit.Packet, sel rtkit.Selection) {
	r.record(call{op: "deliver", packet: p, sel: sel})
}
func (r *recorder) Join(sel rtkit.Selection, rooms []string) {
	r.record(call{op: "join", sel: sel, rooms: rooms})
}
func (r *recorder) Leave(sel rtkit.Selection, rooms []string) {
	r.record(call{op: "leave", sel: sel, rooms: rooms})
}
func (r *recorder) Disconnect(sel rtkit.Selection, closeConn bool) {
	r.record(call{op: "disconnect", sel: sel, closeConn: closeConn})
}
func (r *recorder) Sockets(rtkit.Selection) []rtkit.RemoteSocket {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sockets)
}
func (r *recorder) ServerEvent(_ context.Context, args []any, ack func([]any)) {
	r.record(call{op: "server", args: args, acked: ack != nil})
	r.mu.Lock()
	answer := r.serverAck
	r.mu.Unlock()
	if ack != nil && answer != nil {
		go ack(answer)
	}
}
func (r *recorder) BroadcastWithAck(ctx context.Context, p rtkit.Packet, sel rtkit.Selection, onCount func(int), onAnswer func(rtkit.AckAnswer)) {
	r.record(call{op: "acks", packet: p, sel: sel})
	r.mu.Lock()
	answers := slices.Clone(r.answers)
	r.mu.Unlock()
	onCount(len(answers))
	go func() {
		for _, a := range answers {
			if ctx.Err() != nil {
				return
			}
			onAnswer(a)
		}
	}()
}

// peer is one simulated server: its adapter and its namespace's recorder.
type peer struct {
	a   rtkit.Adapter
	ns  rtkit.NamespaceAdapter
	rec *recorder
}

// openPeers opens namespace name on n adapters of h, each with a recorder.
func openPeers(t *testing.T, h Harness, n int, name string) []peer {
	t.Helper()
	var out []peer
	for i := range n {
		a := h.NewAdapter(t)
		rec := newRecorder(fmt.Sprint("server ", i))
		ns, err := a.Open(context.Background(), name, rec)
		if err != nil || ns == nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() {
			_ = ns.Close()
			_ = a.Close(context.Background())
		})
		out = append(out, peer{a: a, ns: ns, rec: rec})
	}
	waitCount(t, out, n)
	return out
}

// waitCount waits until every peer counts want servers: an adapter may
// take a moment to see a new one.
func waitCount(t *testing.T, ps []peer, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range ps {
		for {
			n, err := p.ns.ServerCount(ctxFor(t, 5*time.Second))
			if err == nil && n == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("ServerCount = %d, %v; want %d", n, err, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// next returns rec's next call, failing after 5 s.
func (r *recorder) next(t *testing.T) call {
	t.Helper()
	select {
	case c := <-r.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no call within 5 s", r.name)
		return call{}
	}
}

// quiet checks that rec gets no call for a moment.
func (r *recorder) quiet(t *testing.T, what string) {
	t.Helper()
	select {
	case c := <-r.calls:
		t.Errorf("%s: %s: unexpected call %+v", r.name, what, c)
	case <-time.After(150 * time.Millisecond):
	}
}

// sameArgs compares packet arguments as a peer sees them: []byte as
// bytes, everything else by its JSON (an adapter may hand encoded JSON
// back as decoded values, and numbers as float64 or int64).
func sameArgs(got, want []any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if w, ok := want[i].([]byte); ok {
			g, ok := got[i].([]byte)
			if !ok || !bytes.Equal(g, w) {
				return false
			}
			continue
		}
		if !sameJSON(got[i], want[i]) {
			return false
		}
	}
	return true
}

func sameJSON(a, b any) bool {
	na, ea := normalJSON(a)
	nb, eb := normalJSON(b)
	return ea == nil && eb == nil && reflect.DeepEqual(na, nb)
}

func normalJSON(v any) (any, error) {
	raw, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	var out any
	err := json.Unmarshal(raw, &out)
	return out, err
}

// sameSel compares selections, nil and empty alike.
func sameSel(got, want rtkit.Selection) bool {
	return slices.Equal(got.Rooms, want.Rooms) && slices.Equal(got.Except, want.Except) && got.Logged == want.Logged
}

func needTwo(t *testing.T, h Harness) {
	t.Helper()
	if h.Servers < 2 {
		t.Skip("needs two servers")
	}
}

// testIfaceAlone: with one server, requests reach nobody and return at once.
func testIfaceAlone(t *testing.T, h Harness) {
	if h.Servers > 1 {
		t.Skip("one server only")
	}
	ps := openPeers(t, h, 1, "/alone")
	ns := ps[0].ns
	ctx := ctxFor(t, 5*time.Second)
	if n, err := ns.FetchSockets(ctx, rtkit.Selection{}, func([]rtkit.RemoteSocket) { t.Error("an answer from nobody") }); n != 0 || err != nil {
		t.Errorf("FetchSockets = %d, %v", n, err)
	}
	if n, err := ns.ServerSideEmit(ctx, []any{"x"}, func([]any) { t.Error("an answer from nobody") }); n != 0 || err != nil {
		t.Errorf("ServerSideEmit = %d, %v", n, err)
	}
	if err := ns.Broadcast(ctx, rtkit.Packet{Args: []any{"x"}}, rtkit.Selection{}); err != nil {
		t.Errorf("Broadcast: %v", err)
	}
	ps[0].rec.quiet(t, "own broadcast")
}

// testIfaceBroadcast: a broadcast reaches every other server once, with its
// arguments (JSON, binary, plain values) and selection, never the sender;
// the Logged mark travels.
func testIfaceBroadcast(t *testing.T, h Harness) {
	needTwo(t, h)
	ps := openPeers(t, h, h.Servers, "/iface")
	args := []any{"ev", json.RawMessage(`{"text":"é ✓","n":[1,2.5],"ok":true,"none":null}`),
		[]byte{0, 1, 2, 255}, "plain", 3.5, false, nil}
	for _, logged := range []bool{false, true} {
		sel := rtkit.Selection{Rooms: []string{"room:1", "user:42"}, Except: []string{"room:x"}, Logged: logged}
		if err := ps[0].ns.Broadcast(ctxFor(t, 5*time.Second), rtkit.Packet{Args: args}, sel); err != nil {
			t.Fatalf("Broadcast: %v", err)
		}
		for _, p := range ps[1:] {
			c := p.rec.next(t)
			if c.op != "deliver" || !sameArgs(c.packet.Args, args) || !sameSel(c.sel, sel) {
				t.Errorf("%s got %s %#v %+v; want deliver %#v %+v", p.rec.name, c.op, c.packet.Args, c.sel, args, sel)
			}
		}
	}
	ps[0].rec.quiet(t, "own broadcast")
	for _, p := range ps[1:] {
		p.rec.quiet(t, "one copy")
	}
}

// testIfaceOrder: broadcasts of one server arrive in the order sent.
func testIfaceOrder(t *testing.T, h Harness) {
	needTwo(t, h)
	ps := openPeers(t, h, 2, "/order")
	for i := range 300 {
		if err := ps[0].ns.Broadcast(ctxFor(t, 5*time.Second), rtkit.Packet{Args: []any{"n", float64(i)}}, rtkit.Selection{}); err != nil {
			t.Fatalf("Broadcast %d: %v", i, err)
		}
	}
	for i := range 300 {
		c := ps[1].rec.next(t)
		if !sameArgs(c.packet.Args, []any{"n", float64(i)}) {
			t.Fatalf("broadcast %d arrived as %v", i, c.packet.Args)
		}
	}
}

// testIfaceNamespaces: namespaces of one adapter do not see each other's
// traffic.
func testIfaceNamespaces(t *testing.T, h Harness) {
	needTwo(t, h)
	a := openPeers(t, h, 2, "/a")
	b := openPeers(t, h, 2, "/b")
	if err := a[0].ns.Broadcast(ctxFor(t, 5*time.Second), rtkit.Packet{Args: []any{"only-a"}}, rtkit.Selection{}); err != nil {
		t.Fatal(err)
	}
	if c := a[1].rec.next(t); !sameArgs(c.packet.Args, []any{"only-a"}) {
		t.Errorf("/a got %+v", c)
	}
	for _, p := range b {
		p.rec.quiet(t, "another namespace's broadcast")
	}
}

// testIfaceRoomOps: joins, leaves and disconnections reach the other
// servers with their selection, rooms and flags.
func testIfaceRoomOps(t *testing.T, h Harness) {
	needTwo(t, h)
	ps := openPeers(t, h, h.Servers, "/rooms")
	ctx := ctxFor(t, 5*time.Second)
	sel := rtkit.Selection{Rooms: []string{"room:1"}, Except: []string{"sid-9"}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ps[0].ns.SocketsJoin(ctx, sel, []string{"room:7", "room:8"}))
	must(ps[0].ns.SocketsLeave(ctx, sel, []string{"room:1"}))
	must(ps[0].ns.DisconnectSockets(ctx, sel, true))
	logged := rtkit.Selection{Rooms: []string{"room:2"}, Logged: true}
	must(ps[0].ns.DisconnectSockets(ctx, logged, false))
	for _, p := range ps[1:] {
		want := []call{
			{op: "join", sel: sel, rooms: []string{"room:7", "room:8"}},
			{op: "leave", sel: sel, rooms: []string{"room:1"}},
			{op: "disconnect", sel: sel, closeConn: true},
			{op: "disconnect", sel: logged},
		}
		for _, w := range want {
			c := p.rec.next(t)
			if c.op != w.op || !sameSel(c.sel, w.sel) || !slices.Equal(c.rooms, w.rooms) || c.closeConn != w.closeConn {
				t.Errorf("%s got %+v, want %+v", p.rec.name, c, w)
			}
		}
	}
}

// testIfaceFetch: every other server's sockets come back as described.
func testIfaceFetch(t *testing.T, h Harness) {
	needTwo(t, h)
	ps := openPeers(t, h, h.Servers, "/fetch")
	at := time.Now().Truncate(time.Millisecond)
	want := map[string]rtkit.RemoteSocket{}
	for i, p := range ps[1:] {
		s := rtkit.RemoteSocket{ID: fmt.Sprint("sid-", i), Rooms: []string{"room:1", "room:2"}, Address: "10.0.0.1",
			Query: url.Values{"v": {"1"}}, Connected: at}
		p.rec.mu.Lock()
		p.rec.sockets = []rtkit.RemoteSocket{s}
		p.rec.mu.Unlock()
		want[s.ID] = s
	}
	got := map[string]rtkit.RemoteSocket{}
	answers := 0
	n, err := ps[0].ns.FetchSockets(ctxFor(t, 5*time.Second), rtkit.Selection{Rooms: []string{"room:1"}}, func(ss []rtkit.RemoteSocket) {
		answers++
		for _, s := range ss {
			got[s.ID] = s
		}
	})
	if err != nil || n != len(ps)-1 || answers != n {
		t.Fatalf("FetchSockets = %d servers, %d answers, %v; want %d", n, answers, err, len(ps)-1)
	}
	for id, w := range want {
		g := got[id]
		if !slices.Equal(g.Rooms, w.Rooms) || g.Address != w.Address || g.Query.Encode() != w.Query.Encode() || !g.Connected.Equal(w.Connected) {
			t.Errorf("socket %s: got %+v, want %+v", id, g, w)
		}
	}
}

// testIfaceServerEvents: server events reach every other server, with and
// without acknowledgement; a silent server makes the call end with ctx,
// and no answer is passed on after it returned.
func testIfaceServerEvents(t *testing.T, h Harness) {
	needTwo(t, h)
	ps := openPeers(t, h, h.Servers, "/server")
	args := []any{"cache:flush", json.RawMessage(`{"key":"k"}`)}
	for _, p := range ps[1:] {
		p.rec.mu.Lock()
		p.rec.serverAck = []any{json.RawMessage(`{"success":true,"data":{"from":"` + p.rec.name + `"}}`)}
		p.rec.mu.Unlock()
	}
	var got []string
	n, err := ps[0].ns.ServerSideEmit(ctxFor(t, 5*time.Second), args, func(a []any) {
		v, _ := normalJSON(a[0])
		got = append(got, fmt.Sprint(v))
	})
	if err != nil || n != len(ps)-1 || len(got) != n {
		t.Fatalf("ServerSideEmit = %d, %v, answers %v", n, err, got)
	}
	for _, p := range ps[1:] {
		if c := p.rec.next(t); c.op != "server" || !sameArgs(c.args, args) || !c.acked {
			t.Errorf("%s got %+v", p.rec.name, c)
		}
	}
	// Without acknowledgement.
	if _, err := ps[0].ns.ServerSideEmit(ctxFor(t, 5*time.Second), args, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps[1:] {
		if c := p.rec.next(t); c.op != "server" || c.acked {
			t.Errorf("%s got %+v, want no acknowledgement asked", p.rec.name, c)
		}
	}
	// The last server stays silent.
	ps[len(ps)-1].rec.mu.Lock()
	ps[len(ps)-1].rec.serverAck = nil
	ps[len(ps)-1].rec.mu.Unlock()
	var mu sync.Mutex
	returned := false
	answers := 0
	began := time.Now()
	n, err = ps[0].ns.ServerSideEmit(ctxFor(t, 300*time.Millisecond), args, func([]any) {
		mu.Lock()
		defer mu.Unlock()
		if returned {
			t.Error("an answer passed on after ServerSideEmit returned")
		}
		answers++
	})
	mu.Lock()
	returned = true
	mu.Unlock()
	if err != nil || n != len(ps)-1 || answers != n-1 {
		t.Errorf("with a silent server: %d servers, %d answers, %v", n, answers, err)
	}
	if time.Since(began) > 3*time.Second {
		t.Errorf("returned after %v, long after the deadline", time.Since(began))
	}
}

// testIfaceBroadcastWithAck: each other server counts its recipients, then
// each answer comes back with its socket id (or Gone).
func testIfaceBroadcastWithAck(t *testing.T, h Harness) {
	needTwo(t, h)
	ps := openPeers(t, h, h.Servers, "/acks")
	var want []string
	for i, p := range ps[1:] {
		p.rec.mu.Lock()
		p.rec.answers = []rtkit.AckAnswer{
			{Socket: fmt.Sprint("s", i, "a"), Args: []any{json.RawMessage(`{"n":1}`)}},
			{Socket: fmt.Sprint("s", i, "b"), Gone: true},
		}
		p.rec.mu.Unlock()
		want = append(want, fmt.Sprint("s", i, "a:{\"n\":1}"), fmt.Sprint("s", i, "b:gone"))
	}
	slices.Sort(want)
	p := rtkit.Packet{Args: []any{"ask", json.RawMessage(`{"q":"?"}`)}}
	sel := rtkit.Selection{Rooms: []string{"room:1"}}
	counts, expected := 0, 0
	var got []string
	n, err := ps[0].ns.BroadcastWithAck(ctxFor(t, 5*time.Second), p, sel,
		func(c int) { counts++; expected += c },
		func(a rtkit.AckAnswer) {
			if a.Gone {
				got = append(got, a.Socket+":gone")
				return
			}
			b, _ := json.Marshal(a.Args[0])
			v, _ := normalJSON(json.RawMessage(b))
			nb, _ := json.Marshal(v)
			got = append(got, a.Socket+":"+string(nb))
		})
	slices.Sort(got)
	if err != nil || n != len(ps)-1 || counts != n || expected != 2*n || !slices.Equal(got, want) {
		t.Errorf("BroadcastWithAck = %d servers, %d counts of %d, %v; answers %v, want %v", n, counts, expected, err, got, want)
	}
	for _, q := range ps[1:] {
		if c := q.rec.next(t); c.op != "acks" || !sameArgs(c.packet.Args, p.Args) || !sameSel(c.sel, sel) {
			t.Errorf("%s got %+v", q.rec.name, c)
		}
	}
}

// testIfaceClose: a closed namespace adapter leaves the cluster: nothing
// reaches it, and the others count one server less.
func testIfaceClose(t *testing.T, h Harness) {
	needTwo(t, h)
	ps := openPeers(t, h, h.Servers, "/close")
	last := ps[len(ps)-1]
	if err := last.ns.Close(); err != nil {
		t.Fatal(err)
	}
	waitCount(t, ps[:len(ps)-1], len(ps)-1)
	if err := ps[0].ns.Broadcast(ctxFor(t, 5*time.Second), rtkit.Packet{Args: []any{"after"}}, rtkit.Selection{}); err != nil {
		t.Fatal(err)
	}
	last.rec.quiet(t, "after Close")
}
