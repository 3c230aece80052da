package rtkit_test

import (
	"fmt"
	"log/slog"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// ExampleOnSocketChange tells of the rooms a socket joins and leaves.
func ExampleOnSocketChange() {
	changes := make(chan string, 4)
	ns := rtkit.NewNamespace("/chat", rtkit.OnSocketChange(func(s *rtkit.Socket, c rtkit.SocketChange) {
		switch c.Kind {
		case rtkit.RoomJoined:
			changes <- "joined " + c.Room
		case rtkit.RoomLeft:
			changes <- "left " + c.Room
		}
	}))
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(ns)
	ts := exMust(rtkittest.NewServer(srv))
	defer ts.Close()
	c := exMust(ts.Connect("/chat"))
	ns.To(c.ID()).Join("lobby")
	fmt.Println(<-changes)
	c.Close()
	fmt.Println(<-changes)
	// Output:
	// joined lobby
	// left lobby
}
