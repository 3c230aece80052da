package rtkit_test

import (
	"fmt"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Typing is the payload of a transient event.
type Typing struct {
	User string `json:"user"`
}

// Recovery with a larger memory log and an event kept out of it. The spec
// declares the recovery events by itself and says which events carry an
// offset after their payload.
func ExampleWithDeliveryLog() {
	typing := rtkit.NewEvent[Typing, rtkit.NoAck]("typing", rtkit.NotReplayable())
	notification := rtkit.NewEvent[Note, rtkit.NoAck]("notification:new")

	ns := rtkit.NewNamespace("/notifications")
	rtkit.Emits(ns, notification) // replayed to a client that was away
	rtkit.Emits(ns, typing)       // delivered live only

	srv := rtkit.NewServer(
		rtkit.WithRecovery(5*time.Minute),
		rtkit.WithDeliveryLog(rtkit.NewMemoryLog(rtkit.MemoryLogOptions{MaxEntries: 50_000})),
	)
	srv.Mount(ns)
	for _, e := range srv.Spec().Namespaces[0].Events {
		fmt.Println(e.Direction, e.Name, "offset:", e.Offset)
	}
	// Output:
	// server-to-client notification:new offset: true
	// server-to-client typing offset: false
	// server-to-client rtkit:resync offset: true
	// server-to-client rtkit:offset offset: false
}
