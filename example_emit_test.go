package rtkit_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// This file holds the emitting side: server → client events, to rooms and
// with acknowledgements.

// exJoinIn is the payload of exJoin.
type exJoinIn struct {
	Room string `json:"room" jsonschema:"minLength=1,maxLength=32"`
}

// exNews is what the server pushes to its clients.
type exNews struct {
	Room string `json:"room,omitempty"`
	Text string `json:"text" jsonschema:"maxLength=280"`
}

var (
	// exJoin is handled: a client asks to join a room.
	exJoin = rtkit.NewEvent[exJoinIn, rtkit.NoAck]("room:join")
	// exNewsPosted is emitted, without acknowledgement.
	exNewsPosted = rtkit.NewEvent[exNews, rtkit.NoAck]("news:posted")
)

// exNewsNamespace serves rooms "topic:{name}", which any socket may join
// through exJoin, and declares exNewsPosted.
func exNewsNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/news",
		rtkit.WithRoom("topic:{name}", func(_ context.Context, _ *rtkit.Socket, p rtkit.RoomParams) error {
			if p["name"] == "staff" {
				return rtkit.NewError(rtkit.CodeForbidden, "staff only")
			}
			return nil
		}, rtkit.RoomDescription("Everyone following one topic")))
	rtkit.Handle(ns, exJoin, func(ctx context.Context, s *rtkit.Socket, in exJoinIn) (rtkit.NoAck, error) {
		// Join checks the room policies: a room no policy allows is FORBIDDEN.
		return rtkit.NoAck{}, s.Join(ctx, in.Room)
	})
	rtkit.Emits(ns, exNewsPosted)
	return ns
}

func ExampleEmit() {
	ns := exNewsNamespace()
	// The server logs an emit that breaks its contract; keep this example's
	// output to what it prints.
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(ns)

	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	alice := exMust(ts.Connect("/news"))
	defer alice.Close()
	bob := exMust(ts.Connect("/news"))
	defer bob.Close()
	aliceInbox, bobInbox := rtkittest.Listen(alice, exNewsPosted), rtkittest.Listen(bob, exNewsPosted)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Alice follows the "go" topic; the acknowledgement says she joined.
	if _, err := rtkittest.Call(ctx, alice, exJoin, exJoinIn{Room: "topic:go"}); err != nil {
		fmt.Println("join:", err.Code)
		return
	}
	// Bob may not follow "staff".
	if _, err := rtkittest.Call(ctx, bob, exJoin, exJoinIn{Room: "topic:staff"}); err != nil {
		fmt.Println("bob joins topic:staff:", err.Code, err.Message)
	}

	// To a room: only Alice gets it. To the namespace: both do. The payload
	// is validated and encoded once, whatever the number of recipients.
	if err := rtkit.Emit(ns.To("topic:go"), exNewsPosted, exNews{Room: "topic:go", Text: "Go 1.26 is out"}); err != nil {
		fmt.Println(err)
		return
	}
	if err := rtkit.Emit(ns, exNewsPosted, exNews{Text: "maintenance at noon"}); err != nil {
		fmt.Println(err)
		return
	}

	for range 2 {
		n, err := aliceInbox.Next(ctx)
		fmt.Printf("alice: %q %q %v\n", n.Room, n.Text, err)
	}
	n, err := bobInbox.Next(ctx)
	fmt.Printf("bob: %q %q %v\n", n.Room, n.Text, err)

	// A payload that breaks the event's schema is not sent at all.
	err = rtkit.Emit(ns, exNewsPosted, exNews{Text: strings.Repeat("a", 281)})
	fmt.Println(err)
	// Output:
	// bob joins topic:staff: FORBIDDEN staff only
	// alice: "topic:go" "Go 1.26 is out" <nil>
	// alice: "" "maintenance at noon" <nil>
	// bob: "" "maintenance at noon" <nil>
	// rtkit: outgoing rtkit_test.exNews does not match its schema: [{/text maxLength: got 281, want 280}]
}

// exConfirmIn asks the client a question.
type exConfirmIn struct {
	Question string `json:"question"`
}

// exConfirmOut is the client's answer.
type exConfirmOut struct {
	OK bool `json:"ok"`
}

// exConfirm is emitted and acknowledged by the client.
var exConfirm = rtkit.NewEvent[exConfirmIn, exConfirmOut]("confirm")

func ExampleEmitWithAck() {
	connected := make(chan *rtkit.Socket, 1)
	ns := rtkit.NewNamespace("/jobs", rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) {
		connected <- s
	}))
	rtkit.Emits(ns, exConfirm)
	srv := rtkit.NewServer()
	srv.Mount(ns)

	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	client := exMust(ts.Connect("/jobs"))
	defer client.Close()
	// The client answers every "confirm" with a typed acknowledgement.
	rtkittest.Answer(client, exConfirm, func(in exConfirmIn) exConfirmOut {
		return exConfirmOut{OK: in.Question == "Delete 3 files?"}
	})

	s := <-connected
	// EmitWithAck always waits under a deadline: the context's, or the
	// server's ack timeout (WithAckTimeout) when the context has none.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := rtkit.EmitWithAck(ctx, s, exConfirm, exConfirmIn{Question: "Delete 3 files?"})
	fmt.Println(out.OK, err)
	// Output:
	// true <nil>
}
