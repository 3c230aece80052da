package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The contract both sides share.
type GreetIn struct {
	Name string `json:"name" jsonschema:"minLength=1,maxLength=20"`
}

type GreetOut struct {
	Greeting string `json:"greeting"`
}

type Note struct {
	Text string `json:"text"`
}

var (
	Greet   = rtkit.NewEvent[GreetIn, GreetOut]("greet")
	NoteNew = rtkit.NewEvent[Note, rtkit.NoAck]("note:new")
)

// exampleServer serves "/greeter" on 127.0.0.1.
func exampleServer() (*rtkittest.Server, *rtkit.Namespace) {
	ns := rtkit.NewNamespace("/greeter")
	rtkit.Handle(ns, Greet, func(ctx context.Context, s *rtkit.Socket, in GreetIn) (GreetOut, error) {
		if in.Name == "Mallory" {
			return GreetOut{}, rtkit.NewError(rtkit.CodeForbidden, "not you")
		}
		return GreetOut{Greeting: "Hello, " + in.Name + "!"}, nil
	})
	rtkit.Emits(ns, NoteNew)
	srv := rtkit.NewServer()
	srv.Mount(ns)
	ts, err := rtkittest.NewServer(srv)
	if err != nil {
		panic(err)
	}
	return ts, ns
}

func Example() {
	ts, ns := exampleServer()
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c, err := client.Dial(ctx, ts.URL+"/greeter", client.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	notes := make(chan Note, 1)
	client.On(c, NoteNew, func(n Note) { notes <- n })

	out, err := client.Call(ctx, c, Greet, GreetIn{Name: "Ann"})
	fmt.Println(out.Greeting, err)

	_, err = client.Call(ctx, c, Greet, GreetIn{Name: "Mallory"})
	fmt.Println(rtkit.CodeOf(err), client.AsError(err).Message)

	_, err = client.Call(ctx, c, Greet, GreetIn{Name: ""}) // refused before sending
	fmt.Println(rtkit.CodeOf(err), client.AsError(err).Details[0].Path)

	_ = rtkit.Emit(ns, NoteNew, Note{Text: "hi all"})
	fmt.Println((<-notes).Text)
	// Output:
	// Hello, Ann! <nil>
	// FORBIDDEN not you
	// VALIDATION_ERROR /name
	// hi all
}
