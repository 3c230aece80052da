package rtkit_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// exLookupIn and exLookupOut are the payloads of exLookup.
type exLookupIn struct {
	Key string `json:"key" jsonschema:"minLength=1"`
}

type exLookupOut struct {
	Value string `json:"value"`
}

// exLookup may take at most 200 ms, whatever the server's default.
var exLookup = rtkit.NewEvent[exLookupIn, exLookupOut]("lookup",
	rtkit.HandlerTimeout(200*time.Millisecond))

// A handler runs under a deadline: the server's (WithHandlerTimeout, 30 s
// by default) or its event's (HandlerTimeout). At the deadline the client
// gets TIMEOUT and the handler's context is cancelled; the socket's next
// event does not wait for a handler that ignores its context.
func ExampleHandlerTimeout() {
	release := make(chan struct{})
	ns := rtkit.NewNamespace("/store")
	rtkit.Handle(ns, exLookup, func(ctx context.Context, _ *rtkit.Socket, in exLookupIn) (exLookupOut, error) {
		if in.Key == "slow" {
			<-release // a dependency that ignores ctx
			return exLookupOut{}, nil
		}
		if in.Key == "polite" {
			<-ctx.Done() // what a handler should do (context.Cause: rtkit.ErrHandlerTimeout)
			return exLookupOut{}, ctx.Err()
		}
		return exLookupOut{Value: "value of " + in.Key}, nil
	})
	srv := rtkit.NewServer(rtkit.WithHandlerTimeout(10*time.Second),
		rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(ns)

	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	defer close(release) // before the server closes
	client := exMust(ts.Connect("/store"))
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	for _, key := range []string{"polite", "slow", "a"} {
		out, err := rtkittest.Call(ctx, client, exLookup, exLookupIn{Key: key})
		if err != nil {
			fmt.Println(key+":", err.Code, err.Message)
			continue
		}
		fmt.Println(key+":", out.Value)
	}
	h := srv.Health(ctx)
	fmt.Println(h.Status, h.Reasons)
	// Output:
	// polite: TIMEOUT the handler did not finish in time
	// slow: TIMEOUT the handler did not finish in time
	// a: value of a
	// degraded [1 handlers past their deadline]
}
