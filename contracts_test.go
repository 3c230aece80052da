package rtkit_test

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/rtkit-go/rtkit"
)

// The contracts the tests of this package serve.

type SubscribeIn struct {
	Channel string `json:"channel" jsonschema:"minLength=1,maxLength=64"`
}

type SubscribeOut struct {
	Channel string `json:"channel"`
	Joined  bool   `json:"joined"`
}

type UpdateIn struct {
	DocID     uuid.UUID `json:"docId"`
	Title     string    `json:"title" jsonschema:"maxLength=10"`
	Revision  uint      `json:"revision"`
	UpdatedAt time.Time `json:"updatedAt"`
	Tags      []string  `json:"tags,omitempty" jsonschema:"maxItems=5"`
}

type UpdateOut struct {
	DocID    uuid.UUID `json:"docId"`
	Revision uint      `json:"revision"`
}

type Note struct {
	Seq  int    `json:"seq"`
	Text string `json:"text" jsonschema:"maxLength=100"`
}

type Question struct {
	Q string `json:"q"`
}

type Answer struct {
	A int `json:"a" jsonschema:"minimum=0"`
}

type Empty struct{}

var (
	evSubscribe = rtkit.NewEvent[SubscribeIn, SubscribeOut]("subscribe", rtkit.Summary("Join a channel"))
	evUpdate    = rtkit.NewEvent[UpdateIn, UpdateOut]("doc:update")
	evPanic     = rtkit.NewEvent[Empty, Empty]("boom:panic")
	evFail      = rtkit.NewEvent[Empty, Empty]("boom:error")
	evBadOut    = rtkit.NewEvent[Empty, Answer]("bad:out")
	evSlow      = rtkit.NewEvent[Empty, Empty]("slow")
	evNote      = rtkit.NewEvent[Note, rtkit.NoAck]("note")
	evAsk       = rtkit.NewEvent[Question, Answer]("ask")
	evTrigger   = rtkit.NewEvent[Note, rtkit.NoAck]("trigger")
)

// errSecret stands for an internal failure whose text must never reach a
// client.
var errSecret = errors.New("db password=hunter2 rejected")

// newTestNamespace builds the namespace most tests use.
func newTestNamespace(opts ...rtkit.NamespaceOption) *rtkit.Namespace {
	opts = append([]rtkit.NamespaceOption{
		rtkit.WithRoom("channel:{name}", func(_ context.Context, _ *rtkit.Socket, p rtkit.RoomParams) error {
			if p["name"] == "secret" {
				return rtkit.NewError(rtkit.CodeForbidden, "not your channel")
			}
			return nil
		}),
	}, opts...)
	ns := rtkit.NewNamespace("/test", opts...)
	rtkit.Handle(ns, evSubscribe, func(ctx context.Context, s *rtkit.Socket, in SubscribeIn) (SubscribeOut, error) {
		if err := s.Join(ctx, "channel:"+in.Channel); err != nil {
			return SubscribeOut{}, err
		}
		return SubscribeOut{Channel: in.Channel, Joined: true}, nil
	})
	rtkit.Handle(ns, evUpdate, func(_ context.Context, _ *rtkit.Socket, in UpdateIn) (UpdateOut, error) {
		return UpdateOut{DocID: in.DocID, Revision: in.Revision + 1}, nil
	})
	rtkit.Handle(ns, evPanic, func(context.Context, *rtkit.Socket, Empty) (Empty, error) {
		panic("handler exploded: " + errSecret.Error())
	})
	rtkit.Handle(ns, evFail, func(context.Context, *rtkit.Socket, Empty) (Empty, error) {
		return Empty{}, errSecret
	})
	rtkit.Handle(ns, evBadOut, func(context.Context, *rtkit.Socket, Empty) (Answer, error) {
		return Answer{A: -1}, nil // breaks minimum=0
	})
	rtkit.Handle(ns, evTrigger, func(_ context.Context, s *rtkit.Socket, in Note) (rtkit.NoAck, error) {
		return rtkit.NoAck{}, rtkit.Emit(s, evNote, in)
	})
	rtkit.Emits(ns, evNote)
	rtkit.Emits(ns, evAsk)
	return ns
}
