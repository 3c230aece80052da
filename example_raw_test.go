package rtkit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// An untyped event, as an existing client sends it: several arguments, one
// of them binary, and an acknowledgement with several arguments.
func ExampleHandleRaw() {
	ns := rtkit.NewNamespace("/legacy")
	rtkit.HandleRaw(ns, "upload", func(_ context.Context, _ *rtkit.Socket, args []any) ([]any, error) {
		name, _ := args[0].(string)
		data, _ := args[1].([]byte)
		return []any{"stored", name, len(data)}, nil
	})
	srv := rtkit.NewServer()
	srv.Mount(ns)
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	client := exMust(ts.Connect("/legacy"))
	defer client.Close()

	answer := make(chan []any, 1)
	_ = client.Raw().Emit("upload", "notes.txt", []byte("hello"),
		socket.Ack(func(args []any, _ error) { answer <- args }))
	select {
	case args := <-answer:
		fmt.Println(args...)
	case <-time.After(5 * time.Second):
		fmt.Println("no answer")
	}
	// Output: stored notes.txt 5
}
