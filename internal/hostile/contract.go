package hostile

import "github.com/rtkit-go/rtkit"

// EchoIn is the payload of Echo.
type EchoIn struct {
	Text string `json:"text" jsonschema:"maxLength=1000"`
}

// EchoOut answers Echo: the text and the user who sent it.
type EchoOut struct {
	Text string `json:"text"`
	User string `json:"user"`
}

// JoinIn asks to join a room through the namespace's room policies.
type JoinIn struct {
	Room string `json:"room" jsonschema:"minLength=1,maxLength=200"`
}

// JoinOut answers Join.
type JoinOut struct {
	Joined bool `json:"joined"`
}

// SayIn asks to broadcast a message to a room the socket is in.
type SayIn struct {
	Room string `json:"room" jsonschema:"minLength=1,maxLength=200"`
	Text string `json:"text" jsonschema:"minLength=1,maxLength=1000"`
}

// SayOut answers Say.
type SayOut struct {
	Sent bool `json:"sent"`
}

// Message is what Say broadcasts.
type Message struct {
	Room string `json:"room"`
	From string `json:"from"`
	Text string `json:"text"`
}

// SlowIn asks the server to hold the handler for Ms milliseconds.
type SlowIn struct {
	Ms  int `json:"ms" jsonschema:"minimum=0,maximum=5000"`
	Seq int `json:"seq"`
}

// SlowOut answers Slow once the time is up.
type SlowOut struct {
	Seq int `json:"seq"`
}

// The events of the namespace "/app".
var (
	// Echo answers its payload with the sender's user id.
	Echo = rtkit.NewEvent[EchoIn, EchoOut]("echo")
	// Join joins a room, if a room policy allows it.
	Join = rtkit.NewEvent[JoinIn, JoinOut]("room:join")
	// Say broadcasts Message to a room the socket has joined.
	Say = rtkit.NewEvent[SayIn, SayOut]("room:say")
	// Slow holds the handler for a while: in-flight work for the shutdown
	// tests.
	Slow = rtkit.NewEvent[SlowIn, SlowOut]("slow")
	// Said is the server → client broadcast of Say.
	Said = rtkit.NewEvent[Message, rtkit.NoAck]("room:message")
)

// Namespace is the name of the namespace NewServer serves.
const Namespace = "/app"
