// Package chatcontract is the /chat contract the adapter's tests and the
// node processes they start (internal/rtkitnode) share: every server, and
// every emitter process, must declare the namespace the same way.
package chatcontract

import (
	"context"
	"strings"

	"github.com/rtkit-go/rtkit"
)

// Note is the payload of NoteNew. An ID beyond 2^53 checks that numbers
// cross servers exactly.
type Note struct {
	Text string   `json:"text" jsonschema:"minLength=1"`
	ID   int64    `json:"id"`
	Tags []string `json:"tags,omitempty"`
	Meta *Meta    `json:"meta,omitempty"`
}

// Meta is a nested object of Note.
type Meta struct {
	Score float64 `json:"score"`
	Seen  bool    `json:"seen"`
}

// Relay asks a node process to emit NoteNew {Text, ID} to Room.
type Relay struct {
	Room string `json:"room" jsonschema:"minLength=1"`
	Text string `json:"text" jsonschema:"minLength=1"`
	ID   int64  `json:"id"`
}

// Question is the payload of AskEvent; Answer the client's answer.
type (
	Question struct {
		Q string `json:"q" jsonschema:"minLength=1"`
	}
	Answer struct {
		N int `json:"n" jsonschema:"minimum=0"`
	}
)

// Who asks a node process who it is (ServerWho); Whoami is its answer.
type (
	Who    struct{}
	Whoami struct {
		PID int `json:"pid" jsonschema:"minimum=1"`
	}
)

var (
	// AskEvent is the acknowledged server → client event of /chat.
	AskEvent = rtkit.NewEvent[Question, Answer]("note:ask")
	// ServerWho is the server → server event node processes handle.
	ServerWho = rtkit.NewEvent[Who, Whoami]("node:who")
	// NoteNew is the server → client event of /chat.
	NoteNew = rtkit.NewEvent[Note, rtkit.NoAck]("note:new")
	// RelayEvent is the client → server event node processes handle.
	RelayEvent = rtkit.NewEvent[Relay, rtkit.NoAck]("relay")
)

// Namespace declares /chat: rooms "r:{id}", joined at connection from the
// handshake's auth.rooms (comma-separated), NoteNew and AskEvent.
func Namespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/chat",
		rtkit.WithRoom("r:{id}", rtkit.Anyone),
		rtkit.AutoJoin(func(_ context.Context, s *rtkit.Socket) []string {
			raw, _ := s.Handshake().Auth["rooms"].(string)
			if raw == "" {
				return nil
			}
			return strings.Split(raw, ",")
		}))
	rtkit.Emits(ns, NoteNew)
	rtkit.Emits(ns, AskEvent)
	return ns
}
