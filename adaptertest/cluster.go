package adaptertest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The cases of this file check the operations that gather answers from
// every server: acknowledgements, counts, socket listings, server events,
// and the room operations published to every server.

// Question and Answer are the payloads of the suite's acknowledged event.
type (
	Question struct {
		Q string `json:"q" jsonschema:"minLength=1"`
	}
	Answer struct {
		N    int    `json:"n" jsonschema:"minimum=0"`
		From string `json:"from"`
	}
	// Ping is the payload of the suite's server event; Pong its answer.
	Ping struct {
		Seq int `json:"seq" jsonschema:"minimum=1"`
	}
	Pong struct {
		Seq    int `json:"seq"`
		Server int `json:"server"`
	}
)

var (
	askEv  = rtkit.NewEvent[Question, Answer]("conformance:ask")
	pingEv = rtkit.NewEvent[Ping, Pong]("conformance:ping")
)

// answering dials a client of s in rooms that answers askEv with the
// question's length and its name.
func (s server) answering(t *testing.T, rooms, name string) *rtkittest.Client {
	t.Helper()
	c := s.ts.Dial(t, "/conformance", rtkittest.WithAuth(map[string]any{"rooms": rooms}))
	rtkittest.Answer(c, askEv, func(q Question) Answer { return Answer{N: len(q.Q), From: name} })
	return c
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func sortedFrom(acks []rtkit.Ack[Answer]) []string {
	var out []string
	for _, a := range acks {
		if a.Err == nil {
			out = append(out, a.Data.From)
		}
	}
	slices.Sort(out)
	return out
}

// testAcks: every socket of the room, on every server, answers; sockets
// outside the room are not asked; the call returns before its deadline.
func testAcks(t *testing.T, h Harness) {
	ss := start(t, h)
	var want []string
	for i, s := range ss {
		name := string(rune('a' + i))
		s.answering(t, "room:1", name+"1")
		s.answering(t, "room:1,room:2", name+"2")
		s.answering(t, "room:2", name+"-out")
		want = append(want, name+"1", name+"2")
	}
	slices.Sort(want)
	began := time.Now()
	acks, err := rtkit.EmitWithAcks(ctxFor(t, 10*time.Second), ss[0].ns.To("room:1"), askEv, Question{Q: "four"})
	if err != nil {
		t.Fatalf("EmitWithAcks: %v", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("complete answers took %v: the call waited for its deadline", took)
	}
	if got := sortedFrom(acks); !slices.Equal(got, want) {
		t.Errorf("answers from %v, want %v", got, want)
	}
	for _, a := range acks {
		if a.Err != nil || a.Data.N != 4 || a.Socket == "" {
			t.Errorf("ack %+v", a)
		}
	}
	if _, err := rtkit.EmitWithAcks(ctxFor(t, time.Second), ss[0].ns.To("room:1"), askEv, Question{}); err == nil {
		t.Error("a payload that breaks the contract was sent")
	}
}

// testAcksTimeout: a silent socket on the last server makes the call end
// at its deadline with TIMEOUT and the answers that arrived; an answer that
// breaks Out's schema is reported per socket.
func testAcksTimeout(t *testing.T, h Harness) {
	ss := start(t, h)
	a, b := ends(ss)
	a.answering(t, "room:1", "here")
	b.answering(t, "room:1", "there")
	silent := b.dial(t, "room:1")
	bad := b.ts.Dial(t, "/conformance", rtkittest.WithAuth(map[string]any{"rooms": "room:1"}))
	rtkittest.Answer(bad, askEv, func(Question) Answer { return Answer{N: -1} })
	_ = silent

	began := time.Now()
	acks, err := rtkit.EmitWithAcks(ctxFor(t, 800*time.Millisecond), a.ns.To("room:1"), askEv, Question{Q: "x"})
	took := time.Since(began)
	if rtkit.CodeOf(err) != rtkit.CodeTimeout {
		t.Fatalf("err = %v, want TIMEOUT", err)
	}
	if took < 700*time.Millisecond || took > 3*time.Second {
		t.Errorf("returned after %v, want about the 800 ms deadline", took)
	}
	want := []string{"here", "there"}
	slices.Sort(want)
	if got := sortedFrom(acks); !slices.Equal(got, want) {
		t.Errorf("answers from %v, want %v", got, want)
	}
	invalid := 0
	for _, a := range acks {
		if a.Err != nil && rtkit.CodeOf(a.Err) == rtkit.CodeValidation {
			invalid++
		}
	}
	if invalid != 1 || len(acks) != 3 {
		t.Errorf("%d acks with %d invalid, want 3 with 1 invalid: %+v", len(acks), invalid, acks)
	}
}

// testCount: counts and listings see the sockets of every server.
func testCount(t *testing.T, h Harness) {
	ss := start(t, h)
	var room1 []string
	for _, s := range ss {
		room1 = append(room1, s.dial(t, "room:1").c.ID(), s.dial(t, "room:1,room:2").c.ID())
		s.dial(t, "room:2")
	}
	slices.Sort(room1)
	n := len(ss)
	for i, s := range ss {
		check := func(what string, r rtkit.Rooms, want int) {
			t.Helper()
			got, err := r.Count(ctxFor(t, 5*time.Second))
			if err != nil || got != want {
				t.Errorf("server %d: %s: Count = %d, %v; want %d", i, what, got, err, want)
			}
		}
		check("room:1", s.ns.To("room:1"), 2*n)
		check("all", s.ns.To(), 3*n)
		check("room:1 except room:2", s.ns.To("room:1").Except("room:2"), n)
		check("no such room", s.ns.To("room:9"), 0)
	}
	infos, err := ss[0].ns.To("room:1").Fetch(ctxFor(t, 5*time.Second))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	var ids []string
	local := 0
	for _, in := range infos {
		ids = append(ids, in.ID)
		if in.Local {
			local++
		}
		if !slices.Contains(in.Rooms, "room:1") || in.RemoteAddr == "" || in.Connected.IsZero() {
			t.Errorf("socket info %+v", in)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, room1) || local != 2 {
		t.Errorf("Fetch ids %v (%d local), want %v (2 local)", ids, local, room1)
	}
}

// testServerEvents: a server event runs the handler of every other server,
// not the sender's, and their answers come back typed.
func testServerEvents(t *testing.T, h Harness) {
	ss := start(t, h)
	pongs, err := rtkit.EmitServers(ctxFor(t, 5*time.Second), ss[0].ns, pingEv, Ping{Seq: 7})
	if err != nil {
		t.Fatalf("EmitServers: %v", err)
	}
	var servers []int
	for _, p := range pongs {
		if p.Seq != 7 {
			t.Errorf("pong %+v", p)
		}
		servers = append(servers, p.Server)
	}
	slices.Sort(servers)
	var want []int
	for i := 1; i < len(ss); i++ {
		want = append(want, i)
	}
	if !slices.Equal(servers, want) {
		t.Errorf("handled by servers %v, want %v", servers, want)
	}
	if _, err := rtkit.EmitServers(ctxFor(t, time.Second), ss[0].ns, pingEv, Ping{}); err == nil {
		t.Error("a payload that breaks the contract was sent")
	}
	// A handler's *Error reaches the sender with its code.
	if len(ss) > 1 {
		_, err := rtkit.EmitServers(ctxFor(t, 5*time.Second), ss[0].ns, pingEv, Ping{Seq: forbiddenSeq})
		var e *rtkit.Error
		if !errors.As(err, &e) || e.Code != rtkit.CodeForbidden {
			t.Errorf("err = %v, want FORBIDDEN", err)
		}
	}
}

// forbiddenSeq makes the suite's server event handler refuse.
const forbiddenSeq = 403

// testRoomOps: joins, leaves and disconnections decided on one server
// reach the sockets of the others.
func testRoomOps(t *testing.T, h Harness) {
	ss := start(t, h)
	a, b := ends(ss)
	there, here := b.dial(t, "room:1"), a.dial(t, "room:1")
	other := b.dial(t, "room:2")
	count := func(room string) int {
		n, err := a.ns.To(room).Count(ctxFor(t, 5*time.Second))
		if err != nil {
			t.Fatalf("Count %s: %v", room, err)
		}
		return n
	}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 5 s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	a.ns.To("room:1").Join("room:7")
	eventually("both room:1 sockets in room:7", func() bool { return count("room:7") == 2 })
	emit(t, a.ns.To("room:7"), "joined")
	a.ns.To("room:7").Leave("room:1")
	eventually("room:1 empty", func() bool { return count("room:1") == 0 })
	emit(t, a.ns.To("room:1"), "left")
	expect(t, end(t, a.ns, there, here, other), []string{"joined"}, []string{"joined"}, nil)

	a.ns.To("room:7").Disconnect()
	eventually("room:7 sockets disconnected", func() bool {
		return !there.c.Connected() && !here.c.Connected() && count("room:7") == 0
	})
	if !other.c.Connected() {
		t.Error("a socket outside the room was disconnected")
	}
}
