// Package chat is the contract and the handler of examples/echo's "/chat"
// namespace: clients post messages to rooms (MessageSend) and everyone in
// the room receives them (MessageNew). It is a package of its own so that
// the documentation generators' tests describe the server itself, not a
// copy of it.
package chat

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/rtkit-go/rtkit"
)

// SendMessage is what a client posts.
type SendMessage struct {
	Room string `json:"room" jsonschema:"minLength=1,maxLength=64,pattern=^[a-z0-9-]+$" jsonschema_description:"Room name: lower-case letters, digits and dashes"`
	Text string `json:"text" jsonschema:"minLength=1,maxLength=1000"`
}

// MessageSent acknowledges a posted message.
type MessageSent struct {
	ID int64 `json:"id"`
}

// Message is what everyone in the room receives.
type Message struct {
	ID     int64     `json:"id"`
	Room   string    `json:"room"`
	From   string    `json:"from" jsonschema_description:"Socket id of the sender"`
	Text   string    `json:"text"`
	SentAt time.Time `json:"sentAt"`
}

var (
	// MessageSend is handled: client → server.
	MessageSend = rtkit.NewEvent[SendMessage, MessageSent]("message:send",
		rtkit.Summary("Post a message to a room, joining it"))
	// MessageNew is emitted: server → client.
	MessageNew = rtkit.NewEvent[Message, rtkit.NoAck]("message:new",
		rtkit.Summary("A message was posted to a room you are in"))
)

// Namespace builds "/chat": the room policy "room:{name}", the handler of
// MessageSend and the declaration of MessageNew.
func Namespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/chat",
		rtkit.NamespaceDescription("Rooms where clients post messages"),
		rtkit.WithRoom("room:{name}", rtkit.Anyone,
			rtkit.RoomDescription("Everyone who posted to the room")))

	var lastID atomic.Int64
	rtkit.Handle(ns, MessageSend, func(ctx context.Context, s *rtkit.Socket, in SendMessage) (MessageSent, error) {
		room := "room:" + in.Room
		if err := s.Join(ctx, room); err != nil {
			return MessageSent{}, err
		}
		msg := Message{
			ID:     lastID.Add(1),
			Room:   in.Room,
			From:   s.ID(),
			Text:   in.Text,
			SentAt: time.Now().UTC(),
		}
		if err := rtkit.Emit(ns.To(room), MessageNew, msg); err != nil {
			return MessageSent{}, err // logged; the client sees INTERNAL
		}
		return MessageSent{ID: msg.ID}, nil
	})
	rtkit.Emits(ns, MessageNew)
	return ns
}
