package ratelimit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/ratelimit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func ExampleEvents() {
	// Two events a minute per socket; an event declared with Cost(2)
	// would take both at once.
	ns := rtkit.NewNamespace("/limited", ratelimit.Events(ratelimit.Config{Socket: ratelimit.PerMinute(2)}))
	rtkit.Handle(ns, evPing, func(_ context.Context, _ *rtkit.Socket, in ping) (pong, error) { return pong(in), nil })
	srv := rtkit.NewServer(rtkit.WithLogger(quiet()))
	srv.Mount(ns)

	ts, err := rtkittest.NewServer(srv)
	if err != nil {
		panic(err)
	}
	defer ts.Close()
	client, err := ts.Connect("/limited")
	if err != nil {
		panic(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 3 {
		_, rerr := rtkittest.Call(ctx, client, evPing, ping{N: i})
		if rerr != nil {
			fmt.Println(i, rerr.Code)
			continue
		}
		fmt.Println(i, "ok")
	}
	// Output:
	// 0 ok
	// 1 ok
	// 2 RATE_LIMITED
}
