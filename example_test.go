package rtkit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The examples of this package run a real server on 127.0.0.1 and talk to
// it with the rtkittest client. This file holds the handling side: declare
// an event, handle it, and see what a client gets back.

// exGreetIn is the payload of exGreet. The jsonschema tags become the JSON
// Schema every incoming payload is validated against.
type exGreetIn struct {
	Name     string `json:"name" jsonschema:"minLength=1,maxLength=20"`
	Language string `json:"language" jsonschema:"enum=en,enum=fr"`
}

// exGreetOut is the acknowledgement of exGreet.
type exGreetOut struct {
	Greeting string `json:"greeting"`
}

// exGreet is a client → server event with an acknowledgement.
var exGreet = rtkit.NewEvent[exGreetIn, exGreetOut]("greet",
	rtkit.Summary("Ask the server for a greeting"))

// exGreetNamespace is the namespace the examples of this file serve.
func exGreetNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/greeter")
	rtkit.Handle(ns, exGreet, func(ctx context.Context, s *rtkit.Socket, in exGreetIn) (exGreetOut, error) {
		if in.Language == "fr" {
			return exGreetOut{Greeting: "Bonjour, " + in.Name + " !"}, nil
		}
		return exGreetOut{Greeting: "Hello, " + in.Name + "!"}, nil
	})
	return ns
}

func ExampleHandle() {
	ns := exGreetNamespace()
	srv := rtkit.NewServer()
	srv.Mount(ns)

	// Serve on 127.0.0.1 and connect a client to the namespace.
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	client := exMust(ts.Connect("/greeter"))
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := rtkittest.Call(ctx, client, exGreet, exGreetIn{Name: "Ada", Language: "en"})
	if err != nil {
		fmt.Println("error:", err.Code, err.Message)
		return
	}
	fmt.Println(out.Greeting)

	// On the wire the acknowledgement is an envelope.
	env, err := rtkittest.CallRaw(ctx, client, "greet", map[string]any{"name": "Ada", "language": "fr"})
	if err != nil {
		fmt.Println("error:", err.Code, err.Message)
		return
	}
	fmt.Printf("success=%v data=%s\n", env.Success, env.Data)
	// Output:
	// Hello, Ada!
	// success=true data={"greeting":"Bonjour, Ada !"}
}

// A payload that does not match the event's schema never reaches the
// handler: the client gets a VALIDATION_ERROR with one detail per
// offending field, as JSON Pointers into the payload.
func ExampleHandle_validation() {
	srv := rtkit.NewServer()
	srv.Mount(exGreetNamespace())

	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	client := exMust(ts.Connect("/greeter"))
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := rtkittest.Call(ctx, client, exGreet, exGreetIn{Name: "", Language: "de"})
	if err == nil {
		fmt.Println("accepted")
		return
	}
	fmt.Println(err.Code, err.Message)
	for _, d := range err.Details {
		fmt.Printf("%s: %s\n", d.Path, d.Message)
	}

	// A field the type does not have is refused too.
	env, err := rtkittest.CallRaw(ctx, client, "greet",
		map[string]any{"name": "Ada", "language": "en", "admin": true})
	if err != nil {
		fmt.Println("error:", err.Code, err.Message)
		return
	}
	fmt.Println(env.Success, env.Error.Code, env.Error.Details)
	// Output:
	// VALIDATION_ERROR invalid payload
	// /language: value must be one of 'en', 'fr'
	// /name: minLength: got 0, want 1
	// false VALIDATION_ERROR [{/admin is not allowed}]
}

// An event sent without an acknowledgement callback cannot be answered
// with an envelope: its failures arrive as the "error" event, which names
// the event that failed.
func ExampleHandle_errorEvent() {
	srv := rtkit.NewServer()
	srv.Mount(exGreetNamespace())

	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	client := exMust(ts.Connect("/greeter"))
	defer client.Close()
	errs := rtkittest.ListenErrors(client)

	if err := rtkittest.Send(client, exGreet, exGreetIn{Name: "Ada"}); err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e, err := errs.Next(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Event, e.Code, e.Details)
	// Output:
	// greet VALIDATION_ERROR [{/language value must be one of 'en', 'fr'}]
}

// exMust keeps the examples' set-up short: serving and connecting on
// 127.0.0.1 do not fail in practice.
func exMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
