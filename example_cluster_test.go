package rtkit_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// This file holds the operations that gather answers from every server:
// acknowledgements of a room, counts, server events. With the Redis
// adapter they cover every server of the deployment; these examples use
// the in-memory one.

// exPoll asks every client of a room for a vote.
type exPollIn struct {
	Question string `json:"question" jsonschema:"minLength=1"`
}

type exPollOut struct {
	Choice string `json:"choice" jsonschema:"enum=yes,enum=no"`
}

var exPoll = rtkit.NewEvent[exPollIn, exPollOut]("poll")

func ExampleEmitWithAcks() {
	ns := rtkit.NewNamespace("/votes",
		rtkit.WithRoom("team", rtkit.Anyone),
		rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"team"} }))
	rtkit.Emits(ns, exPoll)
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(ns)
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	for _, choice := range []string{"yes", "no", "yes"} {
		c := exMust(ts.Connect("/votes"))
		defer c.Close()
		rtkittest.Answer(c, exPoll, func(exPollIn) exPollOut { return exPollOut{Choice: choice} })
	}

	// Every socket of the room, on every server, is asked; the call
	// returns when all answered, or at the deadline with what arrived and
	// a TIMEOUT error.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	acks, err := rtkit.EmitWithAcks(ctx, ns.To("team"), exPoll, exPollIn{Question: "Ship on Friday?"})
	var votes []string
	for _, a := range acks {
		if a.Err == nil { // an answer that breaks exPollOut's schema has an Err
			votes = append(votes, a.Data.Choice)
		}
	}
	slices.Sort(votes)
	fmt.Println(votes, err)
	// Output:
	// [no yes yes] <nil>
}

func ExampleRooms_Count() {
	ns := rtkit.NewNamespace("/presence",
		rtkit.WithRoom("doc:{id}", rtkit.Anyone),
		rtkit.AutoJoin(func(_ context.Context, s *rtkit.Socket) []string {
			doc, _ := s.Handshake().Auth["doc"].(string)
			return []string{"doc:" + doc}
		}))
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(ns)
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	for _, doc := range []string{"1", "1", "2"} {
		c := exMust(ts.Connect("/presence", rtkittest.WithAuth(map[string]any{"doc": doc})))
		defer c.Close()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Count and Fetch ask every server; a server that does not answer
	// before the deadline makes them return a TIMEOUT error.
	readers, err := ns.To("doc:1").Count(ctx)
	fmt.Println(readers, err)
	everyone, err := ns.To().Fetch(ctx)
	fmt.Println(len(everyone), err)
	// Output:
	// 2 <nil>
	// 3 <nil>
}

type (
	exReloadIn  struct{ Version int }
	exReloadOut struct{ Loaded bool }
)

var exReload = rtkit.NewEvent[exReloadIn, exReloadOut]("config:reload")

func ExampleEmitServers() {
	ns := rtkit.NewNamespace("/admin")
	// Every server registers the handler; EmitServers runs it on all the
	// others (not on the sender).
	rtkit.HandleServer(ns, exReload, func(_ context.Context, in exReloadIn) (exReloadOut, error) {
		return exReloadOut{Loaded: in.Version > 0}, nil
	})
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(ns)
	defer func() { _ = srv.Shutdown(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// With the in-memory adapter there is no other server to answer.
	answers, err := rtkit.EmitServers(ctx, ns, exReload, exReloadIn{Version: 7})
	fmt.Println(len(answers), err)
	// Output:
	// 0 <nil>
}
