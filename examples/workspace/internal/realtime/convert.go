package realtime

import "github.com/rtkit-go/rtkit/examples/workspace/internal/store"

// NotificationOf converts a stored notification into its wire form.
func NotificationOf(n store.Notification) Notification {
	return Notification{
		ID: n.ID, Type: n.Type, Title: n.Title, Message: n.Message,
		CreatedAt: n.CreatedAt, Read: n.Read,
	}
}

// SummaryOf converts a stored document into the summary events carry.
func SummaryOf(d store.Document) DocumentSummary {
	return DocumentSummary{ID: d.ID, Title: d.Title, UpdatedAt: d.UpdatedAt}
}
