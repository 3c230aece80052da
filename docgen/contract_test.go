package docgen_test

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/examples/echo/chat"
)

// echoSpec is the Spec of examples/echo's server, which the golden test
// documents in docs/echo.
func echoSpec() rtkit.Spec { return specOf(chat.Namespace()) }

// echoNamespace is examples/echo's "/chat" namespace.
func echoNamespace() *rtkit.Namespace { return chat.Namespace() }

// specOf mounts the namespaces on a server, takes its spec and shuts it
// down again.
func specOf(namespaces ...*rtkit.Namespace) rtkit.Spec {
	srv := rtkit.NewServer()
	srv.Mount(namespaces...)
	defer func() { _ = srv.Shutdown(context.Background()) }()
	return srv.Spec()
}

// A richer contract: nested and shared types, a self-referring type, maps,
// enums, formats, unsigned integers, generics, server emits with an
// acknowledgement.

// Author is shared by several payloads.
type Author struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name" jsonschema:"minLength=2,maxLength=40"`
}

// Comment refers to itself through its replies.
type Comment struct {
	Author  Author    `json:"author"`
	Body    string    `json:"body" jsonschema:"minLength=1"`
	Replies []Comment `json:"replies,omitempty"`
}

// Page is generic.
type Page[T any] struct {
	Items []T   `json:"items"`
	Next  *uint `json:"next,omitempty"`
}

// DocumentEdit is a client's change to a document.
type DocumentEdit struct {
	DocumentID uuid.UUID         `json:"documentId"`
	Kind       string            `json:"kind" jsonschema:"enum=insert,enum=delete"`
	Position   uint32            `json:"position"`
	Text       string            `json:"text,omitempty" jsonschema:"maxLength=500"`
	Tags       []string          `json:"tags,omitempty" jsonschema:"maxItems=5"`
	Meta       map[string]int    `json:"meta,omitempty"`
	Author     Author            `json:"author"`
	Ratio      float64           `json:"ratio" jsonschema:"minimum=0,maximum=1"`
	Code       string            `json:"code" jsonschema:"pattern=^[A-Z]{3}-[0-9]{4}$"`
	Labels     map[string]string `json:"labels,omitempty"`
}

// EditApplied acknowledges an edit.
type EditApplied struct {
	Version  uint64    `json:"version"`
	At       time.Time `json:"at"`
	Reviewer *Author   `json:"reviewer" jsonschema:"description=Null until someone reviews the edit."`
	Parent   *uint64   `json:"parent"`
}

// Confirm asks the client to confirm.
type Confirm struct {
	Question string `json:"question"`
}

// Confirmed is the client's answer.
type Confirmed struct {
	Yes bool `json:"yes"`
}

// Ping has no fields.
type Ping struct{}

var (
	docEdit = rtkit.NewEvent[DocumentEdit, EditApplied]("document:edit",
		rtkit.Summary("Apply an edit"), rtkit.Description("Edits apply in order."),
		rtkit.Errors(rtkit.CodeForbidden, rtkit.CodeNotFound))
	docComments = rtkit.NewEvent[Page[Comment], rtkit.NoAck]("document:comments",
		rtkit.Summary("Comments of a document"), rtkit.Deprecated("use document:thread"))
	docConfirm = rtkit.NewEvent[Confirm, Confirmed]("document:confirm")
	docPing    = rtkit.NewEvent[Ping, rtkit.NoAck]("ping")
)

// documentsNamespace is the richer contract.
func documentsNamespace() *rtkit.Namespace {
	ns := rtkit.NewNamespace("/documents",
		rtkit.NamespaceDescription("Shared documents"),
		rtkit.WithRoom("document:{documentId}", rtkit.Anyone, rtkit.RoomDescription("Editors | viewers")),
		rtkit.WithRoom("user:{userId}:*", rtkit.Anyone),
		rtkit.WithAnnotation(requiresAuth{}))
	rtkit.Handle(ns, docEdit, func(context.Context, *rtkit.Socket, DocumentEdit) (EditApplied, error) {
		return EditApplied{}, nil
	})
	rtkit.Handle(ns, docPing, func(context.Context, *rtkit.Socket, Ping) (rtkit.NoAck, error) {
		return rtkit.NoAck{}, nil
	})
	rtkit.Emits(ns, docComments)
	rtkit.Emits(ns, docConfirm)
	return ns
}

// requiresAuth annotates a namespace the way the auth package does.
type requiresAuth struct{}

func (requiresAuth) SpecAnnotation() (string, any) {
	return "auth", map[string]any{"required": true, "cookies": []string{"rtkit_session"}}
}
