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
	// export interface Resync {
	//   /** One of `"window_exceeded"`, `"unknown_session"`. */
	//   reason: "window_exceeded" | "unknown_session";
	// }
	//
	// export type Offset = string;
	//
	// /** Events the client emits and the server handles. */
	// export interface ClientToServerEvents {
	//   /** Join a room */
	//   join: (payload: Join, ack: (res: AckEnvelope<Joined>) => void) => void;
	// }
	//
	// /** Events the server emits and the client listens to. */
	// export interface ServerToClientEvents {
	//   /**
	//    * Events may have been lost while the client was away: fetch the current state
	//    *
	//    * Sent right after connect when the client asked to recover its session (Socket.IO connection state recovery) and the server could not replay exactly what it missed. reason is window_exceeded (away longer than the server keeps events) or unknown_session.
	//    */
	//   "rtkit:resync": (payload: Resync, offset?: string) => void;
	//   /**
	//    * The client's recovery offset moved: keep it for reconnecting
	//    *
	//    * Its only argument is the offset in the server's delivery log. socket.io-client keeps it by itself (as it keeps the trailing offset argument of other events) and sends it back when it reconnects, to get exactly the events it missed.
	//    */
	//   "rtkit:offset": (payload: Offset) => void;
	//   /** A failure, when the client emitted an event without an acknowledgement callback. */
	//   error: (err: ErrorEvent) => void;
	// }
}
