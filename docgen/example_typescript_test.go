package docgen_test

import (
	"fmt"
	"strings"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

// The event maps of a namespace, for socket.io-client's
// Socket<ServerToClientEvents, ClientToServerEvents>.
func ExampleTypeScript() {
	type Join struct {
		Room string `json:"room" jsonschema:"minLength=1"`
	}
	type Joined struct {
		Members int `json:"members"`
	}
	ns := rtkit.NewNamespace("/rooms")
	handle(ns, rtkit.NewEvent[Join, Joined]("join", rtkit.Summary("Join a room")))

	modules, err := docgen.TypeScript(specOf(ns))
	if err != nil {
		panic(err)
	}
	module := string(modules["rooms.ts"])
	start := strings.Index(module, "export interface Join ")
	fmt.Print(module[start:])
	// Output:
	// export interface Join {
	//   /** At least 1 character. */
	//   room: string;
	// }
	//
	// export interface Joined {
	//   members: number;
	// }
	//
	// /** Events the client emits and the server handles. */
	// export interface ClientToServerEvents {
	//   /** Join a room */
	//   join: (payload: Join, ack: (res: AckEnvelope<Joined>) => void) => void;
	// }
	//
	// /** Events the server emits and the client listens to. */
	// export interface ServerToClientEvents {
	//   /** A failure, when the client emitted an event without an acknowledgement callback. */
	//   error: (err: ErrorEvent) => void;
	// }
}
