// Package realtime declares the workspace application's Socket.IO
// contract (namespaces /notifications and /documents, their events and
// rooms) and serves it with rtkit.
package realtime

import (
	"time"

	"github.com/google/uuid"

	"github.com/rtkit-go/rtkit"
)

// ChannelIn names a notification channel: "user:{yourId}",
// "user:{yourId}:<anything>" or "broadcast".
type ChannelIn struct {
	Channel string `json:"channel" jsonschema:"minLength=1,maxLength=100" jsonschema_description:"user:{yourId}, user:{yourId}:<anything> or broadcast"`
}

// ChannelOut acknowledges a subscription change.
type ChannelOut struct {
	Channel string `json:"channel"`
}

// MarkReadIn names a notification to mark read.
type MarkReadIn struct {
	NotificationID uuid.UUID `json:"notificationId"`
}

// Notification is a notification as clients see it. It is also the body
// the REST API answers with.
type Notification struct {
	ID        uuid.UUID `json:"id"`
	Type      string    `json:"type" jsonschema:"enum=info,enum=success,enum=warning,enum=error"`
	Title     string    `json:"title" jsonschema:"minLength=1,maxLength=200"`
	Message   string    `json:"message" jsonschema:"minLength=1,maxLength=2000"`
	CreatedAt time.Time `json:"createdAt"`
	Read      bool      `json:"read"`
}

// DocumentRef names a document.
type DocumentRef struct {
	DocumentID uuid.UUID `json:"documentId"`
}

// DocumentSummary is what document:subscribe answers and document:updated
// carries.
type DocumentSummary struct {
	ID        uuid.UUID `json:"id"`
	Title     string    `json:"title" jsonschema:"minLength=1,maxLength=200"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// DocumentDeleted says which document was deleted.
type DocumentDeleted struct {
	ID uuid.UUID `json:"id"`
}

// The notification types.
var NotificationTypes = []string{"info", "success", "warning", "error"}

// Events of /notifications.
var (
	// SubscribeChannel joins a notification channel.
	SubscribeChannel = rtkit.NewEvent[ChannelIn, ChannelOut]("subscribe:channel",
		rtkit.Summary("Join a notification channel"),
		rtkit.Errors(rtkit.CodeForbidden))
	// UnsubscribeChannel leaves a notification channel.
	UnsubscribeChannel = rtkit.NewEvent[ChannelIn, ChannelOut]("unsubscribe:channel",
		rtkit.Summary("Leave a notification channel"),
		rtkit.Errors(rtkit.CodeForbidden))
	// MarkRead marks one of the caller's notifications read.
	MarkRead = rtkit.NewEvent[MarkReadIn, Notification]("mark:read",
		rtkit.Summary("Mark a notification read; the acknowledgement carries it"),
		rtkit.Errors(rtkit.CodeNotFound))
	// NotificationNew announces a new notification.
	NotificationNew = rtkit.NewEvent[Notification, rtkit.NoAck]("notification:new",
		rtkit.Summary("A notification for you, or for everyone on the broadcast channel"))
	// NotificationUpdated announces a changed notification (read).
	NotificationUpdated = rtkit.NewEvent[Notification, rtkit.NoAck]("notification:updated",
		rtkit.Summary("One of your notifications changed (it was read)"))
)

// Events of /documents.
var (
	// DocumentSubscribe follows one of the caller's documents.
	DocumentSubscribe = rtkit.NewEvent[DocumentRef, DocumentSummary]("document:subscribe",
		rtkit.Summary("Follow changes of one of your documents"),
		rtkit.Errors(rtkit.CodeNotFound))
	// DocumentUnsubscribe stops following a document.
	DocumentUnsubscribe = rtkit.NewEvent[DocumentRef, DocumentRef]("document:unsubscribe",
		rtkit.Summary("Stop following a document"))
	// DocumentUpdated announces a changed document.
	DocumentUpdated = rtkit.NewEvent[DocumentSummary, rtkit.NoAck]("document:updated",
		rtkit.Summary("A document you own or follow changed"))
	// DocumentDeletedEvent announces a deleted document.
	DocumentDeletedEvent = rtkit.NewEvent[DocumentDeleted, rtkit.NoAck]("document:deleted",
		rtkit.Summary("A document you own or follow was deleted"))
)
